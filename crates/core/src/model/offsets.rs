//! Offset units: the one place where code points, UTF-16 code units and UTF-8 bytes meet.
//!
//! The invariant: every offset the model stores counts Unicode scalar values (code points).
//! The hard part is that the other two sides count differently. A DOM `Range` counts UTF-16
//! code units, so an astral character such as 👍 is two units wide and a browser offset can land
//! between its two surrogates. A Rust `str` counts UTF-8 bytes and panics when sliced off a char
//! boundary. Conversions between the three units happen only in this module, nothing here
//! panics on any input (an out-of-range offset gives `None`), and an offset inside a surrogate
//! pair is resolved by an explicit [`Bias`], never by producing U+FFFD.
//!
//! The free functions scan the string and run in O(n) time; they suit short strings and serve as
//! the reference. [`IndexedText`] keeps a checkpoint every [`CHECKPOINT_CPS`] code points, so
//! its conversions stay cheap on a document of a million characters.

/// Number of Unicode scalar values (code points) in `s`.
///
/// Runs in O(n) time.
pub fn cp_len(s: &str) -> usize {
    s.chars().count()
}

/// The length of `s` as a reader counts characters: extended grapheme clusters (a
/// flag, a family emoji or a letter with its combining accent is one).
pub fn grapheme_len(s: &str) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    s.graphemes(true).count()
}

/// Number of UTF-16 code units in `s`.
///
/// Runs in O(n) time.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Byte offset of code point `cp` in `s`; `None` if `cp > cp_len(s)`.
///
/// `cp == cp_len(s)` maps to `s.len()`. Runs in O(n) time.
pub fn cp_to_utf8(s: &str, cp: usize) -> Option<usize> {
    // A code point starts at every byte that is not a continuation byte (10xxxxxx):
    // counting them is several times faster than decoding the characters.
    let mut seen = 0;
    for (byte, b) in s.bytes().enumerate() {
        if b & 0xC0 != 0x80 {
            if seen == cp {
                return Some(byte);
            }
            seen += 1;
        }
    }
    (seen == cp).then_some(s.len())
}

/// Code point offset of byte `byte`; `None` if past the end or not on a char boundary.
///
/// Runs in O(n) time.
pub fn utf8_to_cp(s: &str, byte: usize) -> Option<usize> {
    // `is_char_boundary` is false past the end and true at `s.len()`, so it checks both.
    if !s.is_char_boundary(byte) {
        return None;
    }
    Some(cp_len(&s[..byte]))
}

/// UTF-16 offset of code point `cp`; `None` if `cp > cp_len(s)`.
///
/// Runs in O(n) time.
pub fn cp_to_utf16(s: &str, cp: usize) -> Option<usize> {
    let mut utf16_offset = 0;
    let mut chars = s.chars();
    for _ in 0..cp {
        utf16_offset += chars.next()?.len_utf16();
    }
    Some(utf16_offset)
}

/// How a UTF-16 offset that falls inside a surrogate pair is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bias {
    /// Move to the start of the pair, i.e. before the astral character.
    Before,
    /// Move to the end of the pair, i.e. after the astral character.
    After,
}

/// Code point offset of UTF-16 offset `u16_idx`; `None` if past the end.
/// An offset inside a surrogate pair is moved to the pair's start (`Bias::Before`) or end (`Bias::After`).
///
/// Runs in O(n) time.
pub fn utf16_to_cp(s: &str, u16_idx: usize, bias: Bias) -> Option<usize> {
    utf16_to_cp_from(s, u16_idx, bias, 0, 0)
}

/// `s[start_cp..end_cp)` in code points; `None` if out of range or `start_cp > end_cp`.
///
/// Runs in O(n) time.
pub fn slice_cp(s: &str, start_cp: usize, end_cp: usize) -> Option<&str> {
    if start_cp > end_cp {
        return None;
    }
    let start_byte = cp_to_utf8(s, start_cp)?;
    let end_byte = start_byte + cp_to_utf8(&s[start_byte..], end_cp - start_cp)?;
    Some(&s[start_byte..end_byte])
}

