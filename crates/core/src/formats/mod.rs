//! Adapters between the model and files.
//!
//! Each adapter is pure: text in, model out (with an itemised report of what it
//! refused), or model in, text out. None touches the DOM or storage, so each is
//! tested natively on its own.
//!
//! What every importer guarantees, whatever the format: nothing in a file is read
//! by guessing. A JSON object with a key given twice refuses the file, naming the
//! key and its line (as the native reader does); an id given to two items refuses
//! the later item and every reference to the id (`FileIds`), naming both items.
//! A message quotes at most [`EXCERPT_CPS`] code points of any text ([`excerpt`]),
//! never a whole document. Offsets that are no range in any text (negative, start
//! after end, empty) refuse the item for that reason; only ranges and quotes that do
//! not fit the text count towards "a different document". A file that is not UTF-8
//! is refused as such, with the byte offset, whatever its name says.

pub mod events_csv;
pub mod brat;
pub mod conll;
pub mod doccano;
pub mod labelstudio;
pub mod native;
pub mod prodigy;
pub mod rehearsal;
pub mod w3c;

/// The largest file any importer reads. It is checked before parsing, so a huge
/// file is refused at once instead of freezing the page. An L-size document
/// (1M characters, 10,000 annotations) is about 4 MB.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// A size in megabytes with one decimal ("50.3"), without float formatting (which
/// would add its tables to the wasm bundle).
pub fn megabytes(n_bytes: usize) -> String {
    let tenths = (n_bytes as u64 * 10 + 524_288) / 1_048_576;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Code points of a text that a message quotes at most.
pub const EXCERPT_CPS: usize = 60;

/// A text as a message quotes it: in quotes (escaped as `{:?}` does), and if it is
/// longer than [`EXCERPT_CPS`] code points, only its first ones, cut on a code
/// point, followed by `…` and its length. A message never holds a whole document
/// (or a whole line of a file), however long.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CPS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} code points)", &text[..cut], text.chars().count()),
    }
}

/// One item an importer refused, and why. The other items still import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRefusal {
    /// What the item is ("annotation", "relation", "entity").
    pub kind: &'static str,
    /// Position of the item in its list in the file (0-based).
    pub index: usize,
    /// The item's id, if it had a readable one.
    pub id: Option<String>,
    /// Why, as a sentence for the person.
    pub reason: String,
}

impl std::fmt::Display for ItemRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} {} (\"{}\"): {}", self.kind, self.index + 1, id, self.reason),
            None => write!(f, "{} {}: {}", self.kind, self.index + 1, self.reason),
        }
    }
}

/// The deepest nesting of arrays and objects any importer accepts. spantag's own
/// files nest 4 deep; the margin leaves room for other tools' shapes.
pub const MAX_DEPTH: usize = 64;

/// Checks, in one pass and without recursion, that JSON `text` nests no deeper than
/// [`MAX_DEPTH`], so that a hostile file cannot exhaust the stack of any parser.
///
/// # Errors
/// A sentence naming the depth limit and where it was passed.
pub fn check_depth(text: &str) -> Result<(), String> {
    check_depth_within(text, 0, 0)
}

/// [`check_depth`] of a value that lies in a larger text at `offset` bytes, already
/// `depth` levels deep: the same verdict, and the same sentence, as checking the whole
/// text would give for that value.
///
/// # Errors
/// As [`check_depth`].
pub(crate) fn check_depth_within(text: &str, mut depth: usize, offset: usize) -> Result<(), String> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("it is nested deeper than {MAX_DEPTH} levels (at byte {})", offset + i));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

use std::rc::Rc;

use self::native::{ImportError, Imported};
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Relation, Schema, Span, Timestamp};

/// Every format spantag exports and imports.
///
/// The hard part is that every other tool holds less than spantag and counts
/// differently. [`export`] therefore says, in [`Exported::notes`], everything a
/// format left out, and [`import`] checks every span against the text (range,
/// quote) in the format's own unit before anything reaches the model. The formats
/// and what each loses are listed in `docs/formats.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// spantag's own JSON: lossless.
    Native,
    /// W3C Web Annotation (JSON-LD), an `AnnotationCollection`.
    W3c,
    /// brat standoff: the `.txt`, the `.ann` and an `annotation.conf`, in a zip.
    Brat,
    /// doccano JSONL, relation-extraction shape (`entities` and `relations`).
    Doccano,
    /// doccano JSONL, sequence-labelling shape (`label: [[s, e, "L"]]`).
    DoccanoSeq,
    /// Label Studio JSON tasks, with the labeling config as a second file.
    LabelStudio,
    /// Prodigy JSONL: tokens, spans and relations.
    Prodigy,
    /// CoNLL BIO: one token per line with its tag.
    Conll,
}

