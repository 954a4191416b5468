//! The saver: one save of a session to a [`Kv`] store, and what to do about its
//! outcome, as plain values.
//!
//! A save writes the session's document as revision `base + 1` with a
//! compare-and-swap on `base` ([`storage::prepare_save`], [`storage::write_save`]).
//! When the store holds another revision, [`Saver::save`] reads what is there and
//! says how to go on ([`SaveOutcome::Rebase`]): replay the unsaved actions on that
//! work, on nothing (the store was wiped, or its record was damaged and kept aside
//! first), or stop writing (a newer spantag saved it). The caller (the page's
//! autosave) owns the timers and the tabs' messages; the protocol is all here, and
//! its tests drive it with [`MemoryStore`](crate::storage::MemoryStore).

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use super::Session;
use crate::formats::native;
use crate::model::AnnotationSet;
use crate::storage::{self, damaged_prefix, Kv, Record, RecordError, Saved, StoreError};

/// What one save did, and what the session must do next.
#[derive(Clone, Debug)]
pub enum SaveOutcome {
    /// Nothing to save.
    Nothing,
    /// Written and read back: [`Session::saved`] with these.
    Saved {
        /// The document saved.
        doc_id: String,
        /// Its stored revision now.
        revision: u64,
        /// How many unsaved actions the record holds.
        n_saved: usize,
        /// Whether it was a full write.
        full: bool,
    },
    /// Another tab (or the browser) changed the store first: [`Session::rebase`] with
    /// these, then save again.
    Rebase {
        /// The document.
        doc_id: String,
        /// The work stored now (`None`: nothing to build on; keep this session's).
        base: Option<Rc<AnnotationSet>>,
        /// Its revision.
        revision: Option<u64>,
        /// What the person must be told, if anything.
        notice: Option<String>,
    },
    /// Stop writing: stored data must not be written over.
    Blocked {
        /// Why, for the person.
        notice: String,
    },
    /// The write failed; the work is only in memory.
    Failed {
        /// The store's error.
        error: StoreError,
        /// What the person must be told, if more than the status line.
        notice: Option<String>,
    },
}

/// Another tab's save, as announced to this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSaved {
    /// The document it saved.
    pub doc_id: String,
    /// The revision it wrote.
    pub revision: u64,
    /// Its storage schema.
    pub schema: u32,
}

/// Saves sessions to `K`.
#[derive(Debug)]
pub struct Saver<K> {
    kv: K,
    first: Cell<bool>,
}

impl<K: Kv> Saver<K> {
    /// A saver writing to `kv`. Its first save of a session also fills a backup slot.
    pub fn new(kv: K) -> Saver<K> {
        Saver { kv, first: Cell::new(true) }
    }

    /// The store.
    pub fn kv(&self) -> &K {
        &self.kv
    }

    /// Saves `s` if it has something the store lacks. `pause` is awaited between
    /// building the record's parts (a long document's save is tens of milliseconds
    /// of work: the page lets the browser paint there).
    pub async fn save<P: Future<Output = ()>>(&self, s: &Session, now_ms: i64, pause: impl Fn() -> P) -> SaveOutcome {
        if !s.has_unsaved() && s.revision().is_some() {
            return SaveOutcome::Nothing;
        }
        let (n, full) = (s.unsaved().len(), s.full_write());
        let doc_id = s.doc().id().to_owned();
        let payload = native::export(s.doc(), s.anns());
        pause().await;
        let prepared = storage::prepare_save(s.doc(), payload, s.revision(), self.first.get(), now_ms);
        pause().await;
        match storage::write_save(&self.kv, &prepared).await {
            Ok(Saved::At(revision)) => {
                self.first.set(false);
                SaveOutcome::Saved { doc_id, revision, n_saved: n, full }
            }
            Ok(Saved::Conflict(current)) => self.resolve(s, current, now_ms).await,
            Err(error) => {
                let notice = (error == StoreError::QuotaExceeded).then(|| {
                    "Browser storage is full, so this change is not saved. Your work is still on this page: use Export JSON to keep it, then free some space."
                        .to_owned()
                });
                SaveOutcome::Failed { error, notice }
            }
        }
    }

    /// A write was refused: what is stored now, and how to go on.
    async fn resolve(&self, s: &Session, current: Option<String>, now_ms: i64) -> SaveOutcome {
        let doc_id = s.doc().id().to_owned();
        let Some(raw) = current else {
            let notice = s.revision().is_some().then(|| "The browser cleared spantag's storage while the page was open; it was rebuilt from the work on this page.".to_owned());
            return SaveOutcome::Rebase { doc_id, base: None, revision: None, notice };
        };
        match Record::decode(&raw) {
            Err(RecordError::Newer(v)) => SaveOutcome::Blocked {
                notice: format!("A newer spantag (storage schema {v}) saved this document. This page stopped saving so as not to overwrite it: reload it. Export JSON keeps your work."),
            },
            Err(RecordError::Damaged(why)) => {
                let key = format!("{}{now_ms}", damaged_prefix(&doc_id));
                if let Err(e) = self.kv.put(&key, &raw).await {
                    return SaveOutcome::Blocked {
                        notice: format!("The stored copy of this document is damaged ({why}) and could not be kept aside ({e}), so spantag will not save over it. Export your work to keep it."),
                    };
                }
                let notice = Some(format!("The stored copy of this document was damaged ({why}); it was kept aside and rebuilt from this page."));
                SaveOutcome::Rebase { doc_id, base: None, revision: None, notice }
            }
            Ok(rec) if s.full_write() => SaveOutcome::Rebase { doc_id, base: None, revision: Some(rec.revision), notice: None },
            Ok(rec) => {
                let base = match native::import(&rec.payload, s.anns().schema()) {
                    Ok(imp) if imp.document.id() == doc_id => Some(Rc::new(imp.annotations)),
                    _ => None,
                };
                SaveOutcome::Rebase { doc_id, base, revision: Some(rec.revision), notice: None }
            }
        }
    }

    /// Another tab saved: its work to rebase on, if it is newer than what `s` builds
    /// on. `Blocked` if it is a newer spantag.
    pub async fn remote(&self, s: &Session, note: &RemoteSaved) -> Option<SaveOutcome> {
        if note.schema > storage::SCHEMA {
            return Some(SaveOutcome::Blocked { notice: "A newer version of spantag is open in another tab. This tab stopped saving: reload it to keep working.".into() });
        }
        if note.doc_id != s.doc().id() || s.revision().is_some_and(|r| r >= note.revision) {
            return None;
        }
        let raw = self.kv.get(&storage::doc_key(&note.doc_id)).await.ok()??;
        let rec = Record::decode(&raw).ok()?;
        if s.revision().is_some_and(|r| r >= rec.revision) {
            return None;
        }
        let imp = native::import(&rec.payload, s.anns().schema()).ok()?;
        (imp.document.id() == s.doc().id()).then(|| SaveOutcome::Rebase {
            doc_id: note.doc_id.clone(),
            base: Some(Rc::new(imp.annotations)),
            revision: Some(rec.revision),
            notice: None,
        })
    }
}