/// The first `max` code points of the UTF-8 `bytes` (all of them if fewer): their
/// length in bytes, their number and their length in UTF-16 code units.
///
/// Counts lead bytes instead of decoding, with a shortcut for an all-ASCII run. Not
/// inlined: [`IndexedText::new`] calls it once per checkpoint, and in the browser a
/// function called many times is soon optimised, while one long loop in a single call
/// runs unoptimised to its end (see `formats::native::Item`).
#[inline(never)]
fn scan_cps(bytes: &[u8], max: usize) -> (usize, usize, usize) {
    if bytes.len() >= max && bytes[..max].is_ascii() {
        return (max, max, max);
    }
    let (mut cps, mut units) = (0, 0);
    for (i, &b) in bytes.iter().enumerate() {
        if b & 0xC0 != 0x80 {
            if cps == max {
                return (i, cps, units);
            }
            cps += 1;
            // A 4-byte sequence is an astral character: a surrogate pair in UTF-16.
            units += if b >= 0xF0 { 2 } else { 1 };
        }
    }
    (bytes.len(), cps, units)
}

/// Code points between two checkpoints of an [`IndexedText`].
///
/// A lookup scans at most this many code points after a checkpoint. The index costs two
/// `usize`s per checkpoint, i.e. a quarter of a byte per code point on a 64-bit target.
pub const CHECKPOINT_CPS: usize = 64;

/// A text with an index for fast code point → byte and code point → UTF-16 conversions on long documents.
///
/// The text never changes after construction, so the index never goes stale. Equality is
/// equality of the texts: the index is a function of the text, so the derived comparison of
/// the index fields never disagrees with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedText {
    text: String,
    /// `checkpoints[k]` is the position of code point `k * CHECKPOINT_CPS`, for every such
    /// code point `<= len_cp` (so there is always at least the one at 0).
    checkpoints: Vec<Checkpoint>,
    len_cp: usize,
    len_utf16: usize,
}

