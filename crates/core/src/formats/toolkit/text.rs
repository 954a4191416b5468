//! Text as importers see it and as messages quote it.

use super::ImportError;

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

/// A file's text: UTF-8, without a byte order mark.
///
/// # Errors
/// [`ImportError::NotUtf8`], with the offset of the first byte that is not UTF-8.
pub(crate) fn file_text(bytes: &[u8]) -> Result<&str, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::not_utf8(bytes, e))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
