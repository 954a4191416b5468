//! Keeping work in the browser: IndexedDB for documents, behind the [`Kv`] trait.
//!
//! Layout (one IndexedDB object store of strings; every key is versioned):
//! - `spantag:v2:doc:<document id>`: a [`Record`]: schema version, revision, time,
//!   checksum, and the native JSON of the document with all its annotations (stored
//!   as ASCII JSON, see [`Record::encode`]);
//! - `spantag:v2:bak:<document id>:<slot>`: the last three good snapshots (a ring
//!   written every tenth revision, and on the first save of a session);
//! - `spantag:v2:current`: the id of the document last open;
//! - `spantag:v2:damaged:<document id>:<ms>`: a stored value that could not be
//!   read, kept aside for the person to download.
//!
//! Invariants:
//! - every write is a compare-and-swap on the revision: a write against a stale
//!   revision is refused ([`Cas::Stale`]), so no tab overwrites newer work with an
//!   older snapshot; the caller rebases its unsaved actions and tries again;
//! - a stored value that fails to parse or fails its checksum is never written over
//!   before a copy of it is kept aside; the last good backup is loaded instead;
//! - an empty store never overwrites a backup: if the main record is missing, the
//!   newest backup is loaded;
//! - a record from a newer schema is never written over: this build stops writing.
//!
//! Migration: spantag 0.1 kept documents in `localStorage` (`spantag:v2:doc:<id>`,
//! `spantag:v2:current`, and version 1's `spantag:v1:*`). When IndexedDB has no
//! record, those are read through the legacy [`Store`] and the next save writes
//! IndexedDB. The `localStorage` keys are left in place, as a backup.



pub mod journal;
pub mod sync;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::formats::native::{self, ImportError};
use crate::formats::ItemRefusal;
use crate::model::document::content_id;
use crate::model::{AnnotationSet, Document, Schema};

/// The storage schema this build reads and writes.
pub const SCHEMA: u32 = 3;
/// Key of the id of the document last open.
pub const CURRENT_KEY: &str = "spantag:v2:current";
/// Version 1's key of the document last open (read for migration only).
pub const V1_CURRENT_KEY: &str = "spantag:v1:current";
/// Backups kept per document.
pub const N_BACKUPS: u64 = 3;

/// The key holding a document's record.
pub fn doc_key(doc_id: &str) -> String {
    format!("spantag:v2:doc:{doc_id}")
}

/// Version 1's key of a document's state (read for migration only).
pub fn v1_doc_key(doc_id: &str) -> String {
    format!("spantag:v1:doc:{doc_id}")
}

/// The key of backup slot `slot` of a document.
pub fn backup_key(doc_id: &str, slot: u64) -> String {
    format!("spantag:v2:bak:{doc_id}:{slot}")
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

/// A synchronous key-value store of strings: `localStorage`, read for migration
/// and used for small settings.
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
    /// Removes `key` (nothing happens if it is absent).
    ///
    /// # Errors
    /// A [`StoreError`] if the store cannot be written.
    fn remove(&mut self, key: &str) -> Result<(), StoreError>;
}

/// The outcome of a compare-and-swap write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cas {
    /// The write landed.
    Written,
    /// The stored revision was not the expected one; nothing was written. Holds
    /// what is stored now (`None` if nothing is).
    Stale(Option<String>),
}

