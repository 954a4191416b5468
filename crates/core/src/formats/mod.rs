//! Adapters between the model and files.
//!
//! Each adapter is pure: text in, model out (with an itemised report of what it
//! refused), or model in, text out. None touches the DOM or storage, so each is
//! tested natively on its own.
//!
//! What every importer guarantees, whatever the format, is kept by the [`toolkit`]
//! they share (its docs list each guarantee and what keeps it): nothing in a file is
//! read by guessing (a key given twice, an id given to two items), size and nesting
//! are bounded, a message quotes at most [`EXCERPT_CPS`] code points of any text, an
//! offset that is no range refuses its item, and a file that is not UTF-8 is refused
//! as such.

pub mod events_csv;
pub mod brat;
pub mod conll;
pub mod doccano;
pub mod labelstudio;
pub mod native;
pub mod prodigy;
pub mod rehearsal;
pub mod toolkit;
pub mod w3c;

pub use toolkit::{check_depth, excerpt, megabytes, Holds, ImportError, Imported, ItemRefusal, EXCERPT_CPS, MAX_DEPTH, MAX_IMPORT_BYTES};

use std::rc::Rc;

use crate::model::{AnnotationSet, Document, Schema};

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

/// Reads a file that [`sniff`] found to be spantag JSON. This and [`sniff`] are all
/// the main bundle links of the import side; the other formats run in the formats
/// worker (`src/bin/formats_worker.rs`, through [`import_to_native`]).
///
/// # Errors
/// As [`native::import`].
pub fn import_native(bytes: &[u8], schema: &Rc<Schema>) -> Result<Imported, ImportError> {
    native::import(toolkit::file_text(bytes)?, schema)
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
    let text = toolkit::file_text(bytes)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