impl Format {
    /// Every format, in menu order.
    pub const ALL: [Format; 8] =
        [Format::Native, Format::W3c, Format::Brat, Format::Doccano, Format::DoccanoSeq, Format::LabelStudio, Format::Prodigy, Format::Conll];

    /// The file types the import input accepts, for `<input accept>`.
    pub const ACCEPT: &'static str =
        ".json,.jsonld,.jsonl,.zip,.ann,.conll,.bio,.iob,application/json,application/ld+json,application/zip";

    /// A stable id, used as the menu value.
    pub fn id(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::W3c => "w3c",
            Format::Brat => "brat",
            Format::Doccano => "doccano",
            Format::DoccanoSeq => "doccano-seq",
            Format::LabelStudio => "labelstudio",
            Format::Prodigy => "prodigy",
            Format::Conll => "conll",
        }
    }

    /// The format with this id.
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The name shown in the menu.
    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "spantag JSON (lossless)",
            Format::W3c => "W3C Web Annotation",
            Format::Brat => "brat standoff (zip)",
            Format::Doccano => "doccano JSONL (relations)",
            Format::DoccanoSeq => "doccano JSONL (sequence labelling)",
            Format::LabelStudio => "Label Studio JSON",
            Format::Prodigy => "Prodigy JSONL",
            Format::Conll => "CoNLL BIO",
        }
    }

    /// The names of the files an export writes for a document with this slug, the
    /// main file first. Each name says the format.
    pub fn file_names(self, slug: &str) -> Vec<String> {
        match self {
            Format::Native => vec![format!("{slug}.spantag.json")],
            Format::W3c => vec![format!("{slug}.w3c.jsonld")],
            Format::Brat => vec![format!("{slug}.brat.zip")],
            Format::Doccano => vec![format!("{slug}.doccano.jsonl")],
            Format::DoccanoSeq => vec![format!("{slug}.doccano-seq.jsonl")],
            Format::LabelStudio => vec![format!("{slug}.labelstudio.json"), format!("{slug}.labelstudio-config.xml")],
            Format::Prodigy => vec![format!("{slug}.prodigy.jsonl")],
            Format::Conll => vec![format!("{slug}.conll")],
        }
    }
}

/// One exported file: its name, MIME type and bytes.
pub type ExportFile = (String, &'static str, Vec<u8>);

/// What an export wrote, and what it had to leave out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The files, the main one first.
    pub files: Vec<ExportFile>,
    /// Sentences for the person: everything the format could not hold, item by item
    /// where items were left out. Empty when nothing was lost.
    pub notes: Vec<String>,
}

/// Exports a document and its annotations in `format`. Never fails: what the format
/// cannot hold is listed in [`Exported::notes`].
pub fn export(format: Format, doc: &Document, set: &AnnotationSet) -> Exported {
    let names = format.file_names(&doc.slug());
    let main = names[0].clone();
    let json = "application/json";
    let jsonl = "application/jsonl";
    let (files, notes) = match format {
        Format::Native => (vec![(main, json, native::export(doc, set).into_bytes())], Vec::new()),
        Format::W3c => (vec![(main, "application/ld+json", w3c::export(doc, set).into_bytes())], w3c::LOSES.notes(set, "W3C Web Annotation")),
        Format::Brat => (vec![(main, "application/zip", brat::export_zip(doc, set))], brat::notes(set)),
        Format::Doccano => (vec![(main, jsonl, doccano::export(doc, set).into_bytes())], doccano::LOSES.notes(set, "doccano JSONL")),
        Format::DoccanoSeq => {
            (vec![(main, jsonl, doccano::export_seq(doc, set).into_bytes())], doccano::LOSES_SEQ.notes(set, "doccano sequence labelling"))
        }
        Format::LabelStudio => (
            vec![
                (main, json, labelstudio::export(doc, set).into_bytes()),
                (names[1].clone(), "application/xml", labelstudio::config(set.schema()).into_bytes()),
            ],
            labelstudio::LOSES.notes(set, "Label Studio JSON"),
        ),
        Format::Prodigy => (vec![(main, jsonl, prodigy::export(doc, set).into_bytes())], prodigy::LOSES.notes(set, "Prodigy JSONL")),
        Format::Conll => {
            let (text, notes) = conll::export(doc, set);
            (vec![(main, "text/plain", text.into_bytes())], notes)
        }
    };
    Exported { files, notes }
}

