//! The toolkit every format shares: the import's result and error types, the size
//! and depth limits, the JSON readers, the builder that checks a file item by item,
//! the table of a file's ids, what a format can hold, the tokenizer, and what format
//! detection sees of a file.
//!
//! The toolkit knows no format. Nothing here names one or matches on one: where a
//! message names the format, the caller passes its name (the `format: &'static str`
//! arguments, as [`ImportError::Invalid`] holds it). The formats sit above it, one
//! module each, and the registry (`formats`, the parent module) above them.
//!
//! What every importer guarantees, whatever the format, and the part of the toolkit
//! that keeps it:
//! - nothing in a file is read by guessing. A JSON object with a key given twice
//!   refuses the file, naming the key and its line, in every JSON format as in the
//!   native one (`parse_json`, `parse_records` and the native reader share
//!   `check_unique_keys`); an id given to two items refuses the later item and every
//!   reference to the id, naming both items (`FileIds`);
//! - no file exhausts the stack or the page: nesting is checked before any parser
//!   runs ([`check_depth`], [`MAX_DEPTH`]) and size before reading
//!   ([`MAX_IMPORT_BYTES`]);
//! - a message quotes at most [`EXCERPT_CPS`] code points of any text ([`excerpt`]),
//!   never a whole document;
//! - offsets that are no range in any text (negative, start after end, empty) refuse
//!   the item for that reason; only ranges and quotes that do not fit the text count
//!   towards "a different document" (`Builder::span`, `Builder::finish`);
//! - a file that is not UTF-8 is refused as such, with the byte offset, whatever its
//!   name says ([`ImportError::NotUtf8`]);
//! - a refused item never stops the others: it is an [`ItemRefusal`] with a sentence,
//!   and only what spoils the whole file is an [`ImportError`].

mod build;
mod detect;
mod errors;
mod json;
mod text;
mod tokens;

pub use build::Holds;
pub(crate) use build::{invalid_range, mention_of, Builder, FileIds};
pub use detect::{Head, Rule};
pub use errors::{megabytes, ImportError, Imported, ItemRefusal, MAX_IMPORT_BYTES, VERSION};
pub use json::{check_depth, MAX_DEPTH};
pub(crate) use json::{as_offset, check_depth_within, check_unique_keys, parse_json, parse_records, pick_record};
pub(crate) use text::file_text;
pub use text::{excerpt, EXCERPT_CPS};
pub use tokens::{spacy_tokens, tokens, Token};