impl IndexedText {
    /// Indexes `text`.
    ///
    /// Runs in O(n) time and allocates one checkpoint per [`CHECKPOINT_CPS`] code points.
    pub fn new(text: String) -> Self {
        let bytes = text.as_bytes();
        let mut checkpoints = Vec::with_capacity(bytes.len() / CHECKPOINT_CPS + 2);
        let (mut byte, mut len_cp, mut len_utf16) = (0, 0, 0);
        loop {
            // `len_cp` is a multiple of CHECKPOINT_CPS here.
            checkpoints.push(Checkpoint { byte, utf16: len_utf16 });
            let (n_bytes, n_cp, n_utf16) = scan_cps(&bytes[byte..], CHECKPOINT_CPS);
            (byte, len_cp, len_utf16) = (byte + n_bytes, len_cp + n_cp, len_utf16 + n_utf16);
            if n_cp < CHECKPOINT_CPS {
                break;
            }
            if byte == bytes.len() {
                checkpoints.push(Checkpoint { byte, utf16: len_utf16 });
                break;
            }
        }
        Self {
            text,
            checkpoints,
            len_cp,
            len_utf16,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Number of code points in the text.
    ///
    /// Runs in O(1) time.
    pub fn len_cp(&self) -> usize {
        self.len_cp
    }

    /// Number of UTF-16 code units in the text.
    ///
    /// Runs in O(1) time.
    pub fn len_utf16(&self) -> usize {
        self.len_utf16
    }

    /// Byte offset of code point `cp`; `None` if `cp > len_cp()`.
    ///
    /// Runs in O(1) time: one checkpoint lookup, then a scan of fewer than
    /// [`CHECKPOINT_CPS`] code points.
    pub fn byte_of(&self, cp: usize) -> Option<usize> {
        let (checkpoint, rest, tail, ascii) = self.after_checkpoint(cp)?;
        if ascii {
            return Some(checkpoint.byte + rest);
        }
        cp_to_utf8(tail, rest).map(|byte| checkpoint.byte + byte)
    }

    /// UTF-16 offset of code point `cp`; `None` if `cp > len_cp()`.
    ///
    /// Runs in O(1) time: one checkpoint lookup, then a scan of fewer than
    /// [`CHECKPOINT_CPS`] code points.
    pub fn utf16_of(&self, cp: usize) -> Option<usize> {
        let (checkpoint, rest, tail, ascii) = self.after_checkpoint(cp)?;
        if ascii {
            return Some(checkpoint.utf16 + rest);
        }
        cp_to_utf16(tail, rest).map(|utf16| checkpoint.utf16 + utf16)
    }

    /// Code point offset of byte `byte`; `None` if past the end or not on a char boundary.
    ///
    /// Runs in O(log n) time: a binary search over the checkpoints, then a scan of fewer than
    /// [`CHECKPOINT_CPS`] code points.
    pub fn cp_of_byte(&self, byte: usize) -> Option<usize> {
        if !self.text.is_char_boundary(byte) {
            return None;
        }
        let checkpoint_idx = self.checkpoints.partition_point(|c| c.byte <= byte) - 1;
        let checkpoint = self.checkpoints[checkpoint_idx];
        Some(checkpoint_idx * CHECKPOINT_CPS + cp_len(&self.text[checkpoint.byte..byte]))
    }

    /// Code point offset of UTF-16 offset `u16_idx`; `None` if `u16_idx > len_utf16()`.
    /// An offset inside a surrogate pair is moved to the pair's start (`Bias::Before`) or end
    /// (`Bias::After`).
    ///
    /// Runs in O(log n) time: a binary search over the checkpoints, then a scan of fewer than
    /// [`CHECKPOINT_CPS`] code points.
    pub fn cp_of_utf16(&self, u16_idx: usize, bias: Bias) -> Option<usize> {
        if u16_idx > self.len_utf16 {
            return None;
        }
        // Checkpoints sit on char boundaries, so `u16_idx` is at or after a checkpoint's start
        // and, being before the next checkpoint, is found within `CHECKPOINT_CPS` code points.
        let checkpoint_idx = self.checkpoints.partition_point(|c| c.utf16 <= u16_idx) - 1;
        let checkpoint = self.checkpoints[checkpoint_idx];
        utf16_to_cp_from(
            &self.text[checkpoint.byte..],
            u16_idx,
            bias,
            checkpoint_idx * CHECKPOINT_CPS,
            checkpoint.utf16,
        )
    }

    /// The text of code points `[start_cp, end_cp)`; `None` if out of range or
    /// `start_cp > end_cp`.
    ///
    /// Runs in O(1) time (two [`IndexedText::byte_of`] lookups).
    pub fn slice(&self, start_cp: usize, end_cp: usize) -> Option<&str> {
        if start_cp > end_cp {
            return None;
        }
        let start_byte = self.byte_of(start_cp)?;
        let end_byte = self.byte_of(end_cp)?;
        Some(&self.text[start_byte..end_byte])
    }

    /// The character at code point `cp`; `None` if `cp >= len_cp()`.
    ///
    /// Runs in O(1) time (one [`IndexedText::byte_of`] lookup).
    pub fn char_at(&self, cp: usize) -> Option<char> {
        self.text[self.byte_of(cp)?..].chars().next()
    }

    /// The checkpoint at or before code point `cp`, the number of code points from it
    /// to `cp`, the text from it, and whether those code points are all ASCII (then
    /// they are as many bytes and UTF-16 units); `None` if `cp > len_cp()`.
    fn after_checkpoint(&self, cp: usize) -> Option<(Checkpoint, usize, &str, bool)> {
        let checkpoint = self.checkpoint_of_cp(cp)?;
        let rest = cp % CHECKPOINT_CPS;
        let tail = &self.text[checkpoint.byte..];
        let ascii = tail.as_bytes().get(..rest).is_some_and(<[u8]>::is_ascii);
        Some((checkpoint, rest, tail, ascii))
    }

    /// The checkpoint at or before code point `cp`; `None` if `cp > len_cp()`.
    fn checkpoint_of_cp(&self, cp: usize) -> Option<Checkpoint> {
        if cp > self.len_cp {
            return None;
        }
        Some(self.checkpoints[cp / CHECKPOINT_CPS])
    }
}

/// The position of one code point in the other two units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Checkpoint {
    byte: usize,
    utf16: usize,
}

/// `utf16_to_cp` for a suffix `s` of a text that starts at code point `base_cp` and UTF-16
/// offset `base_utf16`; `u16_idx` counts from the start of the whole text.
fn utf16_to_cp_from(
    s: &str,
    u16_idx: usize,
    bias: Bias,
    base_cp: usize,
    base_utf16: usize,
) -> Option<usize> {
    let mut cp = base_cp;
    let mut utf16_offset = base_utf16;
    for ch in s.chars() {
        if utf16_offset == u16_idx {
            return Some(cp);
        }
        let next_utf16_offset = utf16_offset + ch.len_utf16();
        if u16_idx < next_utf16_offset {
            // Between the two surrogates of `ch`.
            return Some(match bias {
                Bias::Before => cp,
                Bias::After => cp + 1,
            });
        }
        cp += 1;
        utf16_offset = next_utf16_offset;
    }
    (utf16_offset == u16_idx).then_some(cp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../../../seeds/000_b394ad186b713fdd.txt");

    /// Texts that cover every width: 1-byte, 2-byte, 3-byte and 4-byte (surrogate pair) chars,
    /// combining marks and multi-code-point emoji.
    const SAMPLES: &[&str] = &[
        "",
        "plain ASCII",
        "caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e",
        "cafe\u{301} noir",
        "北京是中国的首都",
        "ok 👍🏽 fine",
        "family 👩\u{200d}👩\u{200d}👧 here",
        "flag 🇺🇦 up",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        SEED,
    ];

    /// The naive oracle: byte and UTF-16 offset of every code point, plus the end.
    fn oracle(s: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut utf16_offset = 0;
        for (byte, ch) in s.char_indices() {
            out.push((byte, utf16_offset));
            utf16_offset += ch.len_utf16();
        }
        out.push((s.len(), utf16_offset));
        out
    }

    #[test]
    fn lengths_match_std() {
        for s in SAMPLES {
            assert_eq!(cp_len(s), s.chars().count());
            assert_eq!(utf16_len(s), s.encode_utf16().count());
            let text = IndexedText::new(s.to_string());
            assert_eq!(text.len_cp(), cp_len(s));
            assert_eq!(text.len_utf16(), utf16_len(s));
            assert_eq!(text.as_str(), *s);
        }
    }

    #[test]
    fn conversions_match_oracle() {
        for s in SAMPLES {
            let text = IndexedText::new(s.to_string());
            let table = oracle(s);
            for (cp, &(byte, utf16)) in table.iter().enumerate() {
                assert_eq!(cp_to_utf8(s, cp), Some(byte), "{s:?} cp {cp}");
                assert_eq!(utf8_to_cp(s, byte), Some(cp));
                assert_eq!(cp_to_utf16(s, cp), Some(utf16));
                assert_eq!(utf16_to_cp(s, utf16, Bias::Before), Some(cp));
                assert_eq!(utf16_to_cp(s, utf16, Bias::After), Some(cp));
                assert_eq!(text.byte_of(cp), Some(byte));
                assert_eq!(text.utf16_of(cp), Some(utf16));
                assert_eq!(text.cp_of_byte(byte), Some(cp));
                assert_eq!(text.cp_of_utf16(utf16, Bias::Before), Some(cp));
                assert_eq!(text.char_at(cp), s[byte..].chars().next());
            }
            let n_cps = table.len() - 1;
            assert_eq!(cp_to_utf8(s, n_cps + 1), None);
            assert_eq!(cp_to_utf16(s, n_cps + 1), None);
            assert_eq!(text.byte_of(n_cps + 1), None);
            assert_eq!(text.utf16_of(usize::MAX), None);
            assert_eq!(utf8_to_cp(s, s.len() + 1), None);
            assert_eq!(utf16_to_cp(s, utf16_len(s) + 1, Bias::After), None);
            assert_eq!(text.cp_of_utf16(utf16_len(s) + 1, Bias::After), None);
            assert_eq!(text.cp_of_byte(usize::MAX), None);
        }
    }

    #[test]
    fn byte_inside_a_char_is_none() {
        let s = "caf\u{e9}";
        assert_eq!(utf8_to_cp(s, 4), None);
        assert_eq!(IndexedText::new(s.to_string()).cp_of_byte(4), None);
        assert_eq!(utf8_to_cp("👍", 2), None);
    }

    #[test]
    fn utf16_inside_a_surrogate_pair_snaps_by_bias() {
        // "a👍🏽b": 'a' at 0, 👍 at 1..3, 🏽 at 3..5, 'b' at 5.
        let s = "a👍🏽b";
        let text = IndexedText::new(s.to_string());
        for (u16_idx, before, after) in [(2, 1, 2), (4, 2, 3)] {
            assert_eq!(utf16_to_cp(s, u16_idx, Bias::Before), Some(before));
            assert_eq!(utf16_to_cp(s, u16_idx, Bias::After), Some(after));
            assert_eq!(text.cp_of_utf16(u16_idx, Bias::Before), Some(before));
            assert_eq!(text.cp_of_utf16(u16_idx, Bias::After), Some(after));
        }
        // The flag is two regional indicators, each a surrogate pair.
        let flag = "🇺🇦";
        assert_eq!(utf16_to_cp(flag, 1, Bias::Before), Some(0));
        assert_eq!(utf16_to_cp(flag, 3, Bias::After), Some(2));
    }

    #[test]
    fn decomposed_accent_is_its_own_code_point() {
        let s = "cafe\u{301} noir";
        assert_eq!(cp_len(s), 10);
        assert_eq!(slice_cp(s, 0, 5), Some("cafe\u{301}"));
        assert_eq!(slice_cp(s, 0, 4), Some("cafe"));
        assert_eq!(cp_to_utf8(s, 5), Some(6));
    }

    #[test]
    fn slices_match_oracle_and_reject_bad_ranges() {
        for s in SAMPLES {
            let text = IndexedText::new(s.to_string());
            let chars: Vec<char> = s.chars().collect();
            let n_cps = chars.len();
            for start_cp in 0..=n_cps.min(80) {
                for end_cp in start_cp..=n_cps.min(start_cp + 70) {
                    let expected: String = chars[start_cp..end_cp].iter().collect();
                    assert_eq!(slice_cp(s, start_cp, end_cp), Some(expected.as_str()));
                    assert_eq!(text.slice(start_cp, end_cp), Some(expected.as_str()));
                }
            }
            assert_eq!(slice_cp(s, 1, 0), None);
            assert_eq!(text.slice(1, 0), None);
            assert_eq!(slice_cp(s, 0, n_cps + 1), None);
            assert_eq!(text.slice(n_cps, n_cps + 1), None);
        }
    }

    #[test]
    fn seed_positions() {
        let text = IndexedText::new(SEED.to_string());
        let start_byte = SEED.find("Benjamin Netanyahu").unwrap();
        let start_cp = text.cp_of_byte(start_byte).unwrap();
        assert_eq!(
            text.slice(start_cp, start_cp + 18),
            Some("Benjamin Netanyahu")
        );
        assert_eq!(text.char_at(start_cp), Some('B'));
        assert_eq!(text.char_at(text.len_cp()), None);
    }

    #[test]
    fn equality_is_by_text() {
        let a = IndexedText::new("abc👍".to_string());
        assert_eq!(a, IndexedText::new("abc👍".to_string()));
        assert_ne!(a, IndexedText::new("abc".to_string()));
        assert_eq!(a.clone(), a);
    }

    #[test]
    fn million_char_text_uses_the_index() {
        // A mix of widths, so that byte, UTF-16 and code point offsets all drift apart.
        let unit = "ab\u{e9}北👍";
        let s = unit.repeat(200_000);
        let text = IndexedText::new(s);
        assert_eq!(text.len_cp(), 1_000_000);
        assert_eq!(text.len_utf16(), 1_200_000);
        for cp in (0..=1_000_000).step_by(9_973) {
            let (n_units, rest) = (cp / 5, cp % 5);
            let byte = n_units * unit.len() + cp_to_utf8(unit, rest).unwrap();
            let utf16 = n_units * 6 + cp_to_utf16(unit, rest).unwrap();
            assert_eq!(text.byte_of(cp), Some(byte));
            assert_eq!(text.utf16_of(cp), Some(utf16));
            assert_eq!(text.cp_of_byte(byte), Some(cp));
            assert_eq!(text.cp_of_utf16(utf16, Bias::After), Some(cp));
        }
        // UTF-16 offset 5 of the last unit is inside the 👍 pair.
        let inside = 199_999 * 6 + 5;
        assert_eq!(text.cp_of_utf16(inside, Bias::Before), Some(999_999));
        assert_eq!(text.cp_of_utf16(inside, Bias::After), Some(1_000_000));
    }
}