/// An asynchronous key-value store of strings with an atomic compare-and-swap:
/// IndexedDB in the browser, [`MemoryStore`] in tests.
#[allow(async_fn_in_trait)]
pub trait Kv {
    /// The value under `key`, if any.
    ///
    /// # Errors
    /// A [`StoreError`] if the store cannot be read.
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Writes `value`, a record at `revision`, under `key`, unless the stored
    /// record's revision (see [`record_revision`]; `None` for no record or an
    /// unreadable one) differs from `expected`. `also` are written in the same
    /// transaction: each key with its value, or with `value` itself for `None` (a
    /// backup of the record, without a second copy of it). Then reads `key` back:
    /// [`Cas::Written`] means it holds exactly `value`.
    ///
    /// # Errors
    /// A [`StoreError`] if the write failed (quota, storage gone) or what was read
    /// back differs from what was written.
    async fn cas(&self, key: &str, expected: Option<u64>, value: &str, revision: u64, also: &[(String, Option<String>)]) -> Result<Cas, StoreError>;
    /// Writes `value` under `key` unconditionally.
    ///
    /// # Errors
    /// A [`StoreError`] if the write failed.
    async fn put(&self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// An in-memory store for tests, with an optional quota in bytes. It is both a
/// [`Store`] and a [`Kv`]; clones share their contents, like two tabs sharing one
/// browser's storage.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    map: Rc<RefCell<BTreeMap<String, String>>>,
    quota: Option<usize>,
}

impl MemoryStore {
    /// An empty store with no quota.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store that refuses writes past `n_bytes` of keys and values.
    pub fn with_quota(n_bytes: usize) -> MemoryStore {
        MemoryStore { map: Rc::default(), quota: Some(n_bytes) }
    }

    /// Removes everything, as a browser clearing site data does.
    pub fn wipe(&self) {
        self.map.borrow_mut().clear();
    }

    fn write(&self, pairs: &[(&str, &str)]) -> Result<(), StoreError> {
        let mut map = self.map.borrow_mut();
        if let Some(quota) = self.quota {
            let keys: Vec<&str> = pairs.iter().map(|p| p.0).collect();
            let kept: usize = map.iter().filter(|(k, _)| !keys.contains(&k.as_str())).map(|(k, v)| k.len() + v.len()).sum();
            let new: usize = pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
            if kept + new > quota {
                return Err(StoreError::QuotaExceeded);
            }
        }
        for (k, v) in pairs {
            map.insert((*k).to_owned(), (*v).to_owned());
        }
        Ok(())
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.map.borrow().get(key).cloned())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(&[(key, value)])
    }

    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.map.borrow().keys().filter(|k| k.starts_with(prefix)).cloned().collect())
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
}

impl Kv for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.map.borrow().get(key).cloned())
    }

    async fn cas(&self, key: &str, expected: Option<u64>, value: &str, revision: u64, also: &[(String, Option<String>)]) -> Result<Cas, StoreError> {
        debug_assert_eq!(record_revision(value), Some(revision), "the caller names the revision of what it writes");
        let current = self.map.borrow().get(key).cloned();
        if current.as_deref().and_then(record_revision) != expected {
            return Ok(Cas::Stale(current));
        }
        let mut pairs = vec![(key, value)];
        pairs.extend(also.iter().map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or(value))));
        self.write(&pairs)?;
        match self.map.borrow().get(key) {
            Some(back) if back == value => Ok(Cas::Written),
            _ => Err(read_back_differs()),
        }
    }

    async fn put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(&[(key, value)])
    }
}

/// A stored document: the native JSON with its revision and a checksum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The storage schema that wrote it.
    pub schema: u32,
    /// Counts the writes of this document; a write must name the revision it replaces.
    pub revision: u64,
    /// When it was written (ms since the epoch).
    pub saved_at: i64,
    /// FNV-1a 64 of the payload, as 16 hex digits.
    pub checksum: String,
    /// The document and its annotations as native JSON.
    pub payload: String,
}

#[derive(Deserialize)]
struct RecordHead {
    schema: u32,
    revision: u64,
}

impl Record {
    /// A record of `payload` at `revision`.
    pub fn new(revision: u64, saved_at: i64, payload: String) -> Record {
        Record { schema: SCHEMA, revision, saved_at, checksum: content_id(&payload), payload }
    }

