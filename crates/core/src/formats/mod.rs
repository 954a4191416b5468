//! Adapters between the model and files, and the registry of them.
//!
//! Each adapter is pure: text in, model out (with an itemised report of what it
//! refused), or model in, text out. None touches the DOM or storage, so each is
//! tested natively on its own. What every importer guarantees, whatever the format
//! (nothing read by guessing, bounded size and depth, short quotes in messages,
//! UTF-8 checked first), is kept by the [`toolkit`] they all share.
//!
//! # The registry
//!
//! The layers: the [`toolkit`] at the bottom knows no format; each format is one
//! module above it (`native`, `w3c`, `brat`, `doccano`, `labelstudio`, `prodigy`,
//! `conll`) that exposes its row, a [`FormatDef`]; this module holds nothing but
//! the table of those rows ([`FORMATS`]) and the functions that go through it
//! ([`export`], [`import`], [`detect`], [`sniff`]). No function here matches on a
//! format: what differs between formats is in their rows. (`events_csv` and
//! `rehearsal` are no rows: the first writes the Events table, not a document, and
//! the second is the native format's warm-up.)
//!
//! Invariants, each held by the table's construction or by a test below:
//! - every [`Format`] has exactly one row: the enum is made from the table, so a
//!   format is added or removed in one line, and `FORMATS[f as usize]` is `f`'s row;
//! - the table's order is the menu's ([`Format::ALL`]); ids, names and file names
//!   are distinct, and each file name says the format;
//! - a format can be detected if and only if it has an importer, and a file a format
//!   exports is detected as that format and reads back;
//! - detection tries every format's [`Rule`]s from the highest precedence down and
//!   takes the first that says yes; no two rules share a precedence. Today's order:
//!
//!   | precedence | format | the file |
//!   |---|---|---|
//!   | 90 | brat | starts with `PK` (a zip), or its name ends in `.zip` or `.ann` |
//!   | 80 | CoNLL | its name ends in `.conll`, `.bio`, `.iob` or `.conll2003` |
//!   | 70 | spantag JSON | JSON whose first record has `"format"` and `"spantag"` |
//!   | 60 | W3C | JSON whose first record has `"@context"` |
//!   | 50 | Prodigy | … `"tokens"` or `"token_start"` |
//!   | 40 | Label Studio | … `"data"`, and `"annotations"` or `"predictions"` |
//!   | 30 | doccano | … `"entities"` or `"relations"` |
//!   | 20 | doccano (sequence labelling) | … `"label"` or `"labels"` |
//!   | 10 | Prodigy | … `"spans"` |
//!   | 5 | CoNLL | not JSON, and its first 20 lines are a token and a BIO tag each |
//!
//!   (The first record is the first line of a `.jsonl` file, else the whole text.)
//! - the page reads a format only through [`FormatInfo`] (the [`CATALOGUE`], and
//!   [`Format`]'s methods), never through [`FORMATS`]: the rows' code pointers are
//!   reached only from [`export`] and [`import`], which only the formats worker
//!   calls, so the main wasm bundle links no format's reader or writer but the
//!   native one's ([`import_native`]); it links the detection rules' small tests,
//!   which [`sniff`] runs.
//!
//! # How to add a format
//!
//! Write one module, `formats/<name>.rs`, with its `import` and `export` (built from
//! the [`toolkit`]: [`toolkit::Holds`] for the notes of what it cannot hold, the
//! builder for a checked import) and its row: `pub const DEF: FormatDef`, giving its
//! id, menu name, files (suffix and MIME type each), what it holds, its detection
//! rules with precedences placed in the table above, its reader and its writer.
//! Then, here, declare the module (`pub mod name;`) and add its line to the table,
//! the `formats!` call below: `Name => name::DEF,` after the variant's doc comment.
//! That line makes the [`Format`] variant and puts the row at its index. A file
//! ending no format read before also goes in [`Format::ACCEPT`]. The tests below
//! check the rest: distinct ids, names and precedences, the pinned detection order
//! (add the new rules to it, and to the table above), and that the format's own
//! export is detected as it and reads back with what its row says it holds. List
//! what it loses in `docs/formats.md`.

pub mod brat;
pub mod conll;
pub mod doccano;
pub mod events_csv;
pub mod labelstudio;
pub mod native;
pub mod prodigy;
pub mod rehearsal;
pub mod toolkit;
pub mod w3c;

use std::rc::Rc;

pub use toolkit::{check_depth, excerpt, megabytes, Head, Holds, ImportError, Imported, ItemRefusal, Rule, EXCERPT_CPS, MAX_DEPTH, MAX_IMPORT_BYTES};

use crate::model::{AnnotationSet, Document, Schema};

