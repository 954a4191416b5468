//! The journal: the unsaved edits of a tab, written synchronously to `localStorage`
//! on every change, so that an edit survives a tab closed or reloaded before its
//! IndexedDB save landed.
//!
//! IndexedDB writes are asynchronous: a tab closed 0–300 ms after a key press used to
//! lose the edit. `localStorage` is synchronous, so the app writes the journal in the
//! same turn as the edit (see `ui::hooks::use_autosave`). Layout, per document and
//! per tab (two tabs never write each other's journal):
//! - `spantag:v2:journal:<document id>:<tab>`: a [`Journal`]: the revision the
//!   actions build on, and the actions in order;
//! - `spantag:v2:journal-full:<document id>:<tab>`: when the tab's next save replaces
//!   the whole stored document (after an import), that document as native JSON.
//!
//! Invariants:
//! - a journal holds exactly the actions of its tab that no save is known to hold yet:
//!   it is rewritten after every edit and every save, and removed when nothing is
//!   unsaved;
//! - replaying a journal is a rebase ([`super::sync::rebase`]): on the next load,
//!   after the IndexedDB record is read, each action is applied through
//!   [`AnnotationSet::apply`] and one that no longer fits (already saved, or its
//!   target removed by another tab) is dropped, never half-applied. So a journal whose
//!   save landed before it could be trimmed replays as nothing, and two tabs still
//!   lose nothing;
//! - a journal that cannot be read is reported and left in place, never applied in
//!   part.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::formats::native;
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Relation, Schema, Span, Timestamp};

/// The key prefix of every journal of a document.
pub fn journal_prefix(doc_id: &str) -> String {
    format!("spantag:v2:journal:{doc_id}:")
}

/// The key of a tab's journal of a document.
pub fn journal_key(doc_id: &str, tab: &str) -> String {
    format!("{}{tab}", journal_prefix(doc_id))
}

/// The key prefix of the full documents journalled for a document.
pub fn full_prefix(doc_id: &str) -> String {
    format!("spantag:v2:journal-full:{doc_id}:")
}

/// The key of a tab's journalled full document.
pub fn full_key(doc_id: &str, tab: &str) -> String {
    format!("{}{tab}", full_prefix(doc_id))
}

/// The key prefix of every journal of every document (to find a document whose
/// import was never saved).
pub const ALL_FULL_PREFIX: &str = "spantag:v2:journal-full:";

/// The unsaved actions of one tab on one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Journal {
    /// The document.
    pub doc: String,
    /// The stored revision the actions build on (`None`: nothing stored yet).
    pub base: Option<u64>,
    /// When it was written (ms since the epoch).
    pub at: i64,
    /// Whether the tab's next save replaces the whole document (its full copy is under
    /// [`full_key`]).
    pub full: bool,
    /// The actions, oldest first.
    pub actions: Vec<Action>,
}

