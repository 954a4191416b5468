//! Adapters between the model and files.
//!
//! Each adapter is pure: text in, model out (with an itemised report of what it
//! refused), or model in, text out. None touches the DOM or storage, so each is
//! tested natively on its own.

pub mod native;

/// The largest file any importer reads. It is checked before parsing, so a huge
/// file is refused at once instead of freezing the page. An L-size document
/// (1M characters, 10,000 annotations) is about 4 MB.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// One item an importer refused, and why. The other items still import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRefusal {
    /// Position of the item in the file (0-based).
    pub index: usize,
    /// The item's id, if it had a readable one.
    pub id: Option<String>,
    /// Why, as a sentence for the person.
    pub reason: String,
}

impl std::fmt::Display for ItemRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "item {} (\"{}\"): {}", self.index + 1, id, self.reason),
            None => write!(f, "item {}: {}", self.index + 1, self.reason),
        }
    }
}