/// The registry's table: one line per format, in menu order. Each line makes a
/// variant of [`Format`] (with the doc comment before it) and puts the format's row
/// in [`FORMATS`] at the variant's index.
macro_rules! formats {
    ($( $(#[$doc:meta])* $variant:ident => $def:expr, )*) => {
        /// Every format spantag exports and imports, one per row of [`FORMATS`].
        ///
        /// The hard part is that every other tool holds less than spantag and counts
        /// differently. [`export`] therefore says, in [`Exported::notes`], everything a
        /// format left out, and [`import`] checks every span against the text (range,
        /// quote) in the format's own unit before anything reaches the model. The formats
        /// and what each loses are listed in `docs/formats.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Format {
            $( $(#[$doc])* $variant, )*
        }

        /// Every format's row, in the order of [`Format`]'s variants (the menu's).
        ///
        /// Code that runs in the main bundle reads [`CATALOGUE`] instead: a use of this
        /// table links every format's importer and exporter (see the module docs).
        pub const FORMATS: &[FormatDef] = &[ $( $def, )* ];

        impl Format {
            /// Every format, in menu order.
            pub const ALL: [Format; FORMATS.len()] = [ $( Format::$variant, )* ];
        }
    };
}

formats! {
    /// spantag's own JSON: lossless.
    Native => native::DEF,
    /// W3C Web Annotation (JSON-LD), an `AnnotationCollection`.
    W3c => w3c::DEF,
    /// brat standoff: the `.txt`, the `.ann` and an `annotation.conf`, in a zip.
    Brat => brat::DEF,
    /// doccano JSONL, relation-extraction shape (`entities` and `relations`).
    Doccano => doccano::DEF,
    /// doccano JSONL, sequence-labelling shape (`label: [[s, e, "L"]]`).
    DoccanoSeq => doccano::DEF_SEQ,
    /// Label Studio JSON tasks, with the labeling config as a second file.
    LabelStudio => labelstudio::DEF,
    /// Prodigy JSONL: tokens, spans and relations.
    Prodigy => prodigy::DEF,
    /// CoNLL BIO: one token per line with its tag.
    Conll => conll::DEF,
}

/// One file a format writes: how its name ends after the document's slug (the
/// format's own ending, so that the name says the format), and its MIME type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSpec {
    /// The end of the file's name, from its first dot: `.w3c.jsonld`.
    pub suffix: &'static str,
    /// The file's MIME type.
    pub mime: &'static str,
}

/// What the page knows of a format without linking its code: names, files,
/// detection. Every field is data, but the detection rules' small tests.
#[derive(Clone, Copy, Debug)]
pub struct FormatInfo {
    /// A stable id, used as the menu value and in the worker's requests.
    pub id: &'static str,
    /// The name shown in the menu, and in the messages about a file of the format.
    pub name: &'static str,
    /// The tool, as the sentence for a file of no known format lists it ("doccano"
    /// for both of doccano's shapes).
    pub tool: &'static str,
    /// The files an export writes, the main one first.
    pub files: &'static [FileSpec],
    /// What it holds of the model.
    pub holds: Holds,
    /// How a file in it is recognised; empty if it cannot be imported.
    pub detect: &'static [Rule],
}

/// What a reader gives: the import, or why the whole file was refused.
pub type ImportResult = Result<Imported, ImportError>;

/// How a format reads a file: with the schema to check it against, and the open
/// document, which a file that does not carry its text is read against.
#[derive(Clone, Copy, Debug)]
pub enum Reader {
    /// From the file's text (checked UTF-8, without a byte order mark).
    Text(fn(&str, &Rc<Schema>, &Document) -> ImportResult),
    /// From the file's bytes and name (a zip, or a lone `.ann`).
    Bytes(fn(&[u8], &str, &Rc<Schema>, &Document) -> ImportResult),
}

/// What a format's writer gives: each file's bytes, in the order of
/// [`FormatInfo::files`], and the notes of what the format could not hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The bytes of each file.
    pub files: Vec<Vec<u8>>,
    /// Sentences for the person, as [`Exported::notes`].
    pub notes: Vec<String>,
}

/// A format's row in the registry: what it is, how it reads, how it writes.
#[derive(Clone, Copy, Debug)]
pub struct FormatDef {
    /// What the page knows of it.
    pub info: FormatInfo,
    /// Its reader, or `None` if spantag only writes it.
    pub import: Option<Reader>,
    /// Its writer. It never fails: what the format cannot hold is in the notes.
    pub export: fn(&Document, &AnnotationSet) -> Written,
}

/// Every format's [`FormatInfo`], in the order of [`Format`]: the part of the table
/// the page reads. Made from [`FORMATS`] when compiling, so it holds none of the
/// rows' importers and exporters.
pub static CATALOGUE: [FormatInfo; FORMATS.len()] = {
    let mut out = [FORMATS[0].info; FORMATS.len()];
    let mut i = 1;
    while i < FORMATS.len() {
        out[i] = FORMATS[i].info;
        i += 1;
    }
    out
};

impl Format {
    /// The file types the import input accepts, for `<input accept>`: the endings
    /// and MIME types of the files the formats read (a test checks that each main
    /// file an export writes is among them).
    pub const ACCEPT: &'static str =
        ".json,.jsonld,.jsonl,.zip,.ann,.conll,.bio,.iob,application/json,application/ld+json,application/zip";

    /// What the page knows of the format.
    pub fn info(self) -> &'static FormatInfo {
        &CATALOGUE[self as usize]
    }

    /// The format's row. Only for the formats worker's code: see [`FORMATS`].
    pub fn def(self) -> &'static FormatDef {
        &FORMATS[self as usize]
    }

    /// A stable id, used as the menu value.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The format with this id.
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The name shown in the menu.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The names of the files an export writes for a document with this slug, the
    /// main file first. Each name says the format.
    pub fn file_names(self, slug: &str) -> Vec<String> {
        self.info().files.iter().map(|f| format!("{slug}{}", f.suffix)).collect()
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
    let def = format.def();
    let Written { files, notes } = (def.export)(doc, set);
    debug_assert_eq!(files.len(), def.info.files.len(), "{format:?} writes the files its row names");
    let names = format.file_names(&doc.slug());
    let files = names.into_iter().zip(def.info.files).zip(files).map(|((name, spec), bytes)| (name, spec.mime, bytes)).collect();
    Exported { files, notes }
}

