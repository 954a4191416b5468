//! Keeping work in the browser, behind the [`Store`] trait.
//!
//! Layout (every key is versioned, so a later schema can live beside this one):
//! - `spantag:v2:doc:<document id>`: the document with its annotations, relations and
//!   entities, as the native JSON format (so storage and export share one parser and
//!   its checks);
//! - `spantag:v2:current`: the id of the document last open;
//! - `spantag:v2:damaged:<document id>:<ms>`: a stored value that could not be read,
//!   kept aside for the person to download.
//!
//! Migration: version 1 kept `spantag:v1:doc:<id>` and `spantag:v1:current`. When no
//! version 2 value exists, the version 1 value is read (the native importer migrates
//! it) and the next save writes version 2. The version 1 keys are left as they are,
//! as a backup.
//!
//! Invariant: a stored value that cannot be read is never overwritten before a copy
//! of it is safely kept aside. If the copy cannot be made, writing for that document
//! stays blocked, and the person is told.

pub mod browser;

use std::collections::BTreeMap;

use crate::formats::native::{self, ImportError};
use crate::formats::ItemRefusal;
use std::rc::Rc;

use crate::model::{AnnotationSet, Document, Schema};

/// Key of the id of the document last open.
pub const CURRENT_KEY: &str = "spantag:v2:current";
/// Version 1's key of the document last open (read for migration only).
pub const V1_CURRENT_KEY: &str = "spantag:v1:current";

/// The key holding a document's state.
pub fn doc_key(doc_id: &str) -> String {
    format!("spantag:v2:doc:{doc_id}")
}

/// Version 1's key of a document's state (read for migration only).
pub fn v1_doc_key(doc_id: &str) -> String {
    format!("spantag:v1:doc:{doc_id}")
}

/// The key prefix of the damaged copies of a document.
pub fn damaged_prefix(doc_id: &str) -> String {
    format!("spantag:v2:damaged:{doc_id}:")
}

/// Why storage failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The browser's storage is full (`QuotaExceededError`, `NS_ERROR_DOM_QUOTA_REACHED`).
    QuotaExceeded,
    /// Storage cannot be used at all (disabled, private mode, sandboxed frame).
    Unavailable(String),
    /// Any other failure, with the browser's message.
    Failed(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::QuotaExceeded => write!(f, "browser storage is full"),
            StoreError::Unavailable(why) => write!(f, "browser storage is not available ({why})"),
            StoreError::Failed(why) => write!(f, "browser storage failed ({why})"),
        }
    }
}

/// A key-value store of strings.
pub trait Store {
    /// The value under `key`, if any.
    ///
    /// # Errors
    /// A [`StoreError`] if the store cannot be read.
    fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores `value` under `key`.
    ///
    /// # Errors
    /// A [`StoreError`] if the write did not land.
    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// The keys starting with `prefix`.
    ///
    /// # Errors
    /// A [`StoreError`] if the store cannot be read.
    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
}

/// An in-memory store for tests, with an optional quota in bytes.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    map: BTreeMap<String, String>,
    quota: Option<usize>,
}

impl MemoryStore {
    /// An empty store with no quota.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store that refuses writes past `n_bytes` of keys and values.
    pub fn with_quota(n_bytes: usize) -> MemoryStore {
        MemoryStore { map: BTreeMap::new(), quota: Some(n_bytes) }
    }

    fn used_without(&self, key: &str) -> usize {
        self.map.iter().filter(|(k, _)| k.as_str() != key).map(|(k, v)| k.len() + v.len()).sum()
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.map.get(key).cloned())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if let Some(quota) = self.quota {
            if self.used_without(key) + key.len() + value.len() > quota {
                return Err(StoreError::QuotaExceeded);
            }
        }
        self.map.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.map.keys().filter(|k| k.starts_with(prefix)).cloned().collect())
    }
}

/// What was found when opening the workspace.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The document to show.
    pub document: Document,
    /// Its annotations.
    pub annotations: AnnotationSet,
    /// Things the person must be told, as sentences.
    pub notices: Vec<String>,
    /// If set, the stored value for this document could not be read and could not be
    /// kept aside: nothing may be written over it.
    pub write_blocked: bool,
    /// The key of the damaged copy kept aside, if one was made.
    pub damaged_key: Option<String>,
}