    /// The record as stored: JSON in ASCII, every other character escaped (see
    /// [`AsciiJson`]). Any JSON reader reads it back to the same record. The
    /// autosave writes the same bytes with [`Record::encode_payload`], which the tests
    /// hold to this.
    pub fn encode(&self) -> String {
        let mut out = Vec::with_capacity(self.payload.len() + self.payload.len() / 8 + 128);
        self.serialize(&mut serde_json::Serializer::with_formatter(&mut out, AsciiJson)).expect("records always serialise");
        String::from_utf8(out).expect("escaped JSON is ASCII")
    }

    /// `Record::new(revision, saved_at, payload).encode()`, the same bytes, made in
    /// the payload's own buffer: its characters are escaped from the last to the
    /// first, each moved right by the header and the escapes before it. The autosave
    /// encodes the whole document on every save, and wasm memory keeps its
    /// high-water mark: a second buffer as large as the payload (3.7 MB at L) would
    /// stay in the page's memory for good.
    pub fn encode_payload(revision: u64, saved_at: i64, payload: String) -> String {
        let head = format!(
            "{{\"schema\":{SCHEMA},\"revision\":{revision},\"saved_at\":{saved_at},\"checksum\":\"{}\",\"payload\":\"",
            content_id(&payload)
        );
        let tail = "\"}";
        let growth: usize = payload.bytes().map(|b| usize::from(ESCAPE_GROWTH[usize::from(b)])).sum();
        let mut buf = payload.into_bytes();
        let mut r = buf.len();
        let mut w = head.len() + r + growth;
        buf.resize(w + tail.len(), 0);
        buf[w..].copy_from_slice(tail.as_bytes());
        // Every character's escape is at least as long as the character, and the head
        // comes first: what is written lies at or after what is still to be read.
        // Runs of characters that need no escape move in one copy.
        while r > 0 {
            let run = buf[..r].iter().rposition(|&b| ESCAPE_GROWTH[usize::from(b)] != 0 || b >= 0x80).map_or(0, |p| p + 1);
            buf.copy_within(run..r, w - (r - run));
            w -= r - run;
            r = run;
            if r == 0 {
                break;
            }
            let mut start = r - 1;
            while buf[start] & 0xC0 == 0x80 {
                start -= 1;
            }
            let c = std::str::from_utf8(&buf[start..r]).ok().and_then(|s| s.chars().next()).expect("a payload is UTF-8");
            let mut out = [0; 12];
            let e = escape(c, &mut out);
            w -= e.len();
            buf[w..w + e.len()].copy_from_slice(e);
            r = start;
        }
        debug_assert_eq!(w, head.len());
        buf[..head.len()].copy_from_slice(head.as_bytes());
        String::from_utf8(buf).expect("escaped JSON is ASCII")
    }

    /// Reads a stored record, checking its schema and checksum.
    ///
    /// # Errors
    /// Why it cannot be used: not a record (truncated, damaged), a newer schema, or
    /// a checksum that does not match.
    pub fn decode(raw: &str) -> Result<Record, RecordError> {
        let head: RecordHead = serde_json::from_str(raw).map_err(|e| RecordError::Damaged(e.to_string()))?;
        if head.schema > SCHEMA {
            return Err(RecordError::Newer(head.schema));
        }
        let rec: Record = serde_json::from_str(raw).map_err(|e| RecordError::Damaged(e.to_string()))?;
        if rec.checksum != content_id(&rec.payload) {
            return Err(RecordError::Damaged("its checksum does not match its contents".into()));
        }
        Ok(rec)
    }
}

/// A JSON formatter that escapes every non-ASCII character (`\uXXXX`, as a
/// surrogate pair above U+FFFF). A stored record is then ASCII, which a browser
/// keeps at one byte per character instead of two: IndexedDB copies half as much
/// on every save, and the record costs half the memory. Text in other scripts grows
/// (six bytes per escape), but a news document is mostly ASCII (JSON syntax, ids,
/// Latin text).
struct AsciiJson;

