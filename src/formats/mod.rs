//! Adapters between the model and files.
//!
//! Each adapter is pure: text in, model out (with an itemised report of what it
//! refused), or model in, text out. None touches the DOM or storage, so each is
//! tested natively on its own.

pub mod events_csv;
pub mod native;

/// The largest file any importer reads. It is checked before parsing, so a huge
/// file is refused at once instead of freezing the page. An L-size document
/// (1M characters, 10,000 annotations) is about 4 MB.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

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
    let mut depth = 0usize;
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
                    return Err(format!("it is nested deeper than {MAX_DEPTH} levels (at byte {i})"));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_checked_outside_strings_only() {
        assert!(check_depth(&"[".repeat(MAX_DEPTH)).is_ok());
        assert!(check_depth(&"[".repeat(MAX_DEPTH + 1)).unwrap_err().contains("deeper than 64"));
        assert!(check_depth(&format!("[\"{}\"]", "[".repeat(1000))).is_ok(), "brackets in strings do not count");
        assert!(check_depth(&format!("[\"\\\"{}\"]", "[".repeat(1000))).is_ok(), "escaped quotes stay in the string");
        assert!(check_depth(&"[".repeat(10_000)).is_err());
    }
}