/// Which format a file is in, from its name and its first bytes.
pub fn detect(bytes: &[u8], file_name: &str) -> Option<Format> {
    let name = file_name.to_ascii_lowercase();
    if bytes.starts_with(b"PK") || name.ends_with(".zip") || name.ends_with(".ann") {
        return Some(Format::Brat);
    }
    if [".conll", ".bio", ".iob", ".conll2003"].iter().any(|e| name.ends_with(e)) {
        return Some(Format::Conll);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let head = text.strip_prefix('\u{feff}').unwrap_or(text).trim_start();
    if head.starts_with('{') || head.starts_with('[') {
        // The first record's keys: each tool's shape has its own.
        let probe = if name.ends_with(".jsonl") { head.lines().next().unwrap_or("") } else { head };
        let has = |key: &str| probe.contains(&format!("\"{key}\""));
        return if has("format") && probe.contains("\"spantag\"") {
            Some(Format::Native)
        } else if has("@context") {
            Some(Format::W3c)
        } else if has("tokens") || has("token_start") {
            Some(Format::Prodigy)
        } else if has("data") && (has("annotations") || has("predictions")) {
            Some(Format::LabelStudio)
        } else if has("entities") || has("relations") {
            Some(Format::Doccano)
        } else if has("label") || has("labels") {
            Some(Format::DoccanoSeq)
        } else if has("spans") {
            Some(Format::Prodigy)
        } else {
            None
        };
    }
    // Whitespace-separated token and tag lines.
    let mut lines = head.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("-DOCSTART-")).take(20).peekable();
    let some = lines.peek().is_some();
    let tagged = lines.all(|l| {
        let tag = l.split_whitespace().last().unwrap_or("");
        l.split_whitespace().count() >= 2 && (tag == "O" || tag.len() > 2 && matches!(tag.get(..2), Some("B-" | "I-" | "E-" | "S-" | "L-" | "U-")))
    });
    (some && tagged).then_some(Format::Conll)
}

/// The checks every import makes before reading: the size, then the format. A file
/// that is not UTF-8 and is not a zip is refused as such here: every format but the
/// zip is UTF-8 text, and the format of bytes that are not text cannot be told.
///
/// # Errors
/// [`ImportError::TooLarge`], [`ImportError::NotUtf8`] or [`ImportError::Unrecognised`].
pub fn sniff(bytes: &[u8], file_name: &str) -> Result<Format, ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge { n_bytes: bytes.len() });
    }
    if !bytes.starts_with(b"PK") {
        std::str::from_utf8(bytes).map_err(|e| ImportError::not_utf8(bytes, e))?;
    }
    detect(bytes, file_name).ok_or_else(|| {
        ImportError::Unrecognised(format!(
            "\"{file_name}\" is none of spantag JSON, W3C Web Annotation, brat, doccano, Label Studio, Prodigy or CoNLL"
        ))
    })
}

/// The file's text: UTF-8, without a byte order mark.
fn utf8(bytes: &[u8]) -> Result<&str, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::not_utf8(bytes, e))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Reads a file that [`sniff`] found to be spantag JSON. This and [`sniff`] are all
/// the main bundle links of the import side; the other formats run in the formats
/// worker (`src/bin/formats_worker.rs`, through [`import_to_native`]).
///
/// # Errors
/// As [`native::import`].
pub fn import_native(bytes: &[u8], schema: &Rc<Schema>) -> Result<Imported, ImportError> {
    native::import(utf8(bytes)?, schema)
}

/// Imports a file in any format spantag reads, detecting the format from the name
/// and the content. Formats that do not carry the text (W3C, a lone brat `.ann`,
/// CoNLL) are read against `current`, and refused as a different document if their
/// spans do not fit its text.
///
/// # Errors
/// An [`ImportError`] if the file as a whole cannot be read; single bad items are
/// in [`Imported::refused`] instead.
pub fn import(bytes: &[u8], file_name: &str, schema: &Rc<Schema>, current: &Document) -> Result<Imported, ImportError> {
    let format = sniff(bytes, file_name)?;
    if format == Format::Brat {
        return brat::import(bytes, file_name, schema, current);
    }
    let text = utf8(bytes)?;
    match format {
        Format::Native | Format::Brat => native::import(text, schema),
        Format::W3c => w3c::import(text, schema, current),
        Format::Doccano | Format::DoccanoSeq => doccano::import(text, schema, current),
        Format::LabelStudio => labelstudio::import(text, schema, current),
        Format::Prodigy => prodigy::import(text, schema, current),
        Format::Conll => conll::import(text, schema, current),
    }
}

