//! The native spantag JSON format, version 2 (documented in `docs/format.md`).
//!
//! Version 2 adds relations, entities, notes and attributes to version 1. Version 1
//! files (and stored values) are read and migrated: they simply have none of these.
//!
//! It is the lossless format and also what is kept in browser storage. Offsets are
//! code points. Two properties are kept and tested:
//! - export is deterministic: the same state always gives the same bytes (fixed key
//!   order, annotations in text order), so export → import → export is identical;
//! - import trusts nothing: the size is capped before parsing, nesting depth is
//!   bounded by the parser, the document id must match its text, and every
//!   annotation is checked against the text (range, label, id, and its quote versus
//!   the slice). A bad annotation is refused with a reason; the rest import. A file
//!   that is not a spantag file at all is an error and yields nothing.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::toolkit::{check_depth, check_depth_within, check_unique_keys, excerpt, ItemRefusal, MAX_IMPORT_BYTES};
use super::{FileSpec, FormatDef, FormatInfo, Holds, Reader, Rule, Written};
use crate::model::offsets::IndexedText;
use crate::model::snap::is_cluster_boundary_at_byte;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, LabelDef, Relation, Schema, Span, Timestamp};

pub use super::toolkit::{ImportError, Imported, VERSION};

/// The `format` field's value.
pub const FORMAT: &str = "spantag";

/// The format's name, in the menu and in messages.
pub const NAME: &str = "spantag JSON (lossless)";

/// What the native format holds: everything.
pub(crate) const HOLDS: Holds = Holds { ids: true, notes: true, attrs: true, relations: true, entities: true, times: true };

/// The native format's row in the registry.
pub const DEF: FormatDef = FormatDef {
    info: FormatInfo {
        id: "native",
        name: NAME,
        tool: "spantag JSON",
        files: &[FileSpec { suffix: ".spantag.json", mime: "application/json" }],
        holds: HOLDS,
        detect: &[Rule { precedence: 70, test: |h| h.has_key("format") && h.record().is_some_and(|r| r.contains("\"spantag\"")) }],
    },
    import: Some(Reader::Text(|text, schema, _| import(text, schema))),
    export: |doc, set| Written { files: vec![export(doc, set).into_bytes()], notes: Vec::new() },
};

/// Code points of context kept on each side of a quote.
pub const CONTEXT_CP: usize = 32;

/// A quote: the annotated text and its context, as in a W3C `TextQuoteSelector`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The annotated text, exactly.
    pub exact: String,
    /// Up to 32 code points just before it.
    pub prefix: String,
    /// Up to 32 code points just after it.
    pub suffix: String,
}

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    version: u32,
    offset_unit: &'static str,
    document: DocumentOut<'a>,
    labels: Vec<&'a LabelDef>,
    annotations: AnnotationsOut<'a>,
    relations: Vec<RelationOut<'a>>,
    entities: Vec<EntityOut<'a>>,
}

#[derive(Serialize, Deserialize)]
struct RelationOut<'a> {
    id: &'a str,
    kind: &'a str,
    from: &'a str,
    to: &'a str,
}

#[derive(Serialize)]
struct EntityOut<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    members: Vec<&'a str>,
}

#[derive(Serialize)]
struct DocumentOut<'a> {
    id: &'a str,
    title: &'a str,
    length: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct AnnotationOut<'a> {
    id: &'a str,
    label: &'a str,
    start: usize,
    end: usize,
    quote: QuoteOut<'a>,
    created: String,
    modified: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    note: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    attributes: &'a BTreeMap<String, String>,
}

/// The top level of a file, read in one pass: the header fields, and the rest as raw
/// JSON, read once the header says the file is a spantag file this version can read.
#[derive(Deserialize)]
struct FileIn<'a> {
    format: Option<String>,
    version: Option<u64>,
    #[serde(borrow)]
    offset_unit: Option<&'a RawValue>,
    #[serde(borrow)]
    document: Option<&'a RawValue>,
    #[serde(borrow)]
    annotations: Option<&'a RawValue>,
    #[serde(borrow)]
    relations: Option<&'a RawValue>,
    #[serde(borrow)]
    entities: Option<&'a RawValue>,
}

/// A whole file, read in one pass when everything in it is well formed: every object
/// in it has only the keys spantag writes, each once (derived structs refuse a field
/// given twice, [`unique_map`] an attribute, [`labels_ok`] any key in `labels`). So when
/// this pass succeeds, the file has no key twice anywhere, and the separate pass of
/// [`check_unique_keys`] is not needed. Any other file goes the careful way.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWhole<'a> {
    format: Option<String>,
    version: Option<u64>,
    offset_unit: String,
    document: DocumentStrict,
    /// Written for other readers; spantag reads its labels from its schema. Kept raw
    /// (serde_json bounds its nesting while it skips it) and checked by [`labels_ok`].
    #[serde(borrow)]
    labels: Option<&'a RawValue>,
    #[serde(borrow)]
    annotations: Items<AnnotationStrict<'a>>,
    #[serde(default)]
    relations: Items<RelationStrict>,
    #[serde(default)]
    entities: Items<EntityStrict>,
}

/// One item of a list, read by a function of its own.
///
/// For speed in the browser: the engine optimises a wasm function only for its later
/// calls, so work done in one long call runs unoptimised to its end. Inlined, the
/// reading of every item of a file would be one such call (and one huge function for
/// the engine to optimise in the background for nothing); as a function of its own,
/// called once per item, it is optimised after the first few.
struct Item<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Item<T> {
    #[inline(never)]
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Item)
    }
}

