//! Selection snapping: turns the raw range a user dragged in the browser into the span to annotate.
//!
//! The invariant: a snapped span is non-empty, lies inside the text, never splits an extended
//! grapheme cluster and has no whitespace at either end; snapping a snapped span again returns
//! it unchanged. [`snap_selection`] applies these rules, in order:
//!
//! 1. Clamp both ends to `[0, len]` and swap them if `start > end`. A collapsed selection
//!    (`start == end`, i.e. a click) gives `None`: it is never widened into a cluster or word.
//! 2. Snap outward to extended grapheme cluster boundaries (UAX #29, as implemented by the
//!    `unicode-segmentation` crate): the start moves back and the end moves forward, so that
//!    a span never splits an emoji ZWJ sequence, a flag, a skin-tone sequence or a base letter
//!    and its combining marks.
//! 3. Trim whitespace from both ends inward, one whole grapheme cluster at a time. A cluster
//!    counts as whitespace if it contains any `char::is_whitespace` character, so a space that
//!    carries a stray combining mark is trimmed whole rather than split.
//! 4. In [`SnapMode::Word`] (the default, which the UI uses): if the start lies strictly inside
//!    a word, move it back to the word's start; if the end lies strictly inside a word, move it
//!    forward to the word's end. A word is a maximal run of word clusters: grapheme clusters
//!    that contain a letter or digit (`char::is_alphanumeric`) and no whitespace. Combining
//!    marks, ZWJ and emoji modifiers belong to the cluster they attach to, so they never break
//!    a word; apostrophes, hyphens and all other punctuation, symbols and emoji do (selecting
//!    "Netanyahu" in "Netanyahu's" stays "Netanyahu"). A cluster with a CJK ideograph, Hiragana,
//!    Katakana or Hangul is a one-cluster word, so that two characters selected inside a Chinese
//!    sentence stay two characters. [`SnapMode::Character`] skips this step.
//! 5. Return `None` if the result is empty, e.g. when the selection held only whitespace.
//!
//! The hard part is doing this on a document of a million characters on every mouse-up. Only
//! the text around the two ends is read: each boundary test asks a `GraphemeCursor` about one
//! offset, and the cursor looks back only as far as the rules need (across the combining marks
//! of one cluster, or a run of regional indicators to pair up flags). Positions are converted
//! once through the [`IndexedText`] index and then moved a character at a time.

use unicode_segmentation::GraphemeCursor;

use super::offsets::IndexedText;

/// How far a raw selection is widened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SnapMode {
    /// Widen to grapheme clusters, then to whole words (rules 1–5). The UI's default.
    #[default]
    Word,
    /// Widen to grapheme clusters only (rules 1–3 and 5).
    Character,
}

/// Turns a raw selection `[start_cp, end_cp)` into the span to annotate, or `None` if nothing is left.
///
/// Offsets are code points; out-of-range offsets are clamped and reversed ones swapped, so this
/// never panics. See the module documentation for the rules. Runs in time proportional to the
/// distance the ends move (plus O(1) index lookups), not to the length of the text.
pub fn snap_selection(
    text: &IndexedText,
    start_cp: usize,
    end_cp: usize,
    mode: SnapMode,
) -> Option<(usize, usize)> {
    let s = text.as_str();

    // Rule 1: clamp and order.
    let len_cp = text.len_cp();
    let (start_cp, end_cp) = (start_cp.min(len_cp), end_cp.min(len_cp));
    let (start_cp, end_cp) = if start_cp <= end_cp {
        (start_cp, end_cp)
    } else {
        (end_cp, start_cp)
    };
    if start_cp == end_cp {
        return None;
    }
    let mut start = Pos {
        cp: start_cp,
        byte: text.byte_of(start_cp)?,
    };
    let mut end = Pos {
        cp: end_cp,
        byte: text.byte_of(end_cp)?,
    };

    // Rule 2: outward to cluster boundaries.
    start = floor_boundary(s, start);
    end = ceil_boundary(s, end);

    // Rule 3: trim whitespace clusters.
    while start.byte < end.byte {
        let next = next_boundary(s, start);
        if classify(&s[start.byte..next.byte]) != Cluster::Space {
            break;
        }
        start = next;
    }
    while start.byte < end.byte {
        let prev = prev_boundary(s, end);
        if classify(&s[prev.byte..end.byte]) != Cluster::Space {
            break;
        }
        end = prev;
    }
    if start.byte == end.byte {
        return None;
    }

    // Rule 4: whole words.
    if mode == SnapMode::Word {
        if cluster_after(s, start) == Some(Cluster::Word) {
            while start.byte > 0 && cluster_before(s, start) == Some(Cluster::Word) {
                start = prev_boundary(s, start);
            }
        }
        if cluster_before(s, end) == Some(Cluster::Word) {
            while end.byte < s.len() && cluster_after(s, end) == Some(Cluster::Word) {
                end = next_boundary(s, end);
            }
        }
    }

    // Rule 5: the trim above already returned `None` for an empty span, and rule 4 only widens.
    Some((start.cp, end.cp))
}