/// The formats worker's export: the document and its annotations arrive as native
/// JSON (what the main thread already writes), and leave as `format`'s files.
///
/// # Errors
/// A sentence, if the native JSON does not read back (it always should).
pub fn export_from_native(format: Format, native_json: &str) -> Result<Exported, String> {
    let back = native::import(native_json, &Schema::news()).map_err(|e| e.to_string())?;
    Ok(export(format, &back.document, &back.annotations))
}

/// The formats worker's import: reads a file in any format against the open
/// document (its title and text), and answers with native JSON, which the main
/// thread reads with [`native::import`], and the items refused on the way.
///
/// # Errors
/// Why the whole file was refused, as [`ImportError`]'s sentence.
pub fn import_to_native(bytes: &[u8], file_name: &str, current_title: &str, current_text: &str) -> Result<(String, Vec<ItemRefusal>), String> {
    let current = Document::new(current_title, current_text);
    let imported = import(bytes, file_name, &Schema::news(), &current).map_err(|e| e.to_string())?;
    Ok((native::export(&imported.document, &imported.annotations), imported.refused))
}

/// Parses JSON after the depth check every importer makes, refusing an object that
/// has a key twice.
fn parse_json(text: &str, format: Format) -> Result<serde_json::Value, ImportError> {
    check_depth(text).map_err(ImportError::NotJson)?;
    unique_keys(text, format, None)?;
    serde_json::from_str(text).map_err(|e| ImportError::Invalid(format.name(), format!("it is not JSON ({e})")))
}

/// Parses JSON Lines (one JSON value per non-empty line), or a JSON array of records,
/// refusing an object that has a key twice.
fn parse_records(text: &str, format: Format) -> Result<Vec<serde_json::Value>, ImportError> {
    check_depth(text).map_err(ImportError::NotJson)?;
    if text.trim_start().starts_with('[') {
        return match parse_json(text, format)? {
            serde_json::Value::Array(items) => Ok(items),
            _ => Err(ImportError::Invalid(format.name(), "it is not a list of records".into())),
        };
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            unique_keys(l, format, Some(n + 1))?;
            serde_json::from_str(l).map_err(|e| ImportError::Invalid(format.name(), format!("line {} is not JSON ({e})", n + 1)))
        })
        .collect()
}

/// Refuses JSON in which an object has the same key twice: `serde_json::Value`
/// would keep the last value silently (a doccano entity with two labels would be
/// the second), so the file could hide a value. The check is the native reader's
/// (`native::check_unique_keys`), so every JSON importer refuses what it refuses.
/// `line` is the line of the file that `json` is, for JSON Lines; a syntax error
/// gets the sentence the parse would give.
///
/// # Errors
/// [`ImportError::Invalid`] naming the key and where it is given again.
fn unique_keys(json: &str, format: Format, line: Option<usize>) -> Result<(), ImportError> {
    native::check_unique_keys(json).map_err(|e| {
        let (n_line, column) = (line.unwrap_or(e.line()), e.column());
        if e.is_syntax() || e.is_eof() {
            let why = if line.is_some() { format!("line {n_line} is not JSON ({e})") } else { format!("it is not JSON ({e})") };
            return ImportError::Invalid(format.name(), why);
        }
        // serde_json ends the sentence with its own position, which for JSON Lines is
        // the line's; the file's is given instead.
        let full = e.to_string();
        let what = full.rsplit_once(" at line ").map_or(full.as_str(), |(what, _)| what);
        ImportError::Invalid(format.name(), format!("{what} (line {n_line}, column {column}); spantag does not guess which value is meant"))
    })
}