/// Which format a file is in, from its name and its first bytes: the format of the
/// first [`Rule`] that says yes, trying every format's rules from the highest
/// precedence down (see the module docs for the order).
pub fn detect(bytes: &[u8], file_name: &str) -> Option<Format> {
    let head = Head::new(bytes, file_name);
    let rules = || Format::ALL.into_iter().flat_map(|f| f.info().detect.iter().map(move |r| (f, r)));
    // No two rules share a precedence (tested), so each step takes the next rule down.
    let mut below = u16::MAX;
    loop {
        let (format, rule) = rules().filter(|(_, r)| u16::from(r.precedence) < below).max_by_key(|(_, r)| r.precedence)?;
        if (rule.test)(&head) {
            return Some(format);
        }
        below = u16::from(rule.precedence);
    }
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
    detect(bytes, file_name).ok_or_else(|| unrecognised(file_name))
}

/// The error for a file of no format spantag reads, listing the tools whose files
/// it reads, each once, in menu order: "… is none of spantag JSON, W3C Web
/// Annotation, brat, doccano, Label Studio, Prodigy or CoNLL".
fn unrecognised(file_name: &str) -> ImportError {
    let mut tools: Vec<&str> = Vec::new();
    for info in CATALOGUE.iter().filter(|i| !i.detect.is_empty()) {
        if !tools.contains(&info.tool) {
            tools.push(info.tool);
        }
    }
    let mut out = format!("\"{file_name}\" is none of ");
    for (n, tool) in tools.iter().enumerate() {
        out.push_str(match n {
            0 => "",
            _ if n + 1 == tools.len() => " or ",
            _ => ", ",
        });
        out.push_str(tool);
    }
    ImportError::Unrecognised(out)
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
    match format.def().import {
        Some(Reader::Bytes(read)) => read(bytes, file_name, schema, current),
        Some(Reader::Text(read)) => read(toolkit::file_text(bytes)?, schema, current),
        // Detection names only formats with a reader (tested).
        None => Err(unrecognised(file_name)),
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
    use std::collections::BTreeSet;

    use super::*;

    /// The variants and the rows are one list: each variant's row is at its index in
    /// both tables, and ids, names and file names are distinct.
    #[test]
    fn every_format_has_exactly_one_row() {
        assert_eq!(Format::ALL.len(), FORMATS.len());
        assert_eq!(CATALOGUE.len(), FORMATS.len());
        for (i, f) in Format::ALL.into_iter().enumerate() {
            assert_eq!(f as usize, i, "{f:?}");
            assert_eq!((f.info().id, f.info().name), (FORMATS[i].info.id, FORMATS[i].info.name), "{f:?}");
            assert_eq!(f.def().info.id, CATALOGUE[i].id, "{f:?}");
            assert_eq!(Format::from_id(f.id()), Some(f));
            let files = f.info().files;
            assert!(!files.is_empty() && files.iter().all(|s| s.suffix.starts_with('.') && s.suffix.len() > 1 && !s.mime.is_empty()), "{f:?}");
        }
        let distinct = |what: &str, xs: Vec<&str>| assert_eq!(xs.iter().collect::<BTreeSet<_>>().len(), xs.len(), "{what}: {xs:?}");
        distinct("ids", CATALOGUE.iter().map(|i| i.id).collect());
        distinct("names", CATALOGUE.iter().map(|i| i.name).collect());
        distinct("file names", CATALOGUE.iter().flat_map(|i| i.files.iter().map(|s| s.suffix)).collect());
        assert_eq!(Format::from_id("nope"), None);
    }

    /// Detection's order is the one the formats had before the registry: every
    /// format's rules, highest precedence first, none sharing a precedence; and a
    /// format has rules exactly when it has a reader.
    #[test]
    fn detection_tries_the_rules_in_one_pinned_order() {
        let mut rules: Vec<(u8, Format)> = Format::ALL.into_iter().flat_map(|f| f.info().detect.iter().map(move |r| (r.precedence, f))).collect();
        rules.sort_by_key(|r| std::cmp::Reverse(r.0));
        use Format::*;
        let expected = [(90, Brat), (80, Conll), (70, Native), (60, W3c), (50, Prodigy), (40, LabelStudio), (30, Doccano), (20, DoccanoSeq), (10, Prodigy), (5, Conll)];
        assert_eq!(rules, expected);
        assert_eq!(rules.iter().map(|r| r.0).collect::<BTreeSet<_>>().len(), rules.len(), "no two rules share a precedence");
        for f in Format::ALL {
            assert_eq!(f.info().detect.is_empty(), f.def().import.is_none(), "{f:?}: detected if and only if read");
        }
    }

    /// Each format's export is in the files its row names, is detected as the format,
    /// and reads back with what the row says it holds.
    #[test]
    fn each_format_detects_and_reads_back_its_own_export() {
        let schema = Schema::news();
        let (doc, set) = rehearsal::sample(&schema, 2);
        let spans = |s: &AnnotationSet| s.items().iter().map(|a| (a.label.clone(), a.span)).collect::<Vec<_>>();
        for f in Format::ALL {
            let out = export(f, &doc, &set);
            let info = f.info();
            assert_eq!(out.files.iter().map(|x| x.0.clone()).collect::<Vec<_>>(), f.file_names(&doc.slug()), "{f:?}");
            assert_eq!(out.files.iter().map(|x| x.1).collect::<Vec<_>>(), info.files.iter().map(|s| s.mime).collect::<Vec<_>>(), "{f:?}");
            if f.def().import.is_none() {
                continue;
            }
            let (name, _, bytes) = &out.files[0];
            let ending = format!(".{}", name.rsplit('.').next().unwrap());
            assert!(Format::ACCEPT.split(',').any(|a| a == ending), "{f:?}: the import input accepts {name}");
            assert_eq!(detect(bytes, name), Some(f), "{f:?}");
            let back = import(bytes, name, &schema, &doc).unwrap_or_else(|e| panic!("{f:?}: {e}"));
            assert!(back.refused.is_empty(), "{f:?}: {:?}", back.refused);
            assert_eq!(back.document.text().as_str(), doc.text().as_str(), "{f:?}");
            assert_eq!(spans(&back.annotations), spans(&set), "{f:?}");
            let (got, want) = (&back.annotations, &set);
            let holds = info.holds;
            if holds.relations {
                assert_eq!(got.relations().len(), want.relations().len(), "{f:?}");
            }
            let count = |s: &AnnotationSet| (s.items().iter().filter(|a| !a.note.is_empty()).count(), s.items().iter().map(|a| a.attrs.len()).sum::<usize>());
            assert_eq!(count(got).0, if holds.notes { count(want).0 } else { 0 }, "{f:?}: notes");
            assert_eq!(count(got).1, if holds.attrs { count(want).1 } else { 0 }, "{f:?}: attributes");
            if holds.ids {
                assert_eq!(got.items().iter().map(|a| &a.id).collect::<Vec<_>>(), want.items().iter().map(|a| &a.id).collect::<Vec<_>>(), "{f:?}");
            }
            if holds.times {
                assert_eq!(got.items().iter().map(|a| (a.created, a.modified)).collect::<Vec<_>>(), want.items().iter().map(|a| (a.created, a.modified)).collect::<Vec<_>>(), "{f:?}");
            }
        }
    }

    #[test]
    fn a_file_in_no_format_is_refused_naming_every_tool_once() {
        let e = sniff(b"hello", "x.txt").unwrap_err();
        let why = "\"x.txt\" is none of spantag JSON, W3C Web Annotation, brat, doccano, Label Studio, Prodigy or CoNLL";
        assert_eq!(e, ImportError::Unrecognised(why.into()));
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
