//! The tokenizer the token-based formats share (Prodigy's `tokens`, CoNLL's lines).
//!
//! [`tokens`]: whitespace separates tokens, a run of letters, digits and marks (a
//! word, in any script) is one token, and every other character (punctuation,
//! symbols, emoji) is a token of its own; grapheme clusters are never split, so a
//! flag or a family emoji is one token. Tokens are also split at every offset the
//! caller gives (the edges of the spans it writes), so that a span is always whole
//! tokens and its character offsets survive exactly, even when it starts inside a
//! word.
//!
//! [`spacy_tokens`] are the same tokens as spaCy gives them: `ws` is one space after
//! a token, and any other whitespace (a line break, a paragraph break, a second
//! space, a tab) is a whitespace token of its own, so that the tokens' texts, each
//! followed by a space where `ws` is true, rebuild the text exactly.
//!
//! Offsets are code points.

use std::collections::BTreeSet;

use unicode_segmentation::UnicodeSegmentation;

/// A token: the code points `[start, end)` and whether whitespace follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Whether whitespace follows it; in [`spacy_tokens`], exactly one space.
    pub ws: bool,
}

/// Splits `text` into tokens (see the module docs), also splitting at each code
/// point offset in `breaks`. Runs in O(n).
pub fn tokens(text: &str, breaks: &BTreeSet<usize>) -> Vec<Token> {
    #[derive(PartialEq)]
    enum Class {
        Space,
        Word,
        Other,
    }
    let mut out: Vec<Token> = Vec::new();
    let mut open: Option<usize> = None;
    let mut cp = 0;
    for g in text.graphemes(true) {
        let n = g.chars().count();
        let first = g.chars().next().unwrap_or(' ');
        let class = if g.chars().all(char::is_whitespace) {
            Class::Space
        } else if first.is_alphanumeric() || first == '_' {
            Class::Word
        } else {
            Class::Other
        };
        if class != Class::Word || breaks.contains(&cp) {
            if let Some(s) = open.take() {
                out.push(Token { start: s, end: cp, ws: false });
            }
        }
        match class {
            Class::Word => {
                open.get_or_insert(cp);
            }
            Class::Other => out.push(Token { start: cp, end: cp + n, ws: false }),
            Class::Space => {
                if let Some(last) = out.last_mut().filter(|t| t.end == cp) {
                    last.ws = true;
                }
            }
        }
        cp += n;
    }
    if let Some(s) = open {
        out.push(Token { start: s, end: cp, ws: false });
    }
    // Break inside tokens at span edges (which may fall inside a grapheme).
    let mut split = Vec::with_capacity(out.len());
    for t in out {
        let mut s = t.start;
        for &b in breaks.range(t.start + 1..t.end) {
            split.push(Token { start: s, end: b, ws: false });
            s = b;
        }
        split.push(Token { start: s, end: t.end, ws: t.ws });
    }
    split
}

/// [`tokens`] as spaCy gives them, so that tokens and `ws` rebuild the text
/// exactly: a single space after a token is its `ws`, and any other whitespace (a
/// line break, a paragraph break, a second space, a tab, whitespace at the start)
/// is a whitespace token of its own, split at the offsets in `breaks` too.
pub fn spacy_tokens(text: &str, breaks: &BTreeSet<usize>) -> Vec<Token> {
    let words = tokens(text, breaks);
    let len = text.chars().count();
    // The code point where each whitespace run starts is a space or not.
    let is_space: Vec<bool> = text.chars().map(|c| c == ' ').collect();
    let mut out: Vec<Token> = Vec::with_capacity(words.len() * 2);
    let gap = |out: &mut Vec<Token>, mut from: usize, to: usize| {
        if from >= to {
            return;
        }
        if let Some(last) = out.last_mut().filter(|_| is_space[from]) {
            last.ws = true;
            from += 1;
        }
        if from >= to {
            return;
        }
        let mut s = from;
        for &b in breaks.range(from + 1..to) {
            out.push(Token { start: s, end: b, ws: false });
            s = b;
        }
        if s < to {
            out.push(Token { start: s, end: to, ws: false });
        }
    };
    let mut prev_end = 0;
    for t in words {
        gap(&mut out, prev_end, t.start);
        out.push(Token { ws: false, ..t });
        prev_end = t.end;
    }
    gap(&mut out, prev_end, len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, breaks: &[usize]) -> Vec<String> {
        let breaks = breaks.iter().copied().collect();
        tokens(text, &breaks).iter().map(|t| text.chars().skip(t.start).take(t.end - t.start).collect()).collect()
    }

    #[test]
    fn tokens_split_at_whitespace_and_punctuation_and_keep_graphemes() {
        assert_eq!(words("Netanyahu's office, 家族 met 🇺🇦!", &[]), ["Netanyahu", "'", "s", "office", ",", "家族", "met", "🇺🇦", "!"]);
        assert_eq!(words("cafe\u{301} 👩‍👩‍👧", &[]), ["cafe\u{301}", "👩‍👩‍👧"]);
        assert_eq!(words("Netanyahu", &[3]), ["Net", "anyahu"], "span edges split tokens");
        let t = tokens("a b", &BTreeSet::new());
        assert!(t[0].ws && !t[1].ws);
    }
}
