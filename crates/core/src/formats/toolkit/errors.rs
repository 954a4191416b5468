//! What an import gives: the [`Imported`] document with the items refused on the way
//! ([`ItemRefusal`]), or the [`ImportError`] that refused the whole file; and the size
//! limit every import checks first.

use crate::model::{AnnotationSet, Document};

/// The largest file any importer reads. It is checked before parsing, so a huge
/// file is refused at once instead of freezing the page. An L-size document
/// (1M characters, 10,000 annotations) is about 4 MB.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// The version of the native format this build writes, and the newest it reads. An
/// import from any format gives a model of this version (see [`Imported::version`]).
pub const VERSION: u32 = 2;

/// A size in megabytes with one decimal ("50.3"), without float formatting (which
/// would add its tables to the wasm bundle).
pub fn megabytes(n_bytes: usize) -> String {
    let tenths = (n_bytes as u64 * 10 + 524_288) / 1_048_576;
    format!("{}.{}", tenths / 10, tenths % 10)
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

/// What an import read: the document, the annotations that passed every check, and
/// the ones refused.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The document the file is about.
    pub document: Document,
    /// The valid annotations, relations and entities.
    pub annotations: AnnotationSet,
    /// The items refused, each with its reason.
    pub refused: Vec<ItemRefusal>,
    /// The format version the file was written in (1 is migrated).
    pub version: u32,
}

/// Why a whole file could not be read. Nothing was imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
    /// Bigger than [`MAX_IMPORT_BYTES`].
    TooLarge {
        /// The file's size in bytes.
        n_bytes: usize,
    },
    /// Not JSON, or JSON too deeply nested.
    NotJson(String),
    /// JSON, but not a spantag file.
    NotSpantag(String),
    /// A spantag file from a newer version of spantag.
    NewerVersion(u64),
    /// A spantag file whose structure is wrong.
    BadShape(String),
    /// A file of another format whose structure is wrong: the format's name, then why.
    Invalid(&'static str, String),
    /// A file whose annotations are about another text than the current document.
    DifferentDocument(String),
    /// A file in no format spantag reads.
    Unrecognised(String),
    /// A file that is not UTF-8 text, whatever format its name says: where the first
    /// byte that is not UTF-8 is.
    NotUtf8 {
        /// Byte offset of the first byte that is not UTF-8.
        at: usize,
        /// Whether the file starts with a UTF-16 byte order mark.
        utf16: bool,
    },
}

impl ImportError {
    /// The error for bytes that `std::str::from_utf8` refused with `e`.
    pub fn not_utf8(bytes: &[u8], e: std::str::Utf8Error) -> ImportError {
        ImportError::NotUtf8 { at: e.valid_up_to(), utf16: bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::TooLarge { n_bytes } => write!(
                f,
                "the file is {} MB; spantag reads files up to {} MB",
                megabytes(*n_bytes),
                MAX_IMPORT_BYTES / 1_048_576
            ),
            ImportError::NotJson(e) => write!(f, "the file is not valid JSON ({e})"),
            ImportError::NotSpantag(why) => write!(f, "the file is not a spantag JSON export: {why}"),
            ImportError::NewerVersion(v) => write!(
                f,
                "the file is spantag format version {v}, newer than this spantag reads ({VERSION}); update spantag to open it"
            ),
            ImportError::BadShape(e) => write!(f, "the file is damaged: {e}"),
            ImportError::Invalid(format, why) => write!(f, "the file is not a valid {format} file: {why}"),
            ImportError::DifferentDocument(why) => {
                write!(f, "the file is about a different document ({why}); open that document first, then import the file")
            }
            ImportError::Unrecognised(why) => write!(f, "spantag does not recognise the file's format: {why}"),
            ImportError::NotUtf8 { at, utf16 } => write!(
                f,
                "the file is not UTF-8 text: the bytes at byte offset {at} are not UTF-8{}; save it as UTF-8 and import it again",
                if *utf16 { " (it looks like UTF-16)" } else { "" }
            ),
        }
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
}