/// Opens the document last worked on, or `seed` if there is none, with its stored
/// annotations. Never fails: every problem becomes a notice, and a stored value that
/// cannot be read is kept aside (see the module docs).
pub fn open(store: &mut dyn Store, seed: &Document, schema: &Rc<Schema>, now_ms: i64) -> Opened {
    let mut notices = Vec::new();
    let current = match store.get(CURRENT_KEY) {
        Ok(Some(id)) => Some(id),
        Ok(None) => store.get(V1_CURRENT_KEY).ok().flatten(),
        Err(e) => {
            notices.push(format!("Your work cannot be kept in this browser: {e}. Export it before you leave."));
            None
        }
    };
    let doc_id = current.unwrap_or_else(|| seed.id().to_owned());
    let fresh = |doc: &Document| AnnotationSet::new(doc.len_cp(), schema.clone());
    let stored = match store.get(&doc_key(&doc_id)) {
        Ok(Some(v)) => Some(v),
        Ok(None) => store.get(&v1_doc_key(&doc_id)).ok().flatten(),
        Err(_) => None,
    };
    let Some(raw) = stored else {
        let doc = seed.clone();
        let annotations = fresh(&doc);
        return Opened { document: doc, annotations, notices, write_blocked: false, damaged_key: None };
    };
    let problem = match native::import(&raw, schema) {
        Ok(imported) if imported.document.id() == doc_id && imported.refused.is_empty() => {
            return Opened {
                document: imported.document,
                annotations: imported.annotations,
                notices,
                write_blocked: false,
                damaged_key: None,
            };
        }
        Ok(imported) if imported.document.id() == doc_id => Problem::Partial(imported),
        Ok(_) => Problem::Whole(ImportError::BadShape("it holds another document than its key says".into())),
        Err(e) => Problem::Whole(e),
    };
    let aside = format!("{}{now_ms}", damaged_prefix(&doc_id));
    let kept = store.set(&aside, &raw);
    let (write_blocked, damaged_key) = match &kept {
        Ok(()) => (false, Some(aside)),
        Err(_) => (true, None),
    };
    let kept_msg = match &kept {
        Ok(()) => "A copy of the stored data was kept aside; you can download it.".to_owned(),
        Err(e) => format!("The stored data could not be copied aside ({e}), so spantag will not save over it. Export your work to keep it."),
    };
    match problem {
        Problem::Partial(imported) => {
            notices.push(format!(
                "Some stored annotations could not be read and were left out: {}. {kept_msg}",
                describe(&imported.refused)
            ));
            Opened { document: imported.document, annotations: imported.annotations, notices, write_blocked, damaged_key }
        }
        Problem::Whole(e) => {
            notices.push(format!("Your stored work for this document could not be read: {e}. {kept_msg}"));
            // The document's own text was in the unreadable value, so open the seed.
            let doc = seed.clone();
            let annotations = fresh(&doc);
            Opened { document: doc, annotations, notices, write_blocked, damaged_key }
        }
    }
}

enum Problem {
    Partial(native::Imported),
    Whole(ImportError),
}

/// A short list of refusals for a message: the first three, then a count.
pub fn describe(refused: &[ItemRefusal]) -> String {
    let mut parts: Vec<String> = refused.iter().take(3).map(ToString::to_string).collect();
    if refused.len() > 3 {
        parts.push(format!("and {} more", refused.len() - 3));
    }
    parts.join("; ")
}