/// The journal as stored: plain serde types, validated on the way back in.
#[derive(Serialize, Deserialize)]
struct Wire {
    v: u32,
    doc: String,
    base: Option<u64>,
    at: i64,
    #[serde(default)]
    full: bool,
    actions: Vec<WireAction>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum WireAction {
    Add { ann: WireAnn },
    Relabel { id: String, label: String, at: i64 },
    Remove { id: String },
    SetNote { id: String, note: String, at: i64 },
    SetAttr { id: String, key: String, value: Option<String>, at: i64 },
    Link { id: String, kind: String, from: String, to: String },
    Unlink { id: String },
    PutEntity { id: String, name: String, kind: String, members: Vec<String> },
    RemoveEntity { id: String },
    Batch { actions: Vec<WireAction> },
}

#[derive(Serialize, Deserialize)]
struct WireAnn {
    id: String,
    label: String,
    start: usize,
    end: usize,
    created: i64,
    modified: i64,
    note: String,
    attrs: std::collections::BTreeMap<String, String>,
}

const WIRE_VERSION: u32 = 1;

fn wire(a: &Action) -> WireAction {
    let s = |id: &AnnId| id.as_str().to_owned();
    match a {
        Action::Add(ann) => WireAction::Add {
            ann: WireAnn {
                id: s(&ann.id),
                label: ann.label.clone(),
                start: ann.span.start(),
                end: ann.span.end(),
                created: ann.created.0,
                modified: ann.modified.0,
                note: ann.note.clone(),
                attrs: ann.attrs.clone(),
            },
        },
        Action::Relabel { id, label, at } => WireAction::Relabel { id: s(id), label: label.clone(), at: at.0 },
        Action::Remove { id } => WireAction::Remove { id: s(id) },
        Action::SetNote { id, note, at } => WireAction::SetNote { id: s(id), note: note.clone(), at: at.0 },
        Action::SetAttr { id, key, value, at } => WireAction::SetAttr { id: s(id), key: key.clone(), value: value.clone(), at: at.0 },
        Action::Link(r) => WireAction::Link { id: s(&r.id), kind: r.kind.clone(), from: s(&r.from), to: s(&r.to) },
        Action::Unlink { id } => WireAction::Unlink { id: s(id) },
        Action::PutEntity(e) => WireAction::PutEntity { id: s(&e.id), name: e.name.clone(), kind: e.kind.clone(), members: e.members.iter().map(s).collect() },
        Action::RemoveEntity { id } => WireAction::RemoveEntity { id: s(id) },
        Action::Batch(actions) => WireAction::Batch { actions: actions.iter().map(wire).collect() },
    }
}

fn unwire(w: WireAction, len_cp: usize, depth: usize) -> Result<Action, String> {
    let id = |s: String| AnnId::new(s);
    Ok(match w {
        WireAction::Add { ann } => {
            let span = Span::new(ann.start, ann.end, len_cp).map_err(|e| e.to_string())?;
            let mut a = Annotation::new(id(ann.id)?, ann.label, span, Timestamp(ann.created));
            a.modified = Timestamp(ann.modified);
            a.note = ann.note;
            a.attrs = ann.attrs;
            Action::Add(a)
        }
        WireAction::Relabel { id: i, label, at } => Action::Relabel { id: id(i)?, label, at: Timestamp(at) },
        WireAction::Remove { id: i } => Action::Remove { id: id(i)? },
        WireAction::SetNote { id: i, note, at } => Action::SetNote { id: id(i)?, note, at: Timestamp(at) },
        WireAction::SetAttr { id: i, key, value, at } => Action::SetAttr { id: id(i)?, key, value, at: Timestamp(at) },
        WireAction::Link { id: i, kind, from, to } => Action::Link(Relation { id: id(i)?, kind, from: id(from)?, to: id(to)? }),
        WireAction::Unlink { id: i } => Action::Unlink { id: id(i)? },
        WireAction::PutEntity { id: i, name, kind, members } => {
            Action::PutEntity(Entity { id: id(i)?, name, kind, members: members.into_iter().map(id).collect::<Result<_, _>>()? })
        }
        WireAction::RemoveEntity { id: i } => Action::RemoveEntity { id: id(i)? },
        WireAction::Batch { actions } if depth < 4 => Action::Batch(actions.into_iter().map(|a| unwire(a, len_cp, depth + 1)).collect::<Result<_, _>>()?),
        WireAction::Batch { .. } => return Err("batches nest too deep".into()),
    })
}

impl Journal {
    /// The journal as stored (JSON).
    pub fn encode(&self) -> String {
        let w = Wire { v: WIRE_VERSION, doc: self.doc.clone(), base: self.base, at: self.at, full: self.full, actions: self.actions.iter().map(wire).collect() };
        serde_json::to_string(&w).expect("journals always serialise")
    }