/// A list of items, read by a function of its own, so that the loop over a file's
/// items is not inlined into [`import`]: a function whose loop runs many times is
/// optimised by the engine in the background, and [`import`], the largest function of
/// the bundle and called once per file, took a core for about 65 ms doing so while
/// the file was read and opened (a trace of an L import: a third of all optimising
/// compilation). Small functions like this one are cheap to optimise and their later
/// calls use it.
struct Items<T>(Vec<Item<T>>);

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Items<T> {
    #[inline(never)]
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(Items)
    }
}

impl<T> Items<T> {
    /// The items in the shape the checks take, each parsed (`Some`). Not inlined: see
    /// [`Items`].
    #[inline(never)]
    fn parsed<U: From<T>>(self) -> Vec<Option<U>> {
        self.0.into_iter().map(|x| Some(x.0.into())).collect()
    }
}

/// Whether a file's raw `labels` passes the checks the whole file gets on the careful
/// way: its depth where it lies in `json` (one level down), and no key twice.
fn labels_ok(json: &str, raw: &RawValue) -> bool {
    let offset = (raw.get().as_ptr() as usize).saturating_sub(json.as_ptr() as usize);
    check_depth_within(raw.get(), 1, offset).is_ok() && check_unique_keys(raw.get()).is_ok()
}

/// The document and the items of a file, each item parsed or already refused (`None`).
type Parsed<'a> = (DocumentIn, Vec<Option<AnnotationIn<'a>>>, Vec<Option<EntityIn>>, Vec<Option<RelationIn>>);

/// How the file was read: whole, or as raw parts to read one by one.
enum Read<'a> {
    Whole(FileWhole<'a>),
    Parts(FileIn<'a>),
}

/// A required part of the file, parsed as `T`.
fn part<'a, T: Deserialize<'a>>(raw: Option<&'a RawValue>, name: &str) -> Result<T, ImportError> {
    let raw = raw.ok_or_else(|| ImportError::BadShape(format!("missing field `{name}`")))?;
    serde_json::from_str(raw.get()).map_err(|e| ImportError::BadShape(format!("{name}: {e}")))
}

/// An optional list of the file: empty if absent.
fn list<'a>(raw: Option<&'a RawValue>, name: &str) -> Result<Vec<&'a RawValue>, ImportError> {
    match raw {
        None => Ok(Vec::new()),
        some => part(some, name),
    }
}