/// A position in the text in both code points and bytes, so that moving it needs no lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    cp: usize,
    byte: usize,
}

/// What a grapheme cluster is, as far as trimming and word snapping care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cluster {
    /// Contains a whitespace character; trimmed by rule 3.
    Space,
    /// Contains a CJK ideograph, kana or Hangul; a word on its own.
    Cjk,
    /// Contains a letter or digit; part of a word.
    Word,
    /// Punctuation, symbols, emoji, stray marks: a word boundary.
    Other,
}

fn classify(cluster: &str) -> Cluster {
    if cluster.chars().any(char::is_whitespace) {
        Cluster::Space
    } else if cluster.chars().any(is_cjk) {
        Cluster::Cjk
    } else if cluster.chars().any(char::is_alphanumeric) {
        Cluster::Word
    } else {
        Cluster::Other
    }
}

/// Scripts written without spaces between words, where a "word" cannot be found without a
/// dictionary; each of their characters is treated as a word of its own.
fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x1100..=0x11FF     // Hangul Jamo
        | 0x3005..=0x3007   // Ideographic iteration mark, closing mark, number zero
        | 0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3130..=0x318F   // Hangul Compatibility Jamo
        | 0x31F0..=0x31FF   // Katakana Phonetic Extensions
        | 0x3400..=0x4DBF   // CJK Unified Ideographs Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xA960..=0xA97F   // Hangul Jamo Extended-A
        | 0xAC00..=0xD7AF   // Hangul Syllables
        | 0xD7B0..=0xD7FF   // Hangul Jamo Extended-B
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9F   // Halfwidth Katakana
        | 0xFFA0..=0xFFDC   // Halfwidth Hangul
        | 0x1AFF0..=0x1B16F // Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana
        | 0x20000..=0x323AF // CJK Unified Ideographs Extensions B to H, Compatibility Supplement
    )
}

/// Whether byte offset `byte` (a char boundary) is an extended grapheme cluster boundary.
fn is_boundary(s: &str, byte: usize) -> bool {
    if byte == 0 || byte >= s.len() {
        return true;
    }
    // With the whole text as the chunk, the cursor never asks for more context; it reads
    // only the characters around `byte` that the rules need.
    GraphemeCursor::new(byte, s.len(), true)
        .is_boundary(s, 0)
        .unwrap_or(true)
}

/// The position one character before `pos`; `pos` must not be at the start.
fn step_back(s: &str, pos: Pos) -> Pos {
    let ch_len = s[..pos.byte].chars().next_back().map_or(0, char::len_utf8);
    Pos {
        cp: pos.cp - 1,
        byte: pos.byte - ch_len,
    }
}

/// The position one character after `pos`; `pos` must not be at the end.
fn step_forward(s: &str, pos: Pos) -> Pos {
    let ch_len = s[pos.byte..].chars().next().map_or(0, char::len_utf8);
    Pos {
        cp: pos.cp + 1,
        byte: pos.byte + ch_len,
    }
}

/// How many bytes before an offset [`is_cluster_boundary`] reads at most.
pub const BOUNDARY_CONTEXT_BYTES: usize = 4096;

/// Whether code point offset `cp` of `text` is an extended grapheme cluster boundary, so that
/// a span may start or end there (0 and the end of the text are). `false` if `cp` is past the
/// end.
///
/// Used to check offsets that come from outside (imported files), so it reads a bounded
/// amount of text: if deciding would need more than [`BOUNDARY_CONTEXT_BYTES`] before the
/// offset (a hostile run of thousands of combining marks or flag letters), the answer is
/// `false`, which makes the caller refuse rather than guess.
pub fn is_cluster_boundary(text: &IndexedText, cp: usize) -> bool {
    text.byte_of(cp).is_some_and(|byte| is_cluster_boundary_at_byte(text.as_str(), byte))
}

