//! JSON as every importer reads it: nesting bounded before any parser runs, no
//! object with a key twice, and numbers read as offsets only when they are whole.
//!
//! `format` arguments are the format's name, as [`ImportError::Invalid`] names it.

use super::{ImportError, ItemRefusal};
use crate::model::Document;

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

/// Checks, in one pass over the whole file, that no JSON object has the same key twice.
/// serde would otherwise keep the last value of a map silently (or ignore an unknown
/// key's repeats), so a tampered file could hide a value; spantag refuses to guess.
/// Nesting is already bounded by [`check_depth`] (whole files) or
/// [`check_depth_within`] (`labels`), so the recursion is too.
///
/// # Errors
/// serde_json's error: a syntax error, or "the key … appears twice in one object".
pub(crate) fn check_unique_keys(json: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<Unique>(json).map(|_| ())
}

/// [`Unique`]: any JSON value, checked for keys given twice in any object.
mod unique {
    use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};

    /// Any JSON value, checked for keys given twice in any object (see [`check_unique_keys`]).
    pub(super) struct Unique;
    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Unique, D::Error> {
            d.deserialize_any(Unique)
        }
    }
    impl<'de> Visitor<'de> for Unique {
        type Value = Unique;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: Error>(self, _: bool) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_i64<E: Error>(self, _: i64) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_u64<E: Error>(self, _: u64) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_f64<E: Error>(self, _: f64) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_str<E: Error>(self, _: &str) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_unit<E: Error>(self) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
            while seq.next_element::<Unique>()?.is_some() {}
            Ok(Unique)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
            // Objects are small: their keys are compared in a list, borrowed from the
            // input where they have no escapes, until there are enough to hash.
            let mut few: Vec<Key<'de>> = Vec::new();
            let mut many: std::collections::HashSet<Key<'de>> = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                if few.contains(&key) || many.contains(&key) {
                    return Err(A::Error::custom(format!("the key \"{}\" appears twice in one object", key.0)));
                }
                map.next_value::<Unique>()?;
                if few.len() < 16 {
                    few.push(key);
                } else {
                    many.insert(key);
                }
            }
            Ok(Unique)
        }
    }
    /// An object key, borrowed from the input unless it has escapes.
    #[derive(PartialEq, Eq, Hash)]
    struct Key<'de>(std::borrow::Cow<'de, str>);
    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
            d.deserialize_str(KeyVisitor)
        }
    }
    struct KeyVisitor;
    impl<'de> Visitor<'de> for KeyVisitor {
        type Value = Key<'de>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object key")
        }
        fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Key<'de>, E> {
            Ok(Key(std::borrow::Cow::Borrowed(v)))
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Key<'de>, E> {
            Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
        }
    }
}
use unique::Unique;

/// Parses JSON after the depth check every importer makes, refusing an object that
/// has a key twice.
pub(crate) fn parse_json(text: &str, format: &'static str) -> Result<serde_json::Value, ImportError> {
    check_depth(text).map_err(ImportError::NotJson)?;
    unique_keys(text, format, None)?;
    serde_json::from_str(text).map_err(|e| ImportError::Invalid(format, format!("it is not JSON ({e})")))
}

/// Parses JSON Lines (one JSON value per non-empty line), or a JSON array of records,
/// refusing an object that has a key twice.
pub(crate) fn parse_records(text: &str, format: &'static str) -> Result<Vec<serde_json::Value>, ImportError> {
    check_depth(text).map_err(ImportError::NotJson)?;
    if text.trim_start().starts_with('[') {
        return match parse_json(text, format)? {
            serde_json::Value::Array(items) => Ok(items),
            _ => Err(ImportError::Invalid(format, "it is not a list of records".into())),
        };
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            unique_keys(l, format, Some(n + 1))?;
            serde_json::from_str(l).map_err(|e| ImportError::Invalid(format, format!("line {} is not JSON ({e})", n + 1)))
        })
        .collect()
}

/// Refuses JSON in which an object has the same key twice: `serde_json::Value`
/// would keep the last value silently (a doccano entity with two labels would be
/// the second), so the file could hide a value. The check is the native reader's
/// ([`check_unique_keys`]), so every JSON importer refuses what it refuses.
/// `line` is the line of the file that `json` is, for JSON Lines; a syntax error
/// gets the sentence the parse would give.
///
/// # Errors
/// [`ImportError::Invalid`] naming the key and where it is given again.
fn unique_keys(json: &str, format: &'static str, line: Option<usize>) -> Result<(), ImportError> {
    check_unique_keys(json).map_err(|e| {
        let (n_line, column) = (line.unwrap_or(e.line()), e.column());
        if e.is_syntax() || e.is_eof() {
            let why = if line.is_some() { format!("line {n_line} is not JSON ({e})") } else { format!("it is not JSON ({e})") };
            return ImportError::Invalid(format, why);
        }
        // serde_json ends the sentence with its own position, which for JSON Lines is
        // the line's; the file's is given instead.
        let full = e.to_string();
        let what = full.rsplit_once(" at line ").map_or(full.as_str(), |(what, _)| what);
        ImportError::Invalid(format, format!("{what} (line {n_line}, column {column}); spantag does not guess which value is meant"))
    })
}

/// A JSON value as a whole-number offset, if it is one.
pub(crate) fn as_offset(v: &serde_json::Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64))
}

/// Picks the record whose text is the current document's, else the first; the
/// others are reported as refused documents, since spantag opens one at a time.
pub(crate) fn pick_record(
    records: Vec<serde_json::Value>,
    text_of: impl Fn(&serde_json::Value) -> Option<&str>,
    current: &Document,
    format: &'static str,
) -> Result<(serde_json::Value, Vec<ItemRefusal>), ImportError> {
    if records.is_empty() {
        return Err(ImportError::Invalid(format, "it holds no document".into()));
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