/// Each item type twice, from one definition: as read item by item in the careful
/// way (unknown fields ignored, as a later spantag may add some), and as read in the
/// one pass of [`FileWhole`] (unknown fields refused, so that the pass reads every key:
/// see there). A field may name a different type for the second (`type | strict`).
macro_rules! read_types {
    ($( $name:ident $(<$lt:lifetime>)? / $strict:ident { $( $(#[$fm:meta])* $f:ident : $t:ty $(| $st:ty)? ),* $(,)? } )*) => {$(
        #[derive(Deserialize)]
        struct $name $(<$lt>)? { $( $(#[$fm])* $f: $t, )* }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $strict $(<$lt>)? { $( $(#[$fm])* $f: read_types!(@ty $t $(| $st)?), )* }
        impl $(<$lt>)? From<$strict $(<$lt>)?> for $name $(<$lt>)? {
            fn from(s: $strict $(<$lt>)?) -> Self {
                $name { $( $f: s.$f.into(), )* }
            }
        }
    )*};
    (@ty $t:ty) => { $t };
    (@ty $t:ty | $st:ty) => { $st };
}

read_types! {
    RelationIn / RelationStrict { id: String, kind: String, from: String, to: String }
    EntityIn / EntityStrict {
        id: String,
        name: String,
        #[serde(rename = "type", default)]
        kind: String,
        members: Vec<String>,
    }
    DocumentIn / DocumentStrict { id: String, title: String, length: u64, text: String }
    // The quote and the times are only compared and parsed, never kept: borrowed from
    // the file (when they have no escapes), they cost no allocation.
    AnnotationIn<'a> / AnnotationStrict {
        id: String,
        label: String,
        start: i64,
        end: i64,
        #[serde(borrow)]
        quote: QuoteIn<'a> | QuoteStrict<'a>,
        #[serde(borrow)]
        created: Cow<'a, str>,
        #[serde(borrow)]
        modified: Cow<'a, str>,
        #[serde(default)]
        note: String,
        #[serde(default, deserialize_with = "unique_map")]
        attributes: BTreeMap<String, String>,
    }
    QuoteIn<'a> / QuoteStrict {
        #[serde(borrow)]
        exact: Cow<'a, str>,
        #[serde(borrow)]
        prefix: Cow<'a, str>,
        #[serde(borrow)]
        suffix: Cow<'a, str>,
    }
}

/// A string map that refuses a key given twice (serde would keep the last silently).
fn unique_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    use serde::de::{Error, MapAccess, Visitor};
    struct Strings;
    impl<'de> Visitor<'de> for Strings {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of strings")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                if out.contains_key(&k) {
                    return Err(A::Error::custom(format!("the key \"{k}\" appears twice in one object")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Strings)
}

/// The quote of `[start, end)` with 32 code points of context each side.
/// Returns `None` if the range is not within the text.
pub fn quote(text: &IndexedText, start: usize, end: usize) -> Option<Quote> {
    let q = QuoteOut::of(text, start, end)?;
    Some(Quote { exact: q.exact.to_owned(), prefix: q.prefix.to_owned(), suffix: q.suffix.to_owned() })
}

/// A [`Quote`] borrowed from the text: what export writes and import compares.
#[derive(Serialize)]
struct QuoteOut<'a> {
    exact: &'a str,
    prefix: &'a str,
    suffix: &'a str,
}

impl<'a> QuoteOut<'a> {
    /// As [`quote`], without copying.
    fn of(text: &'a IndexedText, start: usize, end: usize) -> Option<QuoteOut<'a>> {
        Self::with_bytes(text, start, end).map(|(quote, _)| quote)
    }

    /// [`QuoteOut::of`], and the byte offsets of `start` and `end`: four offset
    /// lookups in all, where three slices would make six.
    fn with_bytes(text: &'a IndexedText, start: usize, end: usize) -> Option<(QuoteOut<'a>, (usize, usize))> {
        if start > end {
            return None;
        }
        let before = text.byte_of(start.saturating_sub(CONTEXT_CP))?;
        let (start_byte, end_byte) = (text.byte_of(start)?, text.byte_of(end)?);
        let after = text.byte_of((end + CONTEXT_CP).min(text.len_cp()))?;
        let s = text.as_str();
        let quote = QuoteOut { exact: &s[start_byte..end_byte], prefix: &s[before..start_byte], suffix: &s[end_byte..after] };
        Some((quote, (start_byte, end_byte)))
    }
}

/// Writes the native JSON for a document and its annotations.
pub fn export(doc: &Document, set: &AnnotationSet) -> String {
    let text = doc.text();
    let annotations = AnnotationsOut { text, items: set.items() };
    let relations = set
        .relations()
        .iter()
        .map(|r| RelationOut { id: r.id.as_str(), kind: &r.kind, from: r.from.as_str(), to: r.to.as_str() })
        .collect();
    let entities = set
        .entities()
        .iter()
        .map(|e| EntityOut { id: e.id.as_str(), name: &e.name, kind: &e.kind, members: e.members.iter().map(AnnId::as_str).collect() })
        .collect();
    let file = FileOut {
        format: FORMAT,
        version: VERSION,
        offset_unit: "codepoint",
        document: DocumentOut { id: doc.id(), title: doc.title(), length: doc.len_cp(), text: text.as_str() },
        labels: set.labels().iter().collect(),
        annotations,
        relations,
        entities,
    };
    let mut out = serde_json::to_string_pretty(&file).expect("the native format always serialises");
    out.push('\n');
    out
}

/// The annotations of an export, each written as it is made: no list of 10,000
/// output records (with their formatted times) is built first. wasm memory never
/// shrinks back from its high-water mark, and the autosave exports the whole document:
/// at L that list took the save's peak 2.6 MB higher. (Sizing the output buffer for
/// the whole file at once was worse: one block that large fits none of the blocks
/// freed before, so memory grew by all of it.)
struct AnnotationsOut<'a> {
    text: &'a IndexedText,
    items: &'a [Rc<Annotation>],
}

impl Serialize for AnnotationsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter().map(|a| AnnotationOut {
            id: a.id.as_str(),
            label: &a.label,
            start: a.span.start(),
            end: a.span.end(),
            quote: QuoteOut::of(self.text, a.span.start(), a.span.end()).expect("annotations in a set are within the text"),
            created: a.created.to_rfc3339(),
            modified: a.modified.to_rfc3339(),
            note: &a.note,
            attributes: &a.attrs,
        }))
    }
}

/// Reads a native JSON file (version 1 or 2), checking everything against the text
/// and the schema.
///
/// # Errors
/// An [`ImportError`] if the file as a whole cannot be read; refused items are
/// reported in [`Imported::refused`] instead.
pub fn import(json: &str, schema: &Rc<Schema>) -> Result<Imported, ImportError> {
    if json.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge { n_bytes: json.len() });
    }
    // A well-formed file is read in one pass. Any other goes the careful way, part by
    // part and item by item, so that every problem is named where it is; both ways
    // then go through the same checks below.
    //
    // The one pass needs no separate depth check: its types nest four deep at most,
    // except `labels` (any JSON, kept raw), which is checked on its own below, and
    // serde_json bounds its own recursion while it reads. That saves a pass over every
    // byte of the file (about 5 ms of an L import natively, more in the browser).
    // The careful way reads parts of any shape, so it checks the depth first; a file
    // nested too deep is refused there with the same sentence as before.
    let whole = serde_json::from_str::<FileWhole>(json).ok().filter(|w| w.labels.is_none_or(|raw| labels_ok(json, raw)));
    let (format, version, file) = match whole {
        Some(whole) => (whole.format.clone(), whole.version, Read::Whole(whole)),
        None => {
            check_depth(json).map_err(ImportError::NotJson)?;
            check_unique_keys(json).map_err(|e| {
                if e.is_syntax() || e.is_eof() {
                    ImportError::NotJson(e.to_string())
                } else {
                    ImportError::BadShape(e.to_string())
                }
            })?;
            let header: FileIn = serde_json::from_str(json).map_err(|e| {
                if e.is_syntax() || e.is_eof() {
                    ImportError::NotJson(e.to_string())
                } else {
                    ImportError::NotSpantag(format!("it is JSON, but not an object with a \"format\" field ({e})"))
                }
            })?;
            (header.format.clone(), header.version, Read::Parts(header))
        }
    };
    match format.as_deref() {
        Some(FORMAT) => {}
        Some(other) => return Err(ImportError::NotSpantag(format!("its format is \"{other}\", not \"{FORMAT}\""))),
        None => return Err(ImportError::NotSpantag("it has no \"format\": \"spantag\" field".into())),
    }
    let version = version.ok_or_else(|| ImportError::BadShape("it has no \"version\"".into()))?;
    if version > u64::from(VERSION) {
        return Err(ImportError::NewerVersion(version));
    }
    if version < 1 {
        return Err(ImportError::BadShape(format!("version {version} does not exist")));
    }
    let check_unit = |offset_unit: &str| {
        if offset_unit == "codepoint" {
            Ok(())
        } else {
            Err(ImportError::BadShape(format!("offset_unit is \"{offset_unit}\", expected \"codepoint\"")))
        }
    };
    // Items that did not parse are refused here (`None`); the rest are checked below.
    let mut refused = Vec::new();
    let (d, annotations, entities, relations): Parsed<'_> = match file {
        Read::Whole(whole) => {
            check_unit(&whole.offset_unit)?;
            (whole.document.into(), whole.annotations.parsed(), whole.entities.parsed(), whole.relations.parsed())
        }
        Read::Parts(file) => {
            check_unit(&part::<String>(file.offset_unit, "offset_unit")?)?;
            let d: DocumentIn = part(file.document, "document")?;
            let (annotations, entities, relations) =
                (part::<Vec<&RawValue>>(file.annotations, "annotations")?, list(file.entities, "entities")?, list(file.relations, "relations")?);
            let annotations = annotations.iter().enumerate().map(|(i, raw)| parse_item(raw, "annotation", i, &mut refused)).collect();
            let entities = entities.iter().enumerate().map(|(i, raw)| parse_item(raw, "entity", i, &mut refused)).collect();
            let relations = relations.iter().enumerate().map(|(i, raw)| parse_item(raw, "relation", i, &mut refused)).collect();
            (d, annotations, entities, relations)
        }
    };
    let document = Document::new(d.title, d.text);
    let len = document.len_cp();
    if d.length != len as u64 {
        return Err(ImportError::BadShape(format!("document.length is {} but the text has {len} code points", d.length)));
    }
    if d.id != document.id() {
        return Err(ImportError::BadShape(format!(
            "document.id \"{}\" does not match its text (expected \"{}\"); the text was changed",
            d.id,
            document.id()
        )));
    }
    let mut set = AnnotationSet::new(len, schema.clone());
    add_annotations(&mut set, annotations, &document, &mut refused);
    for (index, item) in entities.into_iter().enumerate() {
        let Some(item) = item else { continue };
        let id = Some(item.id.clone());
        let entity = || -> Result<Entity, String> {
            let members = item.members.iter().map(|m| AnnId::new(m.as_str())).collect::<Result<Vec<_>, _>>()?;
            Ok(Entity { id: AnnId::new(item.id.as_str())?, name: item.name.clone(), kind: item.kind.clone(), members })
        };
        match entity().and_then(|e| set.apply(Action::PutEntity(e)).map_err(|r| r.to_string())) {
            Ok(_) => {}
            Err(reason) => refused.push(ItemRefusal { kind: "entity", index, id, reason }),
        }
    }
    for (index, item) in relations.into_iter().enumerate() {
        let Some(item) = item else { continue };
        let id = Some(item.id.clone());
        let relation = || -> Result<Relation, String> {
            Ok(Relation { id: AnnId::new(item.id.as_str())?, kind: item.kind.clone(), from: AnnId::new(item.from.as_str())?, to: AnnId::new(item.to.as_str())? })
        };
        match relation().and_then(|r| set.apply(Action::Link(r)).map_err(|r| r.to_string())) {
            Ok(_) => {}
            Err(reason) => refused.push(ItemRefusal { kind: "relation", index, id, reason }),
        }
    }
    // Annotations, then entities, then relations, each in file order.
    let key = |r: &ItemRefusal| (["annotation", "entity", "relation"].iter().position(|k| *k == r.kind), r.index);
    crate::model::sort::sort_by(&mut refused, |a, b| key(a).cmp(&key(b)));
    Ok(Imported { document, annotations: set, refused, version: version as u32 })
}