/// Saves a document's state and makes it the current document.
///
/// # Errors
/// The [`StoreError`] of the write that failed.
pub fn save(store: &mut dyn Store, doc: &Document, set: &AnnotationSet) -> Result<(), StoreError> {
    store.set(&doc_key(doc.id()), &native::export(doc, set))?;
    store.set(CURRENT_KEY, doc.id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, AnnId, Annotation, Span, Timestamp};

    const SEED: &str = include_str!("../../seeds/000_b394ad186b713fdd.txt");

    fn seeded() -> (Document, AnnotationSet) {
        let doc = Document::from_text(SEED);
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let ann = Annotation::new(AnnId::new("a1").unwrap(), "Actor", Span::new(40, 58, doc.len_cp()).unwrap(), Timestamp(5));
        set.apply(Action::Add(ann)).unwrap();
        (doc, set)
    }

    #[test]
    fn save_then_open_round_trips() {
        let (doc, set) = seeded();
        let mut store = MemoryStore::new();
        let first = open(&mut store, &doc, &Schema::news(), 1);
        assert!(first.annotations.is_empty() && first.notices.is_empty());
        save(&mut store, &doc, &set).unwrap();
        let again = open(&mut store, &doc, &Schema::news(), 2);
        assert_eq!(again.annotations, set);
        assert!(again.notices.is_empty());
    }

    #[test]
    fn unreadable_value_is_kept_aside_and_reported() {
        let (doc, _) = seeded();
        let mut store = MemoryStore::new();
        store.set(&doc_key(doc.id()), "{\"format\":\"spantag\",\"vers").unwrap();
        let opened = open(&mut store, &doc, &Schema::news(), 77);
        assert!(opened.annotations.is_empty());
        assert!(!opened.write_blocked);
        assert_eq!(opened.damaged_key.as_deref(), Some(format!("spantag:v2:damaged:{}:77", doc.id()).as_str()));
        assert_eq!(store.get(opened.damaged_key.as_ref().unwrap()).unwrap().as_deref(), Some("{\"format\":\"spantag\",\"vers"));
        assert!(opened.notices[0].contains("could not be read"), "{:?}", opened.notices);
    }

    #[test]
    fn unreadable_value_that_cannot_be_copied_blocks_writes() {
        let (doc, _) = seeded();
        let damaged = "x".repeat(100);
        let mut store = MemoryStore::with_quota(doc_key(doc.id()).len() + damaged.len() + 10);
        store.set(&doc_key(doc.id()), &damaged).unwrap();
        let opened = open(&mut store, &doc, &Schema::news(), 1);
        assert!(opened.write_blocked);
        assert!(opened.notices[0].contains("will not save over it"), "{:?}", opened.notices);
        assert_eq!(store.get(&doc_key(doc.id())).unwrap(), Some(damaged), "untouched");
    }

    #[test]
    fn partly_unreadable_value_keeps_the_good_items_and_a_copy() {
        let (doc, set) = seeded();
        let mut store = MemoryStore::new();
        let bad = native::export(&doc, &set).replace("\"end\": 58", "\"end\": 5800000");
        store.set(&doc_key(doc.id()), &bad).unwrap();
        store.set(CURRENT_KEY, doc.id()).unwrap();
        let opened = open(&mut store, &doc, &Schema::news(), 3);
        assert!(opened.annotations.is_empty());
        assert!(opened.damaged_key.is_some());
        assert!(opened.notices[0].contains("past the end"), "{:?}", opened.notices);
    }

    #[test]
    fn v1_storage_migrates_and_stays_as_a_backup() {
        // A snapshot of localStorage written by spantag's version 1 build.
        let snapshot: std::collections::BTreeMap<String, String> =
            serde_json::from_str(include_str!("../../tests/fixtures/v1/localstorage.json")).unwrap();
        let mut store = MemoryStore::new();
        for (k, v) in &snapshot {
            store.set(k, v).unwrap();
        }
        let seed = Document::from_text(SEED);
        let opened = open(&mut store, &seed, &Schema::news(), 1);
        assert!(opened.notices.is_empty(), "{:?}", opened.notices);
        assert_eq!(opened.annotations.len(), 7);
        assert_eq!(opened.document.text().as_str(), SEED);
        save(&mut store, &opened.document, &opened.annotations).unwrap();
        let v2 = store.get(&doc_key(opened.document.id())).unwrap().unwrap();
        assert!(v2.contains("\"version\": 2"));
        for (k, v) in &snapshot {
            assert_eq!(store.get(k).unwrap().as_ref(), Some(v), "{k} is kept as a backup");
        }
        let again = open(&mut store, &seed, &Schema::news(), 2);
        assert_eq!(again.annotations, opened.annotations);
    }

    #[test]
    fn quota_errors_are_reported() {
        let (doc, set) = seeded();
        let mut store = MemoryStore::with_quota(100);
        assert_eq!(save(&mut store, &doc, &set), Err(StoreError::QuotaExceeded));
    }
}