/// The ids a file gives its items, and the ones it gives more than one item.
///
/// The hard part: a reference to an id that two items carry could mean either, and
/// taking the first or the last would silently attach a relation, an entity member,
/// an attribute or a note to the wrong span. So the first item with an id keeps it,
/// each later item with the same id is refused ([`FileIds::repeat`]), and every
/// reference to an id given twice is refused too ([`FileIds::ambiguous`]), each
/// with a sentence naming the id and the items that carry it.
#[derive(Debug, Default)]
pub(crate) struct FileIds {
    /// Each id, and the items that carry it (kind and 0-based index, as in
    /// [`ItemRefusal`]) in file order.
    holders: std::collections::BTreeMap<String, Vec<(&'static str, usize)>>,
}

impl FileIds {
    /// The ids of a file's items, each given as (id, kind, index) in file order.
    pub(crate) fn new<S: Into<String>>(items: impl IntoIterator<Item = (S, &'static str, usize)>) -> FileIds {
        let mut ids = FileIds::default();
        for (id, kind, index) in items {
            ids.holders.entry(id.into()).or_default().push((kind, index));
        }
        ids
    }

    /// Why the item `kind` `index` may not have `id`: an earlier item has it.
    pub(crate) fn repeat(&self, id: &str, kind: &'static str, index: usize) -> Option<String> {
        let first = *self.holders.get(id)?.first()?;
        (first != (kind, index)).then(|| format!("\"{id}\" is already the id of {} {}; an id names one item", first.0, first.1 + 1))
    }

    /// Why a reference to `id` cannot be followed: more than one item has it.
    pub(crate) fn ambiguous(&self, id: &str) -> Option<String> {
        let holders = self.holders.get(id).filter(|h| h.len() > 1)?;
        let named: Vec<String> = holders.iter().map(|(kind, index)| format!("{kind} {}", index + 1)).collect();
        Some(format!("\"{id}\" is the id of {} items of the file ({}), so which one it means is ambiguous", holders.len(), named.join(", ")))
    }
}

/// Picks the record whose text is the current document's, else the first; the
/// others are reported as refused documents, since spantag opens one at a time.
fn pick_record(
    records: Vec<serde_json::Value>,
    text_of: impl Fn(&serde_json::Value) -> Option<&str>,
    current: &Document,
    format: Format,
) -> Result<(serde_json::Value, Vec<ItemRefusal>), ImportError> {
    if records.is_empty() {
        return Err(ImportError::Invalid(format.name(), "it holds no document".into()));
    }
    let idx = records.iter().position(|r| text_of(r) == Some(current.text().as_str())).unwrap_or(0);
    let refused = (0..records.len())
        .filter(|&i| i != idx)
        .map(|index| ItemRefusal {
            kind: "document",
            index,
            id: None,
            reason: format!("the file holds {} documents; spantag opens one at a time, and took document {}", records.len(), idx + 1),
        })
        .collect();
    let record = records.into_iter().nth(idx).expect("idx is in range");
    Ok((record, refused))
}

/// What a format can hold, for the notes an export adds about what it left out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Holds {
    /// Annotation ids survive.
    pub ids: bool,
    /// Notes survive.
    pub notes: bool,
    /// Attributes survive.
    pub attrs: bool,
    /// Relations survive.
    pub relations: bool,
    /// Entities (coreference clusters, with name and type) survive.
    pub entities: bool,
    /// Created and modified times survive.
    pub times: bool,
}

impl Holds {
    /// Sentences naming what `set` has that the format cannot hold.
    pub(crate) fn notes(self, set: &AnnotationSet, format: &str) -> Vec<String> {
        let mut out = Vec::new();
        let n_notes = set.items().iter().filter(|a| !a.note.is_empty()).count();
        let n_attrs: usize = set.items().iter().map(|a| a.attrs.len()).sum();
        let n_to_entities = set.relations().iter().filter(|r| set.entity(&r.to).is_some()).count();
        let mut lost = |n: usize, what: &str| {
            if n > 0 {
                out.push(format!("{format} cannot hold {what}: {n} left out."));
            }
        };
        if !self.notes {
            lost(n_notes, "notes");
        }
        if !self.attrs {
            lost(n_attrs, "attributes");
        }
        if !self.relations {
            lost(set.relations().len(), "relations");
        }
        if !self.entities {
            lost(set.entities().len(), "entities (coreference clusters)");
            if self.relations && n_to_entities > 0 {
                out.push(format!(
                    "{format} cannot point a relation at an entity: {n_to_entities} relation(s) point at the entity's first mention instead."
                ));
            }
        }
        if !set.is_empty() && !self.ids {
            out.push(format!("{format} has its own ids: annotation ids are renumbered."));
        }
        if !set.is_empty() && !self.times {
            out.push(format!("{format} has no times: created and modified times are left out."));
        }
        out
    }
}

/// The annotation a relation's end stands for in a format without entities: the
/// annotation itself, or the entity's first mention in text order.
pub(crate) fn mention_of<'a>(set: &'a AnnotationSet, id: &AnnId) -> Option<&'a Annotation> {
    set.get(id).or_else(|| {
        let e = set.entity(id)?;
        set.items().iter().find(|a| e.members.contains(&a.id)).map(std::rc::Rc::as_ref)
    })
}

