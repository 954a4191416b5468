//! [`Shared`]: an `Rc` that props compare by identity.
//!
//! The state makes a new `Rc` for every change of what it holds, so two props with
//! the same pointer hold the same value, and two with different pointers almost
//! never do. `Rc<T>`'s own `==` compares the contents when the pointers differ: for
//! the annotation set, that is every annotation up to the changed one, in every
//! component that takes the set, on every edit (milliseconds at 10,000 annotations).
//! Comparing pointers is O(1); at worst it redraws a component whose value was equal.

use std::ops::Deref;
use std::rc::Rc;

/// An `Rc<T>` whose `==` is [`Rc::ptr_eq`].
#[derive(Debug)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    /// The `Rc` inside.
    pub fn rc(&self) -> &Rc<T> {
        &self.0
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<Rc<T>> for Shared<T> {
    fn from(rc: Rc<T>) -> Self {
        Shared(rc)
    }
}

impl<T> yew::html::IntoPropValue<Shared<T>> for Rc<T> {
    fn into_prop_value(self) -> Shared<T> {
        Shared(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_only_when_the_same_allocation() {
        let a = Rc::new(vec![1, 2, 3]);
        let same: Shared<Vec<i32>> = a.clone().into();
        assert!(same == Shared::from(a.clone()));
        // Equal contents in another allocation are a different value for props.
        assert!(same != Shared::from(Rc::new(vec![1, 2, 3])));
        assert_eq!(*same, vec![1, 2, 3]);
        assert!(Rc::ptr_eq(same.rc(), &a));
    }
}