/// [`is_cluster_boundary`] for an offset already converted to bytes (`byte` must be a
/// char boundary of `s`, as [`IndexedText::byte_of`] gives), for callers that need the
/// byte offset anyway.
pub fn is_cluster_boundary_at_byte(s: &str, byte: usize) -> bool {
    if byte == 0 || byte == s.len() {
        return true;
    }
    let mut lo = byte.saturating_sub(BOUNDARY_CONTEXT_BYTES);
    while !s.is_char_boundary(lo) {
        lo += 1;
    }
    GraphemeCursor::new(byte, s.len(), true).is_boundary(&s[lo..], lo).unwrap_or(false)
}

/// The last cluster boundary at or before `pos`.
fn floor_boundary(s: &str, mut pos: Pos) -> Pos {
    while !is_boundary(s, pos.byte) {
        pos = step_back(s, pos);
    }
    pos
}

/// The first cluster boundary at or after `pos`.
fn ceil_boundary(s: &str, mut pos: Pos) -> Pos {
    while !is_boundary(s, pos.byte) {
        pos = step_forward(s, pos);
    }
    pos
}

/// The cluster boundary before `pos`, or `pos` itself at the start of the text.
fn prev_boundary(s: &str, pos: Pos) -> Pos {
    if pos.byte == 0 {
        return pos;
    }
    floor_boundary(s, step_back(s, pos))
}

/// The cluster boundary after `pos`, or `pos` itself at the end of the text.
fn next_boundary(s: &str, pos: Pos) -> Pos {
    if pos.byte >= s.len() {
        return pos;
    }
    ceil_boundary(s, step_forward(s, pos))
}

/// The kind of the cluster that ends at boundary `pos`; `None` at the start of the text.
fn cluster_before(s: &str, pos: Pos) -> Option<Cluster> {
    (pos.byte > 0).then(|| classify(&s[prev_boundary(s, pos).byte..pos.byte]))
}