/// A JSON value as a whole-number offset, if it is one.
pub(crate) fn as_offset(v: &serde_json::Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64))
}

/// Why `start..end` is no range in any text (a negative offset, a start after the
/// end, or an empty span), or `None` if it is a range.
pub(crate) fn invalid_range(start: i64, end: i64) -> Option<String> {
    if start < 0 || end < 0 {
        Some(format!("its offsets {start}..{end} are invalid: negative offset"))
    } else if start > end {
        Some(format!("its offsets {start}..{end} are invalid: the start is after the end"))
    } else if start == end {
        Some(format!("its offsets {start}..{end} are invalid: the span is empty"))
    } else {
        None
    }
}

/// Builds an [`Imported`] item by item, checking each against the text and the
/// schema and recording every refusal with its reason. Shared by every importer
/// but the native one.
pub(crate) struct Builder {
    doc: Document,
    set: AnnotationSet,
    refused: Vec<ItemRefusal>,
    n_fresh: usize,
    /// Spans offered with a valid range, and those whose range or quote did not fit
    /// the text: if all of them failed, the file is about a different document.
    n_spans: usize,
    n_misfits: usize,
}

impl Builder {
    /// A builder over `text`: the current document if the text is the same (it
    /// keeps its title), else a new document.
    pub(crate) fn new(text: &str, current: &Document, schema: &Rc<Schema>) -> Builder {
        let doc = if text == current.text().as_str() { current.clone() } else { Document::from_text(text) };
        Builder::over(doc, schema)
    }

    /// A builder over `doc` itself.
    pub(crate) fn over(doc: Document, schema: &Rc<Schema>) -> Builder {
        let set = AnnotationSet::new(doc.len_cp(), schema.clone());
        Builder { doc, set, refused: Vec::new(), n_fresh: 0, n_spans: 0, n_misfits: 0 }
    }

    /// The document.
    pub(crate) fn doc(&self) -> &Document {
        &self.doc
    }

    /// The annotations so far.
    pub(crate) fn set(&self) -> &AnnotationSet {
        &self.set
    }

    /// Records a refused item.
    pub(crate) fn refuse(&mut self, kind: &'static str, index: usize, id: Option<String>, reason: impl Into<String>) {
        self.refused.push(ItemRefusal { kind, index, id, reason: reason.into() });
    }

    /// Records a span that does not fit the text (counted for the different-document check).
    pub(crate) fn misfit(&mut self, kind: &'static str, index: usize, id: Option<String>, reason: impl Into<String>) {
        self.n_spans += 1;
        self.n_misfits += 1;
        self.refuse(kind, index, id, reason);
    }

    /// An id that nothing in the set has: `prefix` and a number.
    pub(crate) fn fresh_id(&mut self, prefix: &str) -> AnnId {
        loop {
            self.n_fresh += 1;
            let id = AnnId::new(format!("{prefix}{}", self.n_fresh)).expect("prefix and digits are a valid id");
            if !self.set.is_known(&id) {
                return id;
            }
        }
    }

    /// `id` if it is a valid id nothing has yet, else a fresh one.
    fn id_or_fresh(&mut self, id: Option<&str>, prefix: &str) -> AnnId {
        match id.map(AnnId::new) {
            Some(Ok(id)) if !self.set.is_known(&id) => id,
            _ => self.fresh_id(prefix),
        }
    }

    /// The schema's label for a label name, matched without regard to case.
    pub(crate) fn label(&self, name: &str) -> Option<String> {
        self.set.labels().iter().find(|l| l.id.eq_ignore_ascii_case(name.trim())).map(|l| l.id.clone())
    }

    /// The schema's role for a role name or id ("Source", "claimer", "About event").
    pub(crate) fn role(&self, name: &str) -> Option<String> {
        let squash = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
        let want = squash(name);
        self.set.schema().roles.iter().find(|r| squash(&r.id) == want || squash(&r.name) == want).map(|r| r.id.clone())
    }

