//! Annotations and the one place they change: [`AnnotationSet::apply`].
//!
//! Invariants, checked on every action:
//! - `0 <= start < end <= len` in code points (a [`Span`] cannot be otherwise);
//! - every label is in the [`LabelSet`];
//! - ids are unique;
//! - no two annotations have the same span *and* the same label (an exact duplicate
//!   is refused with the id of the one already there);
//! - the set is kept in text order: by start, then longer first (the outer span
//!   before the spans nested in it), then label, then id. This order is total, so
//!   the list, the render and every export are deterministic.
//!
//! `apply` returns the inverse action, which is how undo works.

use std::cmp::Ordering;
use std::fmt;

use super::label::LabelSet;
use super::span::{Span, SpanError};
use super::time::Timestamp;

/// An annotation id: unique within a document, opaque, at most 64 printable ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnnId(String);

impl AnnId {
    /// Checks an id.
    ///
    /// # Errors
    /// A message if the id is empty, longer than 64 bytes or not printable ASCII.
    pub fn new(id: impl Into<String>) -> Result<AnnId, String> {
        let id = id.into();
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("id {id:?} must be 1 to 64 printable ASCII characters"));
        }
        Ok(AnnId(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AnnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A labelled span of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// The id.
    pub id: AnnId,
    /// The label id, one of the document's [`LabelSet`].
    pub label: String,
    /// The code point span.
    pub span: Span,
    /// When it was made.
    pub created: Timestamp,
    /// When its label last changed (equal to `created` until then).
    pub modified: Timestamp,
}

impl Annotation {
    /// The text-order key: start, longer first, label, id.
    fn order(&self, other: &Annotation) -> Ordering {
        self.span
            .start()
            .cmp(&other.span.start())
            .then(other.span.end().cmp(&self.span.end()))
            .then_with(|| self.label.cmp(&other.label))
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// A change to an [`AnnotationSet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Add an annotation.
    Add(Annotation),
    /// Change the label of an annotation.
    Relabel {
        /// Which annotation.
        id: AnnId,
        /// The new label id.
        label: String,
        /// When.
        at: Timestamp,
    },
    /// Remove an annotation.
    Remove {
        /// Which annotation.
        id: AnnId,
    },
}

/// Why an action was refused. The set is unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The span is empty, reversed or past the end.
    BadSpan(SpanError),
    /// The label is not in the label set.
    UnknownLabel(String),
    /// An annotation with this id exists already.
    DuplicateId(AnnId),
    /// An annotation with the same span and label exists already.
    Duplicate {
        /// The id of the one already there.
        existing: AnnId,
    },
    /// No annotation has this id.
    NotFound(AnnId),
    /// Relabelling to the label it already has.
    Unchanged,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::BadSpan(e) => write!(f, "bad span: {e}"),
            Refusal::UnknownLabel(l) => write!(f, "unknown label \"{l}\""),
            Refusal::DuplicateId(id) => write!(f, "id \"{id}\" is used twice"),
            Refusal::Duplicate { existing } => {
                write!(f, "the same span already has this label (annotation \"{existing}\")")
            }
            Refusal::NotFound(id) => write!(f, "no annotation \"{id}\""),
            Refusal::Unchanged => write!(f, "it already has this label"),
        }
    }
}

/// The annotations of one document, always valid and in text order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnotationSet {
    len_cp: usize,
    labels: LabelSet,
    items: Vec<Annotation>,
}

impl AnnotationSet {
    /// An empty set over a text of `len_cp` code points.
    pub fn new(len_cp: usize, labels: LabelSet) -> AnnotationSet {
        AnnotationSet { len_cp, labels, items: Vec::new() }
    }

    /// The label set.
    pub fn labels(&self) -> &LabelSet {
        &self.labels
    }

    /// The length of the text in code points.
    pub fn len_cp(&self) -> usize {
        self.len_cp
    }

    /// The annotations in text order.
    pub fn items(&self) -> &[Annotation] {
        &self.items
    }