    /// Reads a stored journal of a document of `len_cp` code points.
    ///
    /// # Errors
    /// Why it cannot be used (not a journal, a newer version, an action that is not
    /// one), as a sentence fragment.
    pub fn decode(raw: &str, len_cp: usize) -> Result<Journal, String> {
        let w: Wire = serde_json::from_str(raw).map_err(|e| format!("it is damaged ({e})"))?;
        if w.v > WIRE_VERSION {
            return Err(format!("it was written by a newer spantag (journal version {})", w.v));
        }
        let actions = w.actions.into_iter().map(|a| unwire(a, len_cp, 0)).collect::<Result<Vec<_>, _>>().map_err(|e| format!("it holds an action that is not one ({e})"))?;
        Ok(Journal { doc: w.doc, base: w.base, at: w.at, full: w.full, actions })
    }
}

/// What replaying the journals of a document found.
#[derive(Clone, Debug, Default)]
pub struct Replayed {
    /// The actions that applied, in order: unsaved work, to be saved.
    pub applied: Vec<Action>,
    /// How many actions did not apply (already saved, or no longer fitting).
    pub n_dropped: usize,
    /// A journalled full document replaced what was stored (the save must write the
    /// whole document).
    pub full: bool,
    /// The keys replayed: removed once a save holds their work.
    pub keys: Vec<String>,
    /// Sentences for the person (a journal that could not be read, left in place).
    pub notices: Vec<String>,
}

/// Replays every journal of `doc` found in `local` onto `set` (the work read from
/// IndexedDB at `revision`), oldest first. A journal with a full document (an import
/// whose save had not landed) replaces `set` with it first, but only if the store is
/// still at the revision the import built on: if the store moved on, that save
/// landed, or another tab's newer work is there and is not written over.
pub fn replay(local: &dyn Store, doc: &Document, set: &mut AnnotationSet, revision: Option<u64>, schema: &Rc<Schema>) -> Replayed {
    let mut out = Replayed::default();
    let Ok(keys) = local.keys_with_prefix(&journal_prefix(doc.id())) else { return out };
    let mut journals: Vec<(String, Journal)> = Vec::new();
    for key in keys {
        match local.get(&key) {
            Ok(Some(raw)) => match Journal::decode(&raw, doc.len_cp()) {
                Ok(j) if j.doc == doc.id() => journals.push((key, j)),
                Ok(_) => out.notices.push("An unsaved-changes journal named another document; it was left aside.".to_owned()),
                Err(why) => out.notices.push(format!("Unsaved changes kept from a closed tab could not be read: {why}. They were left in this browser's storage.")),
            },
            Ok(None) | Err(_) => {}
        }
    }
    journals.sort_by_key(|(_, j)| j.at);
    for (key, j) in journals {
        let tab = key.rsplit(':').next().unwrap_or_default().to_owned();
        if j.full && j.base == revision {
            let full = local.get(&full_key(doc.id(), &tab)).ok().flatten();
            match full.as_deref().map(|raw| native::import(raw, schema)) {
                Some(Ok(imp)) if imp.document.id() == doc.id() => {
                    *set = imp.annotations;
                    out.applied.clear();
                    out.full = true;
                    out.keys.push(full_key(doc.id(), &tab));
                }
                _ => out.notices.push("An import whose save did not finish could not be read back; the work saved before it is shown.".to_owned()),
            }
        }
        let r = super::sync::rebase(set, &j.actions);
        *set = r.set;
        out.applied.extend(r.applied);
        out.n_dropped += r.n_dropped;
        out.keys.push(key);
    }
    out
}

/// The document of a journalled import of `doc_id` (for a document never saved).
pub fn full_document(local: &dyn Store, doc_id: &str, schema: &Rc<Schema>) -> Option<Document> {
    let keys = local.keys_with_prefix(&full_prefix(doc_id)).ok()?;
    keys.iter().find_map(|k| {
        let raw = local.get(k).ok()??;
        native::import(&raw, schema).ok().map(|imp| imp.document).filter(|d| d.id() == doc_id)
    })
}

/// The id of the newest document whose journalled import was never saved, if any:
/// the document the person last had open, when the store's `current` key still names
/// the one before.
pub fn newest_unsaved_import(local: &dyn Store) -> Option<String> {
    let keys = local.keys_with_prefix(ALL_FULL_PREFIX).ok()?;
    let mut best: Option<(i64, String)> = None;
    for key in keys {
        let rest = key.strip_prefix(ALL_FULL_PREFIX)?;
        let (doc, tab) = rest.rsplit_once(':')?;
        let Ok(Some(raw)) = local.get(&journal_key(doc, tab)) else { continue };
        let Ok(head) = serde_json::from_str::<JournalHead>(&raw) else { continue };
        if head.full && best.as_ref().is_none_or(|(at, _)| head.at > *at) {
            best = Some((head.at, doc.to_owned()));
        }
    }
    best.map(|(_, doc)| doc)
}

#[derive(Deserialize)]
struct JournalHead {
    at: i64,
    #[serde(default)]
    full: bool,
}

/// Writes one tab's journal after each change: what [`Journal`] says it holds.
#[derive(Debug)]
pub struct Journaler {
    tab: String,
    /// The import epoch whose full document is written (see `Session::n_full`).
    full_written: Option<u64>,
    /// Replayed keys of closed tabs, removed once a save holds their work.
    adopted: Vec<String>,
    /// The last write landed and holds every unsaved change.
    holds_work: bool,
}

/// What a session must tell the journaler: the document, the base revision, the
/// unsaved actions, and whether (and for which import) the next save is full.
pub struct Unsaved<'a> {
    /// The document.
    pub doc: &'a Document,
    /// Its annotations (for a full write's copy).
    pub set: &'a AnnotationSet,
    /// The stored revision the actions build on.
    pub base: Option<u64>,
    /// The actions not yet saved.
    pub actions: &'a [Action],
    /// `Some(n)`: the next save replaces the whole document, since import number `n`.
    pub full: Option<u64>,
}

