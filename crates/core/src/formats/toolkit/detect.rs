//! What format detection sees of a file ([`Head`]), and one test a format makes of
//! it ([`Rule`]).
//!
//! A rule looks at the name and the first bytes only, never parses the file, and
//! never fails: it says yes or no. Which format a file is in when several rules say
//! yes is the registry's decision (the rule with the highest precedence), not the
//! rule's.

use std::cell::OnceCell;

/// One test of a format's detection, and its place in the order of all formats'
/// tests: the rules of every format are tried from the highest `precedence` down,
/// and the first that says yes names the format. No two rules share a precedence.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Higher is tried first.
    pub precedence: u8,
    /// Whether the file looks like the format.
    pub test: fn(&Head<'_>) -> bool,
}

/// A file as detection sees it: its name in lower case, its bytes, and, if it is
/// UTF-8, its text without a byte order mark or leading whitespace.
pub struct Head<'a> {
    name: String,
    bytes: &'a [u8],
    /// The text, worked out on first use (a zip need not be checked for UTF-8).
    text: OnceCell<Option<&'a str>>,
}

impl<'a> Head<'a> {
    /// The head of a file with these bytes and this name.
    pub fn new(bytes: &'a [u8], file_name: &str) -> Head<'a> {
        Head { name: file_name.to_ascii_lowercase(), bytes, text: OnceCell::new() }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether the file's name ends with one of `suffixes` (lower case, ".zip"),
    /// whatever its case.
    pub fn name_ends_with(&self, suffixes: &[&str]) -> bool {
        suffixes.iter().any(|s| self.name.ends_with(s))
    }

    /// The file's text if it is UTF-8: without a byte order mark, and from its first
    /// character that is not whitespace.
    pub fn text(&self) -> Option<&'a str> {
        *self.text.get_or_init(|| {
            let text = std::str::from_utf8(self.bytes).ok()?;
            Some(text.strip_prefix('\u{feff}').unwrap_or(text).trim_start())
        })
    }

    /// The first record, if the text is JSON (starts with `{` or `[`): the first line
    /// of a `.jsonl` file, else the whole text.
    pub fn record(&self) -> Option<&'a str> {
        let text = self.text().filter(|t| t.starts_with('{') || t.starts_with('['))?;
        Some(if self.name.ends_with(".jsonl") { text.lines().next().unwrap_or("") } else { text })
    }

    /// Whether the text is JSON and its first record has `"key"` (a key or a string
    /// with that text: each tool's shape has its own keys).
    pub fn has_key(&self, key: &str) -> bool {
        self.record().is_some_and(|r| r.contains(&format!("\"{key}\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_the_text_after_a_bom_and_whitespace_and_a_record_is_json_only() {
        let h = Head::new(b"\xef\xbb\xbf \n{\"a\": 1}\n{\"b\": 2}", "X.JSONL");
        assert_eq!(h.text(), Some("{\"a\": 1}\n{\"b\": 2}"));
        assert_eq!(h.record(), Some("{\"a\": 1}"), "the first line of JSON Lines");
        assert!(h.has_key("a") && !h.has_key("b"));
        assert!(h.name_ends_with(&[".zip", ".jsonl"]));
        let h = Head::new(b"{\"a\": 1}\n{\"b\": 2}", "x.json");
        assert!(h.has_key("b"), "the whole text of JSON");
        let h = Head::new(b"a\tB-Actor", "x.txt");
        assert_eq!((h.record(), h.has_key("a")), (None, false));
        assert_eq!(Head::new(b"\xff{", "x.json").text(), None);
    }
}