impl serde_json::ser::Formatter for AsciiJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(i) = rest.bytes().position(|b| !b.is_ascii()) {
            w.write_all(&rest.as_bytes()[..i])?;
            let c = rest[i..].chars().next().expect("a character starts at a non-ASCII byte");
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

/// How many bytes longer each byte of UTF-8 gets when escaped as [`escape`] does:
/// a quote, a backslash and the controls with a short escape 1, other controls 5; the
/// first byte of a character of 2, 3 or 4 bytes 4, 3 or 8 (one or two `\uXXXX`);
/// the other bytes of a character and the rest of ASCII 0.
const ESCAPE_GROWTH: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            0x00..=0x1f => 5,
            0xc0..=0xdf => 4,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 8,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// `c` inside a JSON string as [`AsciiJson`] writes it: serde_json's escapes for
/// quote, backslash and controls, and `\uXXXX` (lowercase, UTF-16) for all that is
/// not ASCII.
fn escape(c: char, out: &mut [u8; 12]) -> &[u8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match c {
        '"' => Some(b'"'),
        '\\' => Some(b'\\'),
        '\n' => Some(b'n'),
        '\r' => Some(b'r'),
        '\t' => Some(b't'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        _ => None,
    };
    if let Some(e) = short {
        out[..2].copy_from_slice(&[b'\\', e]);
        return &out[..2];
    }
    if c.is_ascii() && !c.is_ascii_control() || c == '\u{7f}' {
        out[0] = c as u8;
        return &out[..1];
    }
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    for (i, u) in units.iter().enumerate() {
        let o = &mut out[i * 6..i * 6 + 6];
        o[..2].copy_from_slice(b"\\u");
        for (k, shift) in [12, 8, 4, 0].into_iter().enumerate() {
            o[2 + k] = HEX[usize::from((u >> shift) & 0xf)];
        }
    }
    &out[..units.len() * 6]
}

/// Why a stored record cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// Truncated or corrupted.
    Damaged(String),
    /// Written by a newer spantag (its storage schema).
    Newer(u32),
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::Damaged(why) => write!(f, "it is damaged ({why})"),
            RecordError::Newer(v) => write!(f, "it was saved by a newer spantag (storage schema {v}, this one reads {SCHEMA})"),
        }
    }
}

/// The revision of a stored record, or `None` if it is not a readable record.
pub fn record_revision(raw: &str) -> Option<u64> {
    serde_json::from_str::<RecordHead>(raw).ok().map(|h| h.revision)
}

/// What was found when opening the workspace.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The document to show.
    pub document: Document,
    /// Its annotations.
    pub annotations: AnnotationSet,
    /// The revision loaded (`None` if nothing readable is stored under the main key).
    pub revision: Option<u64>,
    /// Things the person must be told, as sentences.
    pub notices: Vec<String>,
    /// Stored data that must not be written over (a newer schema, or a damaged
    /// value that could not be kept aside).
    pub write_blocked: bool,
    /// The key of the damaged copy kept aside, if one was made.
    pub damaged_key: Option<String>,
    /// The unsaved changes of closed tabs, replayed from their journals onto
    /// `annotations`: to be saved.
    pub recovered: journal::Replayed,
}

/// A short list of refusals for a message: the first three, then a count.
pub fn describe(refused: &[ItemRefusal]) -> String {
    let mut parts: Vec<String> = refused.iter().take(3).map(ToString::to_string).collect();
    if refused.len() > 3 {
        parts.push(format!("and {} more", refused.len() - 3));
    }
    parts.join("; ")
}

