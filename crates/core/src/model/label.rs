//! The label set as data: names, colours and keys, defined in one place.
//!
//! Invariant: label ids are unique and each key selects at most one label, so a key
//! press is never ambiguous. Later schemas extend the set by adding [`LabelDef`]s;
//! nothing else in the crate names a label in code.

use serde::{Deserialize, Serialize};

/// One label a span can carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelDef {
    /// Stable identifier, stored in every annotation and export ("Actor").
    pub id: String,
    /// A short human description shown as a tooltip.
    pub description: String,
    /// The highlight colour, as `#rrggbb`.
    pub color: String,
    /// The keys that apply this label, in the order shown on its button.
    pub keys: Vec<char>,
}

/// The ordered set of labels of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSet {
    labels: Vec<LabelDef>,
}

/// Why a list of labels is not a label set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelSetError {
    /// Two labels have the same id.
    DuplicateId(String),
    /// One key is bound to two labels.
    DuplicateKey(char),
    /// A colour is not `#rrggbb`.
    BadColor(String),
    /// An id is empty or has characters other than ASCII letters, digits, `-` and `_`.
    BadId(String),
}

impl std::fmt::Display for LabelSetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabelSetError::DuplicateId(id) => write!(f, "label \"{id}\" is defined twice"),
            LabelSetError::DuplicateKey(k) => write!(f, "key '{k}' is bound to two labels"),
            LabelSetError::BadColor(c) => write!(f, "colour \"{c}\" is not #rrggbb"),
            LabelSetError::BadId(id) => write!(f, "label id \"{id}\" must be ASCII letters, digits, - or _"),
        }
    }
}

impl LabelSet {
    /// Builds a label set, checking ids, keys and colours.
    ///
    /// # Errors
    /// The first [`LabelSetError`] found.
    pub fn new(labels: Vec<LabelDef>) -> Result<LabelSet, LabelSetError> {
        let mut keys = Vec::new();
        for (idx, label) in labels.iter().enumerate() {
            let id_ok = !label.id.is_empty()
                && label.id.len() <= 40
                && label.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !id_ok {
                return Err(LabelSetError::BadId(label.id.clone()));
            }
            if labels[..idx].iter().any(|l| l.id == label.id) {
                return Err(LabelSetError::DuplicateId(label.id.clone()));
            }
            let c = label.color.as_bytes();
            if c.len() != 7 || c[0] != b'#' || !c[1..].iter().all(u8::is_ascii_hexdigit) {
                return Err(LabelSetError::BadColor(label.color.clone()));
            }
            for &k in &label.keys {
                if keys.contains(&k) {
                    return Err(LabelSetError::DuplicateKey(k));
                }
                keys.push(k);
            }
        }
        Ok(LabelSet { labels })
    }

    /// The labels of the news schema (see [`crate::model::schema::Schema::news`]).
    pub fn news() -> LabelSet {
        crate::model::schema::Schema::news().labels.clone()
    }

    /// The labels, in order.
    pub fn iter(&self) -> impl Iterator<Item = &LabelDef> {
        self.labels.iter()
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set has no labels.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The label with this id.
    pub fn get(&self, id: &str) -> Option<&LabelDef> {
        self.labels.iter().find(|l| l.id == id)
    }

    /// The position of the label with this id, used for colour classes.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.labels.iter().position(|l| l.id == id)
    }

    /// The label a key selects. Letter keys match case-insensitively.
    pub fn by_key(&self, key: char) -> Option<&LabelDef> {
        let key = key.to_ascii_lowercase();
        self.labels.iter().find(|l| l.keys.contains(&key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_labels_have_the_contract_keys() {
        let set = LabelSet::news();
        let ids: Vec<_> = set.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["Actor", "Event", "Claim", "Cue"]);
        for (k, id) in [('1', "Actor"), ('a', "Actor"), ('A', "Actor"), ('2', "Event"), ('e', "Event"), ('3', "Claim"), ('c', "Claim")] {
            assert_eq!(set.by_key(k).map(|l| l.id.as_str()), Some(id), "key {k}");
        }
        assert!(set.by_key('x').is_none());
    }

    #[test]
    fn new_refuses_duplicates_and_bad_colours() {
        let mut labels: Vec<LabelDef> = LabelSet::news().iter().cloned().collect();
        labels[1].keys.push('1');
        assert_eq!(LabelSet::new(labels.clone()), Err(LabelSetError::DuplicateKey('1')));
        labels[1].keys.pop();
        labels[2].id = "Actor".into();
        assert_eq!(LabelSet::new(labels.clone()), Err(LabelSetError::DuplicateId("Actor".into())));
        labels[2].id = "Claim".into();
        labels[2].color = "red".into();
        assert_eq!(LabelSet::new(labels.clone()), Err(LabelSetError::BadColor("red".into())));
        labels[2].color = "#000000".into();
        labels[2].id = "<b>".into();
        assert_eq!(LabelSet::new(labels), Err(LabelSetError::BadId("<b>".into())));
    }
}