/// Checks a file's annotations one by one against the text, then adds them to `set`
/// in one pass (an L file has 10,000 of them: adding them singly would be quadratic).
/// Each refusal goes to `refused`. Not inlined into [`import`]: see [`Items`].
#[inline(never)]
fn add_annotations(set: &mut AnnotationSet, annotations: Vec<Option<AnnotationIn<'_>>>, document: &Document, refused: &mut Vec<ItemRefusal>) {
    let (mut indices, mut anns) = (Vec::with_capacity(annotations.len()), Vec::with_capacity(annotations.len()));
    for (index, item) in annotations.into_iter().enumerate() {
        let Some(item) = item else { continue };
        match check_item(item, document) {
            Ok(ann) => {
                indices.push(index);
                anns.push(ann);
            }
            Err((id, reason)) => refused.push(ItemRefusal { kind: "annotation", index, id: Some(id), reason }),
        }
    }
    for (index, result) in indices.into_iter().zip(set.add_all(anns)) {
        if let Err((why, id)) = result {
            refused.push(ItemRefusal { kind: "annotation", index, id: Some(id.to_string()), reason: why.to_string() });
        }
    }
}

/// Parses one item of a list, or records why it is not one.
fn parse_item<'a, T: Deserialize<'a>>(raw: &'a RawValue, kind: &'static str, index: usize, refused: &mut Vec<ItemRefusal>) -> Option<T> {
    match serde_json::from_str(raw.get()) {
        Ok(item) => Some(item),
        Err(e) => {
            let id = item_id(raw.get());
            refused.push(ItemRefusal { kind, index, id, reason: format!("not a valid {kind}: {e}") });
            None
        }
    }
}

/// The `id` of an item that could not be read, for its refusal: the item's `id` if
/// the item is a JSON object whose `id` is a string. Exactly what
/// `serde_json::from_str::<Value>(json).ok()?.get("id")?.as_str()` gives, without
/// linking `serde_json::Value` (and its map type) into the wasm.
fn item_id(json: &str) -> Option<String> {
    match serde_json::from_str::<Probe>(json) {
        Ok(Probe::Object(id)) => id,
        _ => None,
    }
}