/// Opens the document last worked on, or `seed` if there is none, with the unsaved
/// changes of closed tabs replayed from their journals ([`journal::replay`]) after
/// the IndexedDB record is read. `local` is `localStorage`: the journals, and the
/// work of spantag 0.1 to migrate. Never fails: every problem becomes a notice, and
/// damaged data is kept aside (see the module docs).
pub async fn open<K: Kv>(kv: &K, local: &dyn Store, seed: &Document, schema: &Rc<Schema>, now_ms: i64) -> Opened {
    // An import whose save never landed names the document last open.
    let unsaved_import = journal::newest_unsaved_import(local);
    let mut o = open_stored(kv, local, seed, schema, now_ms, unsaved_import.clone()).await;
    if o.write_blocked {
        return o;
    }
    if let Some(id) = unsaved_import.filter(|id| id != o.document.id()) {
        // Nothing readable stored for it: the journalled import is all there is.
        if let Some(doc) = journal::full_document(local, &id, schema) {
            o.annotations = AnnotationSet::new(doc.len_cp(), schema.clone());
            o.document = doc;
            o.revision = None;
        }
    }
    let r = journal::replay(local, &o.document, &mut o.annotations, o.revision, schema);
    o.notices.extend(r.notices.iter().cloned());
    o.recovered = r;
    o
}

async fn open_stored<K: Kv>(kv: &K, legacy: &dyn Store, seed: &Document, schema: &Rc<Schema>, now_ms: i64, preferred: Option<String>) -> Opened {
    let mut notices = Vec::new();
    let fresh = |doc: &Document| AnnotationSet::new(doc.len_cp(), schema.clone());
    let opened = |document: Document, annotations: AnnotationSet, revision, notices| Opened {
        document,
        annotations,
        revision,
        notices,
        write_blocked: false,
        damaged_key: None,
        recovered: journal::Replayed::default(),
    };
    let current = match Kv::get(kv, CURRENT_KEY).await {
        Ok(v) => v,
        Err(e) => {
            notices.push(format!("Your work cannot be kept in this browser: {e}. Export it before you leave."));
            None
        }
    };
    let current = preferred
        .or(current)
        .or_else(|| legacy.get(CURRENT_KEY).ok().flatten())
        .or_else(|| legacy.get(V1_CURRENT_KEY).ok().flatten());
    let doc_id = current.unwrap_or_else(|| seed.id().to_owned());
    let raw = Kv::get(kv, &doc_key(&doc_id)).await.ok().flatten();

    // 1. The main record.
    let mut damaged_key = None;
    let mut write_blocked = false;
    if let Some(raw) = &raw {
        match Record::decode(raw) {
            Ok(rec) => match load_payload(&rec.payload, &doc_id, schema) {
                Ok((doc, anns, refused)) if refused.is_empty() => return opened(doc, anns, Some(rec.revision), notices),
                Ok((doc, anns, refused)) => {
                    let kept = keep_aside(kv, &doc_id, raw, now_ms).await;
                    notices.push(format!("Some stored items could not be read and were left out: {}. {}", describe(&refused), kept_message(&kept)));
                    let mut o = opened(doc, anns, Some(rec.revision), notices);
                    o.write_blocked = kept.is_err();
                    o.damaged_key = kept.ok();
                    return o;
                }
                Err(e) => notices.push(format!("Your stored work for this document could not be read: {e}.")),
            },
            Err(RecordError::Newer(v)) => {
                notices.push(format!(
                    "This document was saved by a newer spantag (storage schema {v}). This page will not save over it: reload with the newer version."
                ));
                let mut o = opened(seed.clone(), fresh(seed), None, notices);
                o.write_blocked = true;
                return o;
            }
            Err(e) => notices.push(format!("Your stored work for this document could not be read: {e}.")),
        }
        let kept = keep_aside(kv, &doc_id, raw, now_ms).await;
        notices.push(kept_message(&kept));
        write_blocked = kept.is_err();
        damaged_key = kept.ok();
    }

    // 2. The newest good backup (also when the main record is missing: an empty store
    //    never overwrites a backup).
    let mut best: Option<Record> = None;
    for slot in 0..N_BACKUPS {
        if let Ok(Some(b)) = Kv::get(kv, &backup_key(&doc_id, slot)).await {
            if let Ok(rec) = Record::decode(&b) {
                if best.as_ref().is_none_or(|x| rec.revision > x.revision) {
                    best = Some(rec);
                }
            }
        }
    }
    if let Some(rec) = best {
        if let Ok((doc, anns, _)) = load_payload(&rec.payload, &doc_id, schema) {
            notices.push(format!("Your work was restored from the last good backup (revision {}).", rec.revision));
            let mut o = opened(doc, anns, raw.as_deref().and_then(record_revision), notices);
            o.write_blocked = write_blocked;
            o.damaged_key = damaged_key;
            return o;
        }
    }

    // 3. Migration from localStorage (spantag 0.1), when IndexedDB holds nothing.
    if raw.is_none() {
        let legacy_raw = legacy.get(&doc_key(&doc_id)).ok().flatten().or_else(|| legacy.get(&v1_doc_key(&doc_id)).ok().flatten());
        if let Some(old) = legacy_raw {
            match load_payload(&old, &doc_id, schema) {
                Ok((doc, anns, refused)) => {
                    if !refused.is_empty() {
                        notices.push(format!("Some items of your earlier work could not be read: {}.", describe(&refused)));
                    }
                    return opened(doc, anns, None, notices);
                }
                Err(e) => notices.push(format!("Your earlier work in this browser could not be read ({e}); it is left untouched in localStorage.")),
            }
        }
    }

    let mut o = opened(seed.clone(), fresh(seed), raw.as_deref().and_then(record_revision), notices);
    o.write_blocked = write_blocked;
    o.damaged_key = damaged_key;
    o
}