    /// The number of annotations.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The annotation with this id. Runs in O(k).
    pub fn get(&self, id: &AnnId) -> Option<&Annotation> {
        self.items.iter().find(|a| &a.id == id)
    }

    /// The annotations covering code point `cp`, innermost (shortest) first.
    pub fn at(&self, cp: usize) -> Vec<&Annotation> {
        let mut hits: Vec<&Annotation> = self.items.iter().take_while(|a| a.span.start() <= cp).filter(|a| a.span.contains(cp)).collect();
        hits.sort_by(|a, b| a.span.len_cp().cmp(&b.span.len_cp()).then_with(|| a.order(b)));
        hits
    }

    /// How many annotations carry each label, in label-set order.
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.labels
            .iter()
            .map(|l| (l.id.clone(), self.items.iter().filter(|a| a.label == l.id).count()))
            .collect()
    }

    /// The annotation with the same span and label, if any.
    pub fn find_duplicate(&self, span: Span, label: &str) -> Option<&Annotation> {
        self.items.iter().find(|a| a.span == span && a.label == label)
    }

    /// Applies an action, keeping every invariant, and returns the action that undoes it.
    ///
    /// # Errors
    /// A [`Refusal`] saying why; the set is then unchanged.
    pub fn apply(&mut self, action: Action) -> Result<Action, Refusal> {
        match action {
            Action::Add(ann) => {
                Span::new(ann.span.start(), ann.span.end(), self.len_cp).map_err(Refusal::BadSpan)?;
                if self.labels.get(&ann.label).is_none() {
                    return Err(Refusal::UnknownLabel(ann.label));
                }
                if self.get(&ann.id).is_some() {
                    return Err(Refusal::DuplicateId(ann.id));
                }
                if let Some(existing) = self.find_duplicate(ann.span, &ann.label) {
                    return Err(Refusal::Duplicate { existing: existing.id.clone() });
                }
                let undo = Action::Remove { id: ann.id.clone() };
                let idx = self.items.partition_point(|a| a.order(&ann) == Ordering::Less);
                self.items.insert(idx, ann);
                Ok(undo)
            }
            Action::Relabel { id, label, at } => {
                let idx = self.items.iter().position(|a| a.id == id).ok_or_else(|| Refusal::NotFound(id.clone()))?;
                if self.labels.get(&label).is_none() {
                    return Err(Refusal::UnknownLabel(label));
                }
                let old = &self.items[idx];
                if old.label == label {
                    return Err(Refusal::Unchanged);
                }
                if let Some(existing) = self.find_duplicate(old.span, &label) {
                    return Err(Refusal::Duplicate { existing: existing.id.clone() });
                }
                let undo = Action::Relabel { id: id.clone(), label: old.label.clone(), at: old.modified };
                let mut ann = self.items.remove(idx);
                ann.label = label;
                ann.modified = at;
                let idx = self.items.partition_point(|a| a.order(&ann) == Ordering::Less);
                self.items.insert(idx, ann);
                Ok(undo)
            }
            Action::Remove { id } => {
                let idx = self.items.iter().position(|a| a.id == id).ok_or(Refusal::NotFound(id))?;
                Ok(Action::Add(self.items.remove(idx)))
            }
        }
    }

    /// Checks every invariant; used by tests after each action.
    ///
    /// # Errors
    /// A description of the first broken invariant.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (idx, a) in self.items.iter().enumerate() {
            if a.span.start() >= a.span.end() || a.span.end() > self.len_cp {
                return Err(format!("{} has span {:?} over {} code points", a.id, a.span, self.len_cp));
            }
            if self.labels.get(&a.label).is_none() {
                return Err(format!("{} has unknown label {}", a.id, a.label));
            }
            if let Some(prev) = idx.checked_sub(1).map(|p| &self.items[p]) {
                if prev.order(a) != Ordering::Less {
                    return Err(format!("{} and {} are out of order or equal", prev.id, a.id));
                }
            }
            for b in &self.items[..idx] {
                if b.id == a.id {
                    return Err(format!("id {} is used twice", a.id));
                }
                if b.span == a.span && b.label == a.label {
                    return Err(format!("{} duplicates {}", a.id, b.id));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(id: &str, label: &str, start: usize, end: usize) -> Annotation {
        Annotation {
            id: AnnId::new(id).unwrap(),
            label: label.into(),
            span: Span::new(start, end, usize::MAX).unwrap(),
            created: Timestamp(1),
            modified: Timestamp(1),
        }
    }

    fn set() -> AnnotationSet {
        AnnotationSet::new(100, LabelSet::news())
    }

    #[test]
    fn add_keeps_text_order_outer_first() {
        let mut s = set();
        s.apply(Action::Add(ann("b", "Actor", 10, 12))).unwrap();
        s.apply(Action::Add(ann("a", "Claim", 5, 40))).unwrap();
        s.apply(Action::Add(ann("c", "Event", 10, 20))).unwrap();
        let ids: Vec<_> = s.items().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "b"]);
        s.check_invariants().unwrap();
        let at: Vec<_> = s.at(11).iter().map(|a| a.id.as_str()).collect();
        assert_eq!(at, ["b", "c", "a"], "innermost first");
        assert_eq!(s.counts(), vec![("Actor".into(), 1), ("Event".into(), 1), ("Claim".into(), 1)]);
    }

    #[test]
    fn refusals_leave_the_set_unchanged() {
        let mut s = set();
        s.apply(Action::Add(ann("a", "Actor", 0, 5))).unwrap();
        let before = s.clone();
        assert_eq!(s.apply(Action::Add(ann("b", "Actor", 0, 5))), Err(Refusal::Duplicate { existing: AnnId::new("a").unwrap() }));
        assert_eq!(s.apply(Action::Add(ann("a", "Event", 1, 5))), Err(Refusal::DuplicateId(AnnId::new("a").unwrap())));
        assert!(matches!(s.apply(Action::Add(ann("c", "Actor", 90, 101))), Err(Refusal::BadSpan(SpanError::PastEnd { .. }))));
        assert_eq!(s.apply(Action::Add(ann("c", "Place", 1, 2))), Err(Refusal::UnknownLabel("Place".into())));
        let id = AnnId::new("zz").unwrap();
        assert_eq!(s.apply(Action::Remove { id: id.clone() }), Err(Refusal::NotFound(id)));
        assert_eq!(s, before);
        // The same span with another label is allowed: an Actor can also be a Claim's span.
        s.apply(Action::Add(ann("b", "Claim", 0, 5))).unwrap();
        let relabel = Action::Relabel { id: AnnId::new("b").unwrap(), label: "Actor".into(), at: Timestamp(2) };
        assert_eq!(s.apply(relabel), Err(Refusal::Duplicate { existing: AnnId::new("a").unwrap() }));
    }

    #[test]
    fn inverse_actions_undo() {
        let mut s = set();
        let start = s.clone();
        let u1 = s.apply(Action::Add(ann("a", "Actor", 0, 5))).unwrap();
        let after_add = s.clone();
        let u2 = s.apply(Action::Relabel { id: AnnId::new("a").unwrap(), label: "Event".into(), at: Timestamp(9) }).unwrap();
        assert_eq!(s.items()[0].modified, Timestamp(9));
        assert_eq!(s.items()[0].created, Timestamp(1));
        s.apply(u2).unwrap();
        assert_eq!(s, after_add);
        s.apply(u1).unwrap();
        assert_eq!(s, start);
    }

    #[test]
    fn ids_are_checked() {
        assert!(AnnId::new("").is_err());
        assert!(AnnId::new("a b").is_err());
        assert!(AnnId::new("x".repeat(65)).is_err());
        assert!(AnnId::new("T12").is_ok());
    }
}
