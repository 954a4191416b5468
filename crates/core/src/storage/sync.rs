//! Rebasing: when another tab saved first, this tab's unsaved actions are replayed
//! on top of what was stored, so neither tab's work is lost.
//!
//! Each action is replayed through [`AnnotationSet::apply`]; one that no longer fits
//! (its target was deleted in the other tab, or the other tab made the same
//! annotation) is dropped and counted, never half-applied.

use crate::model::{Action, AnnotationSet};

/// The result of replaying unsaved actions on a newer base.
#[derive(Clone, Debug)]
pub struct Rebased {
    /// The base with the actions applied.
    pub set: AnnotationSet,
    /// The actions that applied, in order (the new unsaved list).
    pub applied: Vec<Action>,
    /// How many no longer fitted.
    pub n_dropped: usize,
}

/// Replays `unsaved` on `base`.
pub fn rebase(base: &AnnotationSet, unsaved: &[Action]) -> Rebased {
    let mut set = base.clone();
    let mut applied = Vec::with_capacity(unsaved.len());
    let mut n_dropped = 0;
    for action in unsaved {
        match set.apply(action.clone()) {
            Ok(_) => applied.push(action.clone()),
            Err(_) => n_dropped += 1,
        }
    }
    Rebased { set, applied, n_dropped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AnnId, Annotation, Schema, Span, Timestamp};

    fn add(id: &str, s: usize, e: usize) -> Action {
        Action::Add(Annotation::new(AnnId::new(id).unwrap(), "Actor", Span::new(s, e, 100).unwrap(), Timestamp(1)))
    }

    #[test]
    fn unsaved_actions_replay_on_the_other_tabs_work() {
        let mut theirs = AnnotationSet::new(100, Schema::news());
        theirs.apply(add("b1", 10, 12)).unwrap();
        theirs.apply(add("same", 30, 35)).unwrap();
        let mine = vec![add("a1", 0, 5), Action::Remove { id: AnnId::new("gone").unwrap() }, add("a2", 30, 35)];
        let r = rebase(&theirs, &mine);
        let ids: Vec<_> = r.set.items().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a1", "b1", "same"]);
        assert_eq!(r.n_dropped, 2, "a removal of something gone and a duplicate are dropped");
        assert_eq!(r.applied.len(), 1);
    }
}