/// What this browser holds for a document, as an import of a file for a document
/// other than the open one finds it: work to merge the file into, or to replace.
#[derive(Clone, Debug, Default)]
pub enum StoredWork {
    /// Nothing stored.
    #[default]
    Nothing,
    /// The annotations saved for the document, at their revision.
    Work {
        /// The saved annotations.
        annotations: Rc<AnnotationSet>,
        /// The record's revision (the base of the next write).
        revision: u64,
    },
    /// A record that could not be read in full: why, and where a copy of it was kept
    /// aside (or why it could not be).
    Unreadable {
        /// Why it could not be read.
        why: String,
        /// The key of the copy kept aside.
        kept: Result<String, StoreError>,
    },
}

/// Looks up the work stored for `doc_id`, for an import that opens that document.
/// A record that cannot be read in full is kept aside first (as [`open`] does), so
/// that the import's save, which writes over it, loses nothing.
pub async fn stored_work<K: Kv>(kv: &K, doc_id: &str, schema: &Rc<Schema>, now_ms: i64) -> StoredWork {
    let raw = match Kv::get(kv, &doc_key(doc_id)).await {
        Ok(Some(raw)) => raw,
        Ok(None) => return StoredWork::Nothing,
        Err(e) => return StoredWork::Unreadable { why: e.to_string(), kept: Err(e) },
    };
    let why = match Record::decode(&raw) {
        Ok(rec) => match load_payload(&rec.payload, doc_id, schema) {
            Ok((_, annotations, refused)) if refused.is_empty() => {
                return StoredWork::Work { annotations: Rc::new(annotations), revision: rec.revision };
            }
            Ok((_, _, refused)) => format!("some items could not be read: {}", describe(&refused)),
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    };
    StoredWork::Unreadable { why, kept: keep_aside(kv, doc_id, &raw, now_ms).await }
}

fn load_payload(payload: &str, doc_id: &str, schema: &Rc<Schema>) -> Result<(Document, AnnotationSet, Vec<ItemRefusal>), ImportError> {
    let imported = native::import(payload, schema)?;
    if imported.document.id() != doc_id {
        return Err(ImportError::BadShape("it holds another document than its key says".into()));
    }
    Ok((imported.document, imported.annotations, imported.refused))
}

async fn keep_aside<K: Kv>(kv: &K, doc_id: &str, raw: &str, now_ms: i64) -> Result<String, StoreError> {
    let key = format!("{}{now_ms}", damaged_prefix(doc_id));
    kv.put(&key, raw).await.map(|()| key)
}

/// What a notice says of a stored value kept aside (`kept`: its key, or why not).
pub fn kept_message(kept: &Result<String, StoreError>) -> String {
    match kept {
        Ok(_) => "A copy of the stored data was kept aside; you can download it.".to_owned(),
        Err(e) => format!("The stored data could not be copied aside ({e}), so spantag will not save over it. Export your work to keep it."),
    }
}

impl<T: Kv> Kv for Rc<T> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        (**self).get(key).await
    }

    async fn cas(&self, key: &str, expected: Option<u64>, value: &str, revision: u64, also: &[(String, Option<String>)]) -> Result<Cas, StoreError> {
        (**self).cas(key, expected, value, revision, also).await
    }

    async fn put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        (**self).put(key, value).await
    }
}