impl Journaler {
    /// The journaler of tab `tab`, which replayed (and now owns) `adopted`.
    pub fn new(tab: impl Into<String>, adopted: Vec<String>) -> Journaler {
        Journaler { tab: tab.into(), full_written: None, adopted, holds_work: true }
    }

    /// Whether the journal holds every unsaved change (so closing the page loses nothing).
    pub fn holds_work(&self) -> bool {
        self.holds_work
    }

    /// Writes (or removes) this tab's journal so that it holds `u`.
    ///
    /// # Errors
    /// The [`StoreError`] of a write that failed (quota, storage off): the work is
    /// then only on the page and in IndexedDB's pending save.
    pub fn record(&mut self, local: &mut dyn Store, u: &Unsaved, now_ms: i64) -> Result<(), StoreError> {
        let doc_id = u.doc.id();
        let key = journal_key(doc_id, &self.tab);
        let r = self.write(local, u, &key, now_ms);
        self.holds_work = r.is_ok();
        r
    }

    fn write(&mut self, local: &mut dyn Store, u: &Unsaved, key: &str, now_ms: i64) -> Result<(), StoreError> {
        let doc_id = u.doc.id();
        if u.actions.is_empty() && u.full.is_none() {
            local.remove(key)?;
            local.remove(&full_key(doc_id, &self.tab))?;
            self.full_written = None;
            for k in std::mem::take(&mut self.adopted) {
                local.remove(&k)?;
            }
            return Ok(());
        }
        if let Some(n) = u.full {
            if self.full_written != Some(n) {
                local.set(&full_key(doc_id, &self.tab), &native::export(u.doc, u.set))?;
                self.full_written = Some(n);
            }
        }
        let j = Journal { doc: doc_id.to_owned(), base: u.base, at: now_ms, full: u.full.is_some(), actions: u.actions.to_vec() };
        local.set(key, &j.encode())
    }

    /// Removes this tab's journal of `doc_id` (the tab moved to another document after
    /// saving this one).
    ///
    /// # Errors
    /// The [`StoreError`] of a removal that failed.
    pub fn forget(&mut self, local: &mut dyn Store, doc_id: &str) -> Result<(), StoreError> {
        self.full_written = None;
        local.remove(&journal_key(doc_id, &self.tab))?;
        local.remove(&full_key(doc_id, &self.tab))
    }
}