    /// Adds a span `[start_cp, end_cp)` with a label, checking the range and, if
    /// given, the quote against the text. Returns its id, or `None` if refused.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn span(
        &mut self,
        kind: &'static str,
        index: usize,
        id: Option<&str>,
        label: &str,
        start_cp: i64,
        end_cp: i64,
        quote: Option<&str>,
        at: (Timestamp, Timestamp),
    ) -> Option<AnnId> {
        let shown = id.map(str::to_owned);
        // Offsets that are no range in any text are the item's fault, not a sign that
        // the file is about another document: refused, not counted as misfits.
        if let Some(why) = invalid_range(start_cp, end_cp) {
            self.refuse(kind, index, shown, why);
            return None;
        }
        let (start, end) = (start_cp as usize, end_cp as usize);
        let span = match Span::new(start, end, self.doc.len_cp()) {
            Ok(s) => s,
            Err(e) => {
                self.misfit(kind, index, shown, e.to_string());
                return None;
            }
        };
        if let Some(q) = quote {
            let actual = self.doc.text().slice(start, end).unwrap_or_default();
            if q != actual {
                let reason = format!("its text {} does not match the document at {start}..{end}, which is {}", excerpt(q), excerpt(actual));
                self.misfit(kind, index, shown, reason);
                return None;
            }
        }
        self.n_spans += 1;
        let Some(label_id) = self.label(label) else {
            self.refuse(kind, index, shown, format!("unknown label {}", excerpt(label)));
            return None;
        };
        let new_id = self.id_or_fresh(id, "a");
        let mut ann = Annotation::new(new_id.clone(), label_id, span, at.0);
        ann.modified = at.1;
        self.apply_or_refuse(kind, index, id, Action::Add(ann)).then_some(new_id)
    }

    /// Adds a relation of role `role` (a name or id).
    pub(crate) fn link(&mut self, kind: &'static str, index: usize, id: Option<&str>, role: &str, from: &AnnId, to: &AnnId) -> bool {
        let Some(role_id) = self.role(role) else {
            self.refuse(kind, index, id.map(str::to_owned), format!("unknown relation kind {}", excerpt(role)));
            return false;
        };
        let rel_id = self.id_or_fresh(id, "r");
        self.apply_or_refuse(kind, index, id, Action::Link(Relation { id: rel_id, kind: role_id, from: from.clone(), to: to.clone() }))
    }

    /// Sets an attribute of an annotation.
    pub(crate) fn attr(&mut self, kind: &'static str, index: usize, id: Option<&str>, ann: &AnnId, key: &str, value: &str) -> bool {
        let action = Action::SetAttr { id: ann.clone(), key: key.to_owned(), value: Some(value.to_owned()), at: self.modified_of(ann) };
        self.apply_or_refuse(kind, index, id, action)
    }

    /// Sets the note of an annotation (a second note is added on a new line).
    pub(crate) fn note(&mut self, kind: &'static str, index: usize, id: Option<&str>, ann: &AnnId, note: &str) -> bool {
        let old = self.set.get(ann).map(|a| a.note.clone()).unwrap_or_default();
        let note = if old.is_empty() { note.to_owned() } else { format!("{old}\n{note}") };
        let action = Action::SetNote { id: ann.clone(), note, at: self.modified_of(ann) };
        self.apply_or_refuse(kind, index, id, action)
    }

    /// Adds an entity over `members`.
    pub(crate) fn entity(&mut self, kind: &'static str, index: usize, id: Option<&str>, name: &str, actor_type: &str, members: Vec<AnnId>) -> Option<AnnId> {
        let e_id = self.id_or_fresh(id, "E");
        let e = Entity { id: e_id.clone(), name: name.to_owned(), kind: actor_type.to_owned(), members };
        self.apply_or_refuse(kind, index, id, Action::PutEntity(e)).then_some(e_id)
    }

    /// The annotation's modified time: setting a note or an attribute on import
    /// keeps it, since the file's times are the times to keep.
    fn modified_of(&self, ann: &AnnId) -> Timestamp {
        self.set.get(ann).map(|a| a.modified).unwrap_or_default()
    }

    fn apply_or_refuse(&mut self, kind: &'static str, index: usize, id: Option<&str>, action: Action) -> bool {
        match self.set.apply(action) {
            Ok(_) => true,
            Err(r) => {
                self.refuse(kind, index, id.map(str::to_owned), r.to_string());
                false
            }
        }
    }

    /// The import. When the file does not carry its text and was read against the
    /// current document, a file none of whose spans fit the text is an error.
    pub(crate) fn finish(self, against_current: bool) -> Result<Imported, ImportError> {
        if against_current && self.n_spans > 0 && self.n_misfits == self.n_spans {
            let first = self.refused.iter().find(|r| r.kind != "document").map(ToString::to_string).unwrap_or_default();
            return Err(ImportError::DifferentDocument(format!(
                "none of its {} span{} fits the text of “{}”; the first: {first}",
                self.n_spans,
                if self.n_spans == 1 { "" } else { "s" },
                self.doc.title()
            )));
        }
        Ok(Imported { document: self.doc, annotations: self.set, refused: self.refused, version: native::VERSION })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn megabytes_have_one_decimal() {
        assert_eq!(megabytes(50 * 1_048_576 + 300_000), "50.3");
        assert_eq!(megabytes(0), "0.0");
    }

    #[test]
    fn an_excerpt_is_cut_on_a_code_point_with_an_ellipsis() {
        assert_eq!(excerpt("Kyiv"), "\"Kyiv\"");
        let sixty = "a".repeat(EXCERPT_CPS);
        assert_eq!(excerpt(&sixty), format!("{sixty:?}"), "60 code points are quoted whole");
        // Multi-byte characters across the cut: 59 ASCII, then 4-byte emoji and CJK.
        let text = format!("{}👍習近平", "a".repeat(EXCERPT_CPS - 1));
        assert_eq!(excerpt(&text), format!("\"{}👍\"… (63 code points)", "a".repeat(EXCERPT_CPS - 1)));
        assert!(excerpt(&"習".repeat(100_000)).chars().count() < 90);
    }

    #[test]
    fn depth_is_checked_outside_strings_only() {
        assert!(check_depth(&"[".repeat(MAX_DEPTH)).is_ok());
        assert!(check_depth(&"[".repeat(MAX_DEPTH + 1)).unwrap_err().contains("deeper than 64"));
        assert!(check_depth(&format!("[\"{}\"]", "[".repeat(1000))).is_ok(), "brackets in strings do not count");
        assert!(check_depth(&format!("[\"\\\"{}\"]", "[".repeat(1000))).is_ok(), "escaped quotes stay in the string");
        assert!(check_depth(&"[".repeat(10_000)).is_err());
    }

    /// The worker's round trip (file → native JSON → main thread) gives exactly what
    /// a direct import gives, refusals included.
    #[test]
    fn worker_round_trip_is_a_direct_import() {
        let text = std::fs::read_to_string("tests/fixtures/brat/news.txt").unwrap();
        let current = Document::from_text(text.as_str());
        let schema = Schema::news();
        for path in [
            "tests/fixtures/doccano/news.jsonl",
            "tests/fixtures/doccano/news-seq.jsonl",
            "tests/fixtures/brat/news-stored.zip",
            "tests/fixtures/brat/news.ann",
            "tests/fixtures/labelstudio/news.json",
            "tests/fixtures/prodigy/news.jsonl",
            "tests/fixtures/conll/news.conll",
        ] {
            let bytes = std::fs::read(path).unwrap();
            let name = path.rsplit('/').next().unwrap();
            let direct = import(&bytes, name, &schema, &current).unwrap();
            let (json, refused) = import_to_native(&bytes, name, current.title(), current.text().as_str()).unwrap();
            let back = native::import(&json, &schema).unwrap();
            assert!(back.refused.is_empty(), "{path}: {:?}", back.refused);
            assert_eq!(back.document, direct.document, "{path}");
            assert_eq!(back.annotations, direct.annotations, "{path}");
            assert_eq!(refused, direct.refused, "{path}");
        }
        let err = import_to_native(b"hello", "x.txt", current.title(), current.text().as_str()).unwrap_err();
        assert!(err.contains("does not recognise"), "{err}");
        let bytes = std::fs::read("tests/fixtures/labelstudio/news.json").unwrap();
        let rich = import(&bytes, "news.json", &schema, &current).unwrap();
        assert!(!rich.annotations.is_empty());
        let json = native::export(&rich.document, &rich.annotations);
        for format in Format::ALL {
            assert_eq!(export_from_native(format, &json).unwrap(), export(format, &rich.document, &rich.annotations), "{format:?}");
        }
    }
}