/// The outcome of [`save`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Written and read back, at this revision.
    At(u64),
    /// Another tab wrote first: rebase on this record (or on nothing, if storage was
    /// wiped) and save again.
    Conflict(Option<String>),
}

/// The error of a write whose read-back differs from what was written.
pub fn read_back_differs() -> StoreError {
    StoreError::Failed("the record read back differs from the one written".into())
}

/// A save ready to be written: the record and what goes with it.
#[derive(Clone, Debug)]
pub struct PreparedSave {
    key: String,
    base: Option<u64>,
    revision: u64,
    record: String,
    /// Written with it: `None` stands for the record itself.
    also: Vec<(String, Option<String>)>,
}

/// The synchronous half of [`save`]: the record of revision `base + 1` that holds
/// `payload` (the document's native JSON, from [`native::export`]), and the keys
/// written with it (the current document, and a backup slot on the first save of a
/// session and every tenth revision). Apart, so that the app can let the browser
/// paint between building the payload, encoding the record and writing it.
pub fn prepare_save(doc: &Document, payload: String, base: Option<u64>, first_of_session: bool, now_ms: i64) -> PreparedSave {
    let revision = base.map_or(1, |r| r + 1);
    let record = Record::encode_payload(revision, now_ms, payload);
    let mut also = vec![(CURRENT_KEY.to_owned(), Some(doc.id().to_owned()))];
    if first_of_session || revision % 10 == 1 {
        also.push((backup_key(doc.id(), (revision / 10) % N_BACKUPS), None));
    }
    PreparedSave { key: doc_key(doc.id()), base, revision, record, also }
}

/// The asynchronous half of [`save`]: writes a prepared record if the stored
/// revision is still its base (the store reads it back to prove the write landed).
///
/// # Errors
/// The [`StoreError`] of the write that failed, or a failed read-back.
pub async fn write_save<K: Kv>(kv: &K, p: &PreparedSave) -> Result<Saved, StoreError> {
    match kv.cas(&p.key, p.base, &p.record, p.revision, &p.also).await? {
        Cas::Stale(current) => Ok(Saved::Conflict(current)),
        Cas::Written => Ok(Saved::At(p.revision)),
    }
}

/// Saves a document as revision `base + 1`, if the stored revision is still `base`,
/// then reads it back to prove the write landed: [`prepare_save`], then
/// [`write_save`].
///
/// # Errors
/// The [`StoreError`] of the write that failed, or a failed read-back.
pub async fn save<K: Kv>(kv: &K, doc: &Document, set: &AnnotationSet, base: Option<u64>, first_of_session: bool, now_ms: i64) -> Result<Saved, StoreError> {
    write_save(kv, &prepare_save(doc, native::export(doc, set), base, first_of_session, now_ms)).await
}

#[cfg(test)]
mod tests;