/// The kind of the cluster that starts at boundary `pos`; `None` at the end of the text.
fn cluster_after(s: &str, pos: Pos) -> Option<Cluster> {
    (pos.byte < s.len()).then(|| classify(&s[pos.byte..next_boundary(s, pos).byte]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../../../seeds/000_b394ad186b713fdd.txt");

    #[test]
    fn cluster_boundaries_of_imported_offsets() {
        let t = IndexedText::new("cafe\u{301} 👍🏽 🇺🇦🇫🇷 👩‍👩‍👧.".to_owned());
        let cps: Vec<char> = t.as_str().chars().collect();
        let at = |c: char| cps.iter().position(|&x| x == c).unwrap();
        assert!(is_cluster_boundary(&t, 0) && is_cluster_boundary(&t, t.len_cp()));
        assert!(!is_cluster_boundary(&t, t.len_cp() + 1), "past the end");
        assert!(!is_cluster_boundary(&t, at('\u{301}')), "between e and its combining acute");
        assert!(!is_cluster_boundary(&t, at('\u{1F3FD}')), "between a thumb and its skin tone");
        assert!(is_cluster_boundary(&t, at('\u{1F1FA}')), "before the first flag");
        assert!(!is_cluster_boundary(&t, at('\u{1F1FA}') + 1), "inside the Ukrainian flag");
        assert!(is_cluster_boundary(&t, at('\u{1F1FA}') + 2), "between the two flags");
        assert!(!is_cluster_boundary(&t, at('\u{200D}')), "before a zero width joiner");
        assert!(!is_cluster_boundary(&t, at('\u{200D}') + 1), "after a zero width joiner");
        assert!(is_cluster_boundary(&t, at('.')), "after the family");
        // A hostile run of flag letters: deciding would need the whole run, so the answer is
        // "no" (refuse), found without reading more than the bounded context.
        let flags = IndexedText::new("\u{1F1FA}".repeat(10_000));
        assert!(!is_cluster_boundary(&flags, 9_000));
    }

    /// Snaps the selection of `s` from byte `start_byte` to `end_byte` and returns the text.
    fn snap_str(s: &str, start_byte: usize, end_byte: usize, mode: SnapMode) -> Option<String> {
        let text = IndexedText::new(s.to_string());
        let start_cp = text.cp_of_byte(start_byte).unwrap();
        let end_cp = text.cp_of_byte(end_byte).unwrap();
        let (a, b) = snap_selection(&text, start_cp, end_cp, mode)?;
        Some(text.slice(a, b).unwrap().to_string())
    }

    /// Snaps the selection of `needle`'s first occurrence in `s`.
    fn snap_needle(s: &str, needle: &str, mode: SnapMode) -> Option<String> {
        let start_byte = s.find(needle).unwrap();
        snap_str(s, start_byte, start_byte + needle.len(), mode)
    }

    #[test]
    fn partial_name_in_seed_grows_to_whole_words() {
        let got = snap_needle(SEED, "enjamin Netanyah", SnapMode::Word);
        assert_eq!(got.as_deref(), Some("Benjamin Netanyahu"));
    }

    #[test]
    fn surrounding_spaces_are_trimmed() {
        let got = snap_needle(SEED, " Benjamin Netanyahu ", SnapMode::Word);
        assert_eq!(got.as_deref(), Some("Benjamin Netanyahu"));
        let got = snap_needle(SEED, " Benjamin Netanyahu ", SnapMode::Character);
        assert_eq!(got.as_deref(), Some("Benjamin Netanyahu"));
    }

    #[test]
    fn whitespace_only_selection_is_none() {
        let text = IndexedText::new(SEED.to_string());
        let start_byte = SEED.find("\n\n").unwrap();
        let start_cp = text.cp_of_byte(start_byte).unwrap();
        assert_eq!(
            snap_selection(&text, start_cp, start_cp + 2, SnapMode::Word),
            None
        );
        assert_eq!(snap_str("a \t\r\n b", 1, 6, SnapMode::Character), None);
    }

    #[test]
    fn collapsed_selection_is_none() {
        let text = IndexedText::new("Netanyahu".to_string());
        assert_eq!(snap_selection(&text, 3, 3, SnapMode::Word), None);
        let text = IndexedText::new("👩\u{200d}👩\u{200d}👧".to_string());
        assert_eq!(snap_selection(&text, 2, 2, SnapMode::Character), None);
    }

    #[test]
    fn apostrophe_ends_a_word() {
        let got = snap_needle(SEED, "Netanyahu's", SnapMode::Word);
        assert_eq!(got.as_deref(), Some("Netanyahu's"));
        let got = snap_needle(SEED, "etanyahu", SnapMode::Word);
        assert_eq!(got.as_deref(), Some("Netanyahu"));
        let s = "over Netanyahu's sudden";
        let start_byte = s.find("Netanyahu").unwrap();
        assert_eq!(
            snap_str(s, start_byte, start_byte + 9, SnapMode::Word).as_deref(),
            Some("Netanyahu")
        );
        assert_eq!(
            snap_str(s, start_byte + 1, start_byte + 4, SnapMode::Word).as_deref(),
            Some("Netanyahu")
        );
        let s = "US-Israel";
        assert_eq!(snap_str(s, 3, 5, SnapMode::Word).as_deref(), Some("Israel"));
    }

    #[test]
    fn half_a_zwj_family_snaps_to_the_whole_emoji() {
        let s = "I ❤️ 👩\u{200d}👩\u{200d}👧 ok";
        let family = "👩\u{200d}👩\u{200d}👧";
        let text = IndexedText::new(s.to_string());
        let family_cp = text.cp_of_byte(s.find(family).unwrap()).unwrap();
        for mode in [SnapMode::Word, SnapMode::Character] {
            // From the first woman to the middle of the sequence.
            let got = snap_selection(&text, family_cp, family_cp + 2, mode);
            assert_eq!(got, Some((family_cp, family_cp + 5)));
            // From the middle to the end.
            let got = snap_selection(&text, family_cp + 3, family_cp + 5, mode);
            assert_eq!(got, Some((family_cp, family_cp + 5)));
        }
        // The heart is U+2764 U+FE0F: half of it is the whole of it.
        let heart_cp = 2;
        assert_eq!(
            snap_selection(&text, heart_cp, heart_cp + 1, SnapMode::Word),
            Some((2, 4))
        );
    }

    #[test]
    fn flags_and_skin_tones_are_never_split() {
        // Two flags back to back: regional indicators pair up from the left.
        let s = "🇺🇦🇵🇱";
        let text = IndexedText::new(s.to_string());
        assert_eq!(
            snap_selection(&text, 1, 3, SnapMode::Character),
            Some((0, 4))
        );
        assert_eq!(
            snap_selection(&text, 2, 3, SnapMode::Character),
            Some((2, 4))
        );
        let s = "ok 👍🏽 fine";
        let text = IndexedText::new(s.to_string());
        assert_eq!(snap_selection(&text, 3, 4, SnapMode::Word), Some((3, 5)));
        assert_eq!(snap_selection(&text, 4, 5, SnapMode::Word), Some((3, 5)));
    }

    #[test]
    fn combining_accent_follows_its_letter() {
        let s = "cafe\u{301} noir";
        let text = IndexedText::new(s.to_string());
        assert_eq!(
            snap_selection(&text, 0, 3, SnapMode::Character),
            Some((0, 3))
        );
        // Ending between 'e' and U+0301 takes the accent.
        assert_eq!(
            snap_selection(&text, 0, 4, SnapMode::Character),
            Some((0, 5))
        );
        // Starting on the accent takes its letter.
        assert_eq!(
            snap_selection(&text, 4, 5, SnapMode::Character),
            Some((3, 5))
        );
        // In Word mode "caf" is inside "café", and the accent is part of the word.
        assert_eq!(snap_selection(&text, 0, 3, SnapMode::Word), Some((0, 5)));
        assert_eq!(snap_selection(&text, 7, 8, SnapMode::Word), Some((6, 10)));
    }

    #[test]
    fn cjk_characters_are_one_character_words() {
        let s = "北京是中国的首都";
        let text = IndexedText::new(s.to_string());
        assert_eq!(snap_selection(&text, 1, 3, SnapMode::Word), Some((1, 3)));
        assert_eq!(snap_selection(&text, 3, 1, SnapMode::Word), Some((1, 3)));
        // A Latin word next to CJK does not swallow it.
        let text = IndexedText::new("用Rust写".to_string());
        assert_eq!(snap_selection(&text, 2, 3, SnapMode::Word), Some((1, 5)));
    }

    #[test]
    fn out_of_range_and_reversed_selections_are_clamped() {
        let text = IndexedText::new("hello world".to_string());
        assert_eq!(snap_selection(&text, 100, 6, SnapMode::Word), Some((6, 11)));
        assert_eq!(
            snap_selection(&text, usize::MAX, 0, SnapMode::Character),
            Some((0, 11))
        );
        assert_eq!(snap_selection(&text, 50, 60, SnapMode::Word), None);
        let empty = IndexedText::new(String::new());
        assert_eq!(snap_selection(&empty, 0, 5, SnapMode::Word), None);
    }

    #[test]
    fn space_with_a_stray_mark_is_trimmed_whole() {
        // " \u{301}" is one cluster: trimming must not leave the mark behind on its own.
        let s = "a \u{301}b";
        let text = IndexedText::new(s.to_string());
        assert_eq!(
            snap_selection(&text, 1, 4, SnapMode::Character),
            Some((3, 4))
        );
        assert_eq!(
            snap_selection(&text, 0, 3, SnapMode::Character),
            Some((0, 1))
        );
    }

    #[test]
    fn punctuation_only_selection_is_kept() {
        let text = IndexedText::new("a, b".to_string());
        assert_eq!(snap_selection(&text, 1, 2, SnapMode::Word), Some((1, 2)));
    }

    #[test]
    fn snapping_is_idempotent_on_the_seed() {
        let text = IndexedText::new(SEED.to_string());
        let len_cp = text.len_cp();
        for start_cp in (0..len_cp).step_by(37) {
            for width in [1, 5, 23] {
                for mode in [SnapMode::Word, SnapMode::Character] {
                    if let Some((a, b)) = snap_selection(&text, start_cp, start_cp + width, mode) {
                        assert_eq!(snap_selection(&text, a, b, mode), Some((a, b)));
                    }
                }
            }
        }
    }

    #[test]
    fn million_char_text_snaps_locally() {
        let text =
            IndexedText::new("Lorem ipsum 👩\u{200d}👩\u{200d}👧 dolor, 北京. ".repeat(35_000));
        assert!(text.len_cp() > 900_000);
        let mid = text.len_cp() / 2;
        for offset in 0..2_000 {
            let start_cp = mid + offset;
            let got = snap_selection(&text, start_cp, start_cp + 3, SnapMode::Word);
            if let Some((a, b)) = got {
                assert!(a <= start_cp + 3 && b >= start_cp && b - a < 40);
            }
        }
    }
}