/// What [`item_id`] keeps of a JSON value.
enum Probe {
    Str(String),
    /// An object, with its `id` if that is a string.
    Object(Option<String>),
    Other,
}

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: serde::de::Deserializer<'de>>(d: D) -> Result<Probe, D::Error> {
        d.deserialize_any(ProbeVisitor)
    }
}

struct ProbeVisitor;

impl<'de> serde::de::Visitor<'de> for ProbeVisitor {
    type Value = Probe;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Probe, E> {
        Ok(Probe::Other)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Probe, E> {
        Ok(Probe::Other)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Probe, E> {
        Ok(Probe::Other)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Probe, E> {
        Ok(Probe::Other)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Probe, E> {
        Ok(Probe::Str(v.to_owned()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Probe, E> {
        Ok(Probe::Other)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Probe, A::Error> {
        while seq.next_element::<Probe>()?.is_some() {}
        Ok(Probe::Other)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
        let Some(mut key) = map.next_key::<String>()? else { return Ok(Probe::Object(None)) };
        if key == "$serde_json::private::RawValue" {
            // As `Value` does (serde_json's `raw_value` feature): such an object stands
            // for the JSON text in its string value.
            let text = map.next_value::<String>()?;
            return serde_json::from_str::<Probe>(&text).map_err(serde::de::Error::custom);
        }
        let mut id = None;
        loop {
            let value = map.next_value::<Probe>()?;
            if key == "id" {
                // A repeated key: the last one wins, as in `Value`.
                id = match value {
                    Probe::Str(s) => Some(s),
                    _ => None,
                };
            }
            match map.next_key::<String>()? {
                Some(k) => key = k,
                None => return Ok(Probe::Object(id)),
            }
        }
    }
}

/// Checks one annotation of a file against the text. Not inlined: see [`Item`].
///
/// # Errors
/// The item's id and why it is refused.
#[inline(never)]
fn check_item(item: AnnotationIn<'_>, doc: &Document) -> Result<Annotation, (String, String)> {
    let AnnotationIn { id, label, start, end, quote, created, modified, note, attributes } = item;
    let id = AnnId::parse(id)?;
    let (span, created, modified) = item_checks(start, end, &quote, &created, &modified, doc).map_err(|why| (id.to_string(), why))?;
    Ok(Annotation { id, label, span, created, modified, note, attrs: attributes })
}

/// [`check_item`]'s checks of the range, the quote and the times.
fn item_checks(start: i64, end: i64, quote: &QuoteIn<'_>, created: &str, modified: &str, doc: &Document) -> Result<(Span, Timestamp, Timestamp), String> {
    let len = doc.len_cp();
    if start < 0 || end < 0 {
        return Err(format!("negative offset ({start}..{end})"));
    }
    let (start, end) = (start as usize, end as usize);
    let span = Span::new(start, end, len).map_err(|e| e.to_string())?;
    let (expected, (start_byte, end_byte)) = QuoteOut::with_bytes(doc.text(), start, end).ok_or("range is outside the text")?;
    for (which, at, byte) in [("start", start, start_byte), ("end", end, end_byte)] {
        if !is_cluster_boundary_at_byte(doc.text().as_str(), byte) {
            return Err(format!(
                "its {which} ({at}) falls inside a character: between the parts of an emoji sequence or flag, \
                 or between a letter and its combining marks; spantag never splits a character"
            ));
        }
    }
    if quote.exact != expected.exact {
        return Err(format!("quote {} does not match the text at {start}..{end}, which is {}", excerpt(&quote.exact), excerpt(expected.exact)));
    }
    if !expected.prefix.ends_with(&*quote.prefix) || !expected.suffix.starts_with(&*quote.suffix) {
        return Err(format!("the quote's context does not match the text around {start}..{end}"));
    }
    Ok((span, Timestamp::parse_rfc3339(created)?, Timestamp::parse_rfc3339(modified)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../../../seeds/000_b394ad186b713fdd.txt");

    fn ann(id: &str, label: &str, start: usize, end: usize) -> Annotation {
        let mut a = Annotation::new(AnnId::new(id).unwrap(), label, Span::new(start, end, usize::MAX).unwrap(), Timestamp(1_700_000_000_000));
        a.modified = Timestamp(1_700_000_000_500);
        a
    }

    fn find(doc: &Document, needle: &str) -> (usize, usize) {
        let byte = doc.text().as_str().find(needle).unwrap();
        let start = crate::model::offsets::cp_len(&doc.text().as_str()[..byte]);
        (start, start + crate::model::offsets::cp_len(needle))
    }

    #[test]
    fn item_id_is_what_serde_json_value_gives() {
        let value_id = |json: &str| {
            serde_json::from_str::<serde_json::Value>(json).ok().and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
        };
        let cases = [
            r#"{"id": "a1", "start": 1.5}"#,
            r#"{"start": -3, "id": "a\u00e9\"b", "quote": {"id": "inner"}}"#,
            r#"{"id": 7}"#,
            r#"{"id": null}"#,
            r#"{"id": ["x"]}"#,
            r#"{"id": {"id": "x"}}"#,
            r#"{"id": "first", "id": "second"}"#,
            r#"{"id": "first", "id": 2}"#,
            r#"{"x": [1, 2, {"id": "nested"}], "id": "outer"}"#,
            r#"{"id": "big", "n": 1e400}"#,
            r#"{"id": "deep", "n": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
            r#"{"id": "bad \ud800 escape"}"#,
            r#"{"id": "trailing"} x"#,
            r#"["id", "x"]"#,
            r#""id""#,
            r#"{}"#,
            r#"{"$serde_json::private::RawValue": "{\"id\": \"raw\"}"}"#,
            r#"{"$serde_json::private::RawValue": "{\"id\": \"raw\"}", "id": "after"}"#,
            r#"{"$serde_json::private::RawValue": "[1"}"#,
            r#"{"$serde_json::private::RawValue": 5}"#,
            r#"{"id": "x", "q": {"$serde_json::private::RawValue": "{\"a\": 1}"}}"#,
            r#"{"id": "x", "q": {"$serde_json::private::RawValue": "{\"a\": "}}"#,
            r#"{"a": {"$serde_json::private::RawValue": "\"s\""}, "id": "y"}"#,
        ];
        for json in cases {
            assert_eq!(item_id(json), value_id(json), "{json}");
        }
        assert_eq!(item_id(r#"{"id": "a1", "start": 1.5}"#).as_deref(), Some("a1"));
        assert_eq!(item_id(r#"{"$serde_json::private::RawValue": "{\"id\": \"raw\"}"}"#).as_deref(), Some("raw"));
    }

    #[test]
    fn seed_export_import_export_is_identical() {
        let doc = Document::from_text(SEED);
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let (s, e) = find(&doc, "Benjamin Netanyahu");
        set.apply(Action::Add(ann("a1", "Actor", s, e))).unwrap();
        let (s, e) = find(&doc, "canceled a high-stakes delegation visit");
        set.apply(Action::Add(ann("a2", "Event", s, e))).unwrap();
        let first = export(&doc, &set);
        let back = import(&first, &Schema::news()).unwrap();
        assert!(back.refused.is_empty());
        assert_eq!(back.annotations, set);
        assert_eq!(back.document, doc);
        assert_eq!(export(&back.document, &back.annotations), first);
        let v: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!(v["annotations"][0]["quote"]["exact"], "Benjamin Netanyahu");
        assert_eq!(v["annotations"][0]["quote"]["prefix"], " date 2024-03-26 Israeli Prime Minister ".chars().rev().take(32).collect::<Vec<_>>().into_iter().rev().collect::<String>());
        assert_eq!(v["offset_unit"], "codepoint");
        assert_eq!(v["document"]["length"], doc.len_cp());
    }

    #[test]
    fn emoji_and_cjk_quotes_are_code_point_slices() {
        let text = "👩‍👩‍👧 家族 met 🇺🇦 Zelenskyy, cafe\u{301}.";
        let doc = Document::from_text(text);
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let (s, e) = find(&doc, "家族");
        set.apply(Action::Add(ann("x", "Actor", s, e))).unwrap();
        let (s, e) = find(&doc, "Zelenskyy");
        set.apply(Action::Add(ann("y", "Actor", s, e))).unwrap();
        let json = export(&doc, &set);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for a in v["annotations"].as_array().unwrap() {
            let (s, e) = (a["start"].as_u64().unwrap() as usize, a["end"].as_u64().unwrap() as usize);
            let sliced: String = text.chars().skip(s).take(e - s).collect();
            assert_eq!(a["quote"]["exact"], sliced.as_str());
        }
        assert_eq!(v["annotations"][0]["start"], 6, "the family emoji is 5 code points, then a space");
        let back = import(&json, &Schema::news()).unwrap();
        assert_eq!(export(&back.document, &back.annotations), json);
    }

    #[test]
    fn bad_items_are_refused_with_reasons_and_the_rest_import() {
        let doc = Document::from_text("Kirby said the policy has not changed.");
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        set.apply(Action::Add(ann("ok", "Actor", 0, 5))).unwrap();
        let json = export(&doc, &set);
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let good = v["annotations"][0].clone();
        let mut items = vec![good.clone()];
        let mut push = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut a = good.clone();
            a["id"] = format!("bad{}", items.len()).into();
            f(&mut a);
            items.push(a);
        };
        push(&|a| a["start"] = (-1).into());
        push(&|a| a["end"] = 0.into());
        push(&|a| a["end"] = 999.into());
        push(&|a| a["quote"]["exact"] = "Biden".into());
        push(&|a| a["label"] = "Place".into());
        push(&|a| a["created"] = "yesterday".into());
        push(&|a| a["id"] = "ok".into());
        push(&|a| {
            a.as_object_mut().unwrap().remove("quote");
        });
        v["annotations"] = items.into();
        let back = import(&v.to_string(), &Schema::news()).unwrap();
        assert_eq!(back.annotations.len(), 1);
        let reasons: Vec<String> = back.refused.iter().map(|r| r.to_string()).collect();
        assert_eq!(reasons.len(), 8, "{reasons:#?}");
        assert!(reasons[0].contains("negative offset"), "{}", reasons[0]);
        assert!(reasons[1].contains("not before end"), "{}", reasons[1]);
        assert!(reasons[2].contains("past the end"), "{}", reasons[2]);
        assert!(reasons[3].contains("does not match the text"), "{}", reasons[3]);
        assert!(reasons[4].contains("unknown label"), "{}", reasons[4]);
        assert!(reasons[5].contains("RFC 3339"), "{}", reasons[5]);
        assert!(reasons[6].contains("used twice"), "{}", reasons[6]);
        assert!(reasons[7].contains("missing field `quote`"), "{}", reasons[7]);
    }

    #[test]
    fn a_real_v1_file_migrates_to_v2() {
        let v1 = include_str!("../../tests/fixtures/v1/seed.spantag.json");
        let back = import(v1, &Schema::news()).unwrap();
        assert_eq!(back.version, 1);
        assert!(back.refused.is_empty(), "{:?}", back.refused);
        assert_eq!(back.annotations.len(), 7);
        assert!(back.annotations.relations().is_empty() && back.annotations.entities().is_empty());
        let v2 = export(&back.document, &back.annotations);
        assert!(v2.contains("\"version\": 2"));
        let again = import(&v2, &Schema::news()).unwrap();
        assert_eq!(again.version, 2);
        assert_eq!(again.annotations, back.annotations);
        assert_eq!(export(&again.document, &again.annotations), v2);
    }

    #[test]
    fn the_one_pass_and_the_careful_way_read_the_same() {
        let doc = Document::from_text(SEED);
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let id = |s: &str| AnnId::new(s).unwrap();
        let (s, e) = find(&doc, "Benjamin Netanyahu");
        set.apply(Action::Add(ann("a1", "Actor", s, e))).unwrap();
        let (s, e) = find(&doc, "canceled a high-stakes delegation visit");
        let mut ev = ann("e1", "Event", s, e);
        ev.note = "a note \u{1F44D}".into();
        ev.attrs.insert("modality".into(), "occurred".into());
        set.apply(Action::Add(ev)).unwrap();
        set.apply(Action::PutEntity(Entity { id: id("E1"), name: "Netanyahu".into(), kind: String::new(), members: vec![id("a1")] })).unwrap();
        set.apply(Action::Link(Relation { id: id("r1"), kind: "source".into(), from: id("e1"), to: id("E1") })).unwrap();
        let json = export(&doc, &set);
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        // One refused item, so that both ways also report refusals.
        v["annotations"].as_array_mut().unwrap().push(serde_json::json!({"id": "bad", "label": "Actor"}));
        let one_pass = v.to_string();
        assert!(serde_json::from_str::<FileWhole>(&one_pass).is_err(), "a bad item is not read in one pass");
        v["annotations"].as_array_mut().unwrap().pop();
        let one_pass = v.to_string();
        assert!(serde_json::from_str::<FileWhole>(&one_pass).is_ok(), "an export is read in one pass");
        // An unknown field anywhere sends a file the careful way.
        v["annotations"][0]["x-extra"] = serde_json::json!(1);
        let careful = v.to_string();
        assert!(serde_json::from_str::<FileWhole>(&careful).is_err());
        let (a, b) = (import(&one_pass, &Schema::news()).unwrap(), import(&careful, &Schema::news()).unwrap());
        assert_eq!(a.document, b.document);
        assert_eq!(a.annotations, b.annotations);
        assert_eq!(a.annotations, set);
        assert_eq!((a.refused, a.version), (b.refused, b.version));
        // A key twice in what the one pass does not use (labels) is still refused.
        let twice = json.replacen("\"labels\": [", "\"labels\": [{\"id\": 1, \"id\": 2}, ", 1);
        assert_ne!(twice, json);
        assert!(import(&twice, &Schema::news()).unwrap_err().to_string().contains("the key \"id\" appears twice in one object"));
    }

    #[test]
    fn v2_round_trips_relations_entities_notes_and_attributes() {
        let doc = Document::from_text(SEED);
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let id = |s: &str| AnnId::new(s).unwrap();
        let (s, e) = find(&doc, "Benjamin Netanyahu");
        set.apply(Action::Add(ann("a1", "Actor", s, e))).unwrap();
        let (s, e) = find(&doc, "Netanyahu's office");
        set.apply(Action::Add(ann("a2", "Actor", s, e))).unwrap();
        let (s, e) = find(&doc, "canceled a high-stakes delegation visit");
        let mut ev = ann("e1", "Event", s, e);
        ev.note = "<img src=x onerror=alert(1)> \u{1F44D}".into();
        ev.attrs.insert("modality".into(), "occurred".into());
        set.apply(Action::Add(ev)).unwrap();
        set.apply(Action::PutEntity(Entity { id: id("E1"), name: "Benjamin Netanyahu".into(), kind: "government official".into(), members: vec![id("a2"), id("a1")] })).unwrap();
        set.apply(Action::Link(Relation { id: id("r1"), kind: "source".into(), from: id("e1"), to: id("E1") })).unwrap();
        let json = export(&doc, &set);
        let back = import(&json, &Schema::news()).unwrap();
        assert!(back.refused.is_empty(), "{:?}", back.refused);
        assert_eq!(back.annotations, set);
        assert_eq!(export(&back.document, &back.annotations), json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["relations"][0], serde_json::json!({"id": "r1", "kind": "source", "from": "e1", "to": "E1"}));
        assert_eq!(v["entities"][0]["type"], "government official");
        // A relation to something missing, or against the schema, is refused with a reason.
        let mut bad = v.clone();
        bad["relations"] = serde_json::json!([{"id": "r1", "kind": "source", "from": "e1", "to": "gone"}, {"id": "r2", "kind": "claimer", "from": "e1", "to": "a1"}]);
        let back = import(&bad.to_string(), &Schema::news()).unwrap();
        assert!(back.annotations.relations().is_empty());
        let reasons: Vec<String> = back.refused.iter().map(ToString::to_string).collect();
        assert!(reasons[0].starts_with("relation 1 (\"r1\"): nothing has the id \"gone\""), "{reasons:?}");
        assert!(reasons[1].contains("slot of Claim, not of Event"), "{reasons:?}");
    }


    #[test]
    fn duplicate_keys_anywhere_are_a_clear_error() {
        let doc = Document::from_text("Kirby said so.");
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let mut a = ann("a1", "Event", 6, 10);
        a.attrs.insert("modality".into(), "occurred".into());
        set.apply(Action::Add(a)).unwrap();
        let json = export(&doc, &set);
        assert!(import(&json, &Schema::news()).is_ok());
        // Two values for one attribute: serde would keep the last one silently.
        let twice = json.replace("\"modality\": \"occurred\"", "\"modality\": \"occurred\", \"modality\": \"threatened\"");
        let err = import(&twice, &Schema::news()).unwrap_err();
        assert!(matches!(err, ImportError::BadShape(_)), "{err:?}");
        assert!(err.to_string().contains("the key \"modality\" appears twice in one object"), "{err}");
        // Even the repeats of a key that spantag ignores.
        let ignored = json.replacen('{', "{\"x-note\": 1, \"x-note\": 2,", 1);
        assert!(import(&ignored, &Schema::news()).unwrap_err().to_string().contains("\"x-note\" appears twice"));
    }

    #[test]
    fn labels_get_the_whole_files_depth_and_key_checks() {
        // The one-pass read keeps `labels` raw and checks it on its own: the verdicts
        // and sentences must be those of checking the whole file.
        let doc = Document::from_text("Kirby said so.");
        let json = export(&doc, &AnnotationSet::new(doc.len_cp(), Schema::news()));
        assert!(json.contains("\"labels\": ["), "the export writes labels");
        let with_labels = |labels: &str| {
            let start = json.find("\"labels\": ").unwrap() + "\"labels\": ".len();
            let end = start + json[start..].find("\n  ],").unwrap() + "\n  ]".len();
            format!("{}{labels}{}", &json[..start], &json[end..])
        };
        assert!(import(&with_labels("[]"), &Schema::news()).is_ok());
        // 63 levels inside labels: 64 in the file, the limit; one more is refused.
        for (inner, ok) in [(63, true), (64, false)] {
            let file = with_labels(&format!("{}{}", "[".repeat(inner), "]".repeat(inner)));
            let whole = crate::formats::check_depth(&file);
            assert_eq!(whole.is_ok(), ok, "{inner} levels inside labels");
            match import(&file, &Schema::news()) {
                Ok(_) => assert!(ok, "{inner} levels inside labels are refused"),
                Err(err) => {
                    assert!(!ok, "{inner} levels inside labels: {err}");
                    assert_eq!(err, ImportError::NotJson(whole.unwrap_err()), "the sentence of the whole file's check");
                }
            }
        }
        let twice = with_labels(r#"[{"id": "Actor", "id": "Event"}]"#);
        let err = import(&twice, &Schema::news()).unwrap_err();
        assert!(matches!(err, ImportError::BadShape(_)), "{err:?}");
        assert!(err.to_string().contains("the key \"id\" appears twice in one object"), "{err}");
    }

    #[test]
    fn offsets_inside_a_grapheme_cluster_are_refused_with_a_reason() {
        let text = "cafe\u{301} 👍🏽 🇺🇦 ok";
        let doc = Document::from_text(text);
        let set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let mut v: serde_json::Value = serde_json::from_str(&export(&doc, &set)).unwrap();
        let cps: Vec<char> = text.chars().collect();
        let q = |s: usize, e: usize| -> serde_json::Value {
            let sl = |a: usize, b: usize| cps[a..b].iter().collect::<String>();
            serde_json::json!({"exact": sl(s, e), "prefix": sl(s.saturating_sub(32), s), "suffix": sl(e, (e + 32).min(cps.len()))})
        };
        let item = |id: &str, s: usize, e: usize| serde_json::json!({"id": id, "label": "Actor", "start": s, "end": e, "quote": q(s, e),
            "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z"});
        v["annotations"] = serde_json::json!([
            item("whole", 0, 5),       // "café" with its combining accent
            item("e-only", 0, 4),      // "cafe" without it: splits e + U+0301
            item("thumb", 6, 7),       // the thumb without its skin tone
            item("tone", 7, 8),        // the skin tone alone
            item("half-flag", 9, 10),  // one regional indicator of 🇺🇦
            item("flag", 9, 11),
        ]);
        let back = import(&v.to_string(), &Schema::news()).unwrap();
        let kept: Vec<&str> = back.annotations.items().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(kept, ["whole", "flag"]);
        let reasons: Vec<String> = back.refused.iter().map(ToString::to_string).collect();
        assert_eq!(reasons.len(), 4, "{reasons:#?}");
        assert!(reasons.iter().all(|r| r.contains("falls inside a character")), "{reasons:#?}");
        assert!(!export(&back.document, &back.annotations).contains('\u{FFFD}'));
    }

    #[test]
    fn whole_file_errors_are_clear() {
        let labels = Schema::news();
        assert!(matches!(import("{not json", &labels), Err(ImportError::NotJson(_))));
        assert!(matches!(import("[1,2]", &labels), Err(ImportError::NotSpantag(_))));
        assert!(matches!(import(r#"{"format":"brat"}"#, &labels), Err(ImportError::NotSpantag(_))));
        assert_eq!(import(r#"{"format":"spantag","version":7}"#, &labels).unwrap_err(), ImportError::NewerVersion(7));
        let deep = format!("{{\"format\":\"spantag\",\"version\":1,\"x\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        let err = import(&deep, &labels).unwrap_err();
        assert!(err.to_string().contains("nested deeper than"), "depth is bounded, no stack overflow: {err}");
        let big = " ".repeat(MAX_IMPORT_BYTES + 1);
        assert!(matches!(import(&big, &labels), Err(ImportError::TooLarge { .. })));
        let doc = Document::from_text("abc");
        let json = export(&doc, &AnnotationSet::new(3, labels.clone())).replace("\"text\": \"abc\"", "\"text\": \"abd\"");
        let err = import(&json, &labels).unwrap_err();
        assert!(err.to_string().contains("does not match its text"), "{err}");
        let dup = r#"{"format":"spantag","format":"spantag","version":1}"#;
        assert!(import(dup, &labels).is_err(), "duplicate keys are an error");
        assert!(import(r#"{"format":"spantag","version":1,"offset_unit":"codepoint","document":{"id":"x","title":"","length":1,"text":"\ud800"},"labels":[],"annotations":[]}"#, &labels).is_err(), "a lone surrogate is a parse error");
    }
}
