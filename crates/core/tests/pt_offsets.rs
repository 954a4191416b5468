#![cfg(not(target_arch = "wasm32"))]
//! Property tests for `model::offsets`: every conversion and every `IndexedText` method is
//! compared against a naive oracle built from `char_indices()` and `len_utf16()`, at every
//! offset of the text and past its end.

use proptest::prelude::*;
use spantag_core::model::offsets::{
    cp_len, cp_to_utf16, cp_to_utf8, slice_cp, utf16_len, utf16_to_cp, utf8_to_cp, Bias,
    IndexedText, CHECKPOINT_CPS,
};

/// One piece of text: single characters of every UTF-8 and UTF-16 width, combining marks,
/// multi-code-point emoji (skin tones, ZWJ sequences, flags), CJK, and now and then any char.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::char::range('!', '~').prop_map(String::from),
        2 => Just(" ".to_string()),
        2 => prop::sample::select(vec!["\u{e9}", "\u{fc}", "\u{f1}", "\u{df}", "\u{3b1}", "\u{416}"]).prop_map(String::from),
        2 => prop::sample::select(vec!["e\u{301}", "\u{301}", "\u{308}", "\u{327}", "a\u{308}\u{301}"]).prop_map(String::from),
        2 => prop::sample::select(vec!["北", "京", "中", "あ", "カ", "한", "\u{1100}\u{1161}"]).prop_map(String::from),
        2 => prop::sample::select(vec!["👍", "😀", "𝔘", "🏽", "👍🏽", "\u{fe0f}", "❤\u{fe0f}"]).prop_map(String::from),
        2 => prop::sample::select(vec![
            "👩\u{200d}👩\u{200d}👧", "👨\u{200d}💻", "\u{200d}", "🇺🇦", "🇺", "🇵🇱",
        ]).prop_map(String::from),
        1 => prop::sample::select(vec!["\n", "\r\n", "\t", "\u{a0}", "\u{3000}", "\u{600}", "क्ष"]).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ]
}

fn text(max_pieces: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..max_pieces).prop_map(|pieces| pieces.concat())
}

/// The oracle: byte and UTF-16 offset of every code point, then those of the end.
fn oracle(s: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut utf16_offset = 0;
    for (byte, ch) in s.char_indices() {
        out.push((byte, utf16_offset));
        utf16_offset += ch.len_utf16();
    }
    out.push((s.len(), utf16_offset));
    out
}

/// The oracle's answer for a UTF-16 offset: `(Before, After)` code points, `None` past the end.
fn oracle_utf16_to_cp(table: &[(usize, usize)], u16_idx: usize) -> Option<(usize, usize)> {
    for (cp, &(_, utf16)) in table.iter().enumerate() {
        if utf16 == u16_idx {
            return Some((cp, cp));
        }
        if utf16 > u16_idx {
            // Inside the surrogate pair of code point `cp - 1`.
            return Some((cp - 1, cp));
        }
    }
    None
}

/// Every `IndexedText` lookup on `s` against the oracle, at every offset and past the end.
fn indexed_matches_oracle(s: &str) -> Result<(), TestCaseError> {
    let s = s.to_owned();
    let indexed = IndexedText::new(s.clone());
    let table = oracle(&s);
    let n_cps = table.len() - 1;
    let units: Vec<u16> = s.encode_utf16().collect();
    for cp in 0..=n_cps + 3 {
        let expected = table.get(cp);
        prop_assert_eq!(indexed.byte_of(cp), expected.map(|&(byte, _)| byte), "cp {}", cp);
        prop_assert_eq!(indexed.utf16_of(cp), expected.map(|&(_, utf16)| utf16), "cp {}", cp);
        prop_assert_eq!(indexed.char_at(cp), expected.and_then(|&(byte, _)| s[byte..].chars().next()));
    }
    for byte in 0..=s.len() + 3 {
        let expected = table.iter().position(|&(b, _)| b == byte);
        prop_assert_eq!(indexed.cp_of_byte(byte), expected, "byte {}", byte);
    }
    for u16_idx in 0..=units.len() + 3 {
        let expected = oracle_utf16_to_cp(&table, u16_idx);
        prop_assert_eq!(indexed.cp_of_utf16(u16_idx, Bias::Before), expected.map(|(b, _)| b));
        prop_assert_eq!(indexed.cp_of_utf16(u16_idx, Bias::After), expected.map(|(_, a)| a));
    }
    for huge in [usize::MAX, usize::MAX / 2] {
        prop_assert_eq!(indexed.byte_of(huge), None);
        prop_assert_eq!(indexed.utf16_of(huge), None);
        prop_assert_eq!(indexed.char_at(huge), None);
        prop_assert_eq!(indexed.cp_of_byte(huge), None);
        prop_assert_eq!(indexed.cp_of_utf16(huge, Bias::After), None);
        prop_assert_eq!(indexed.slice(0, huge), None);
    }
    Ok(())
}

/// Long ASCII runs (the index's fast path skips whole all-ASCII stretches) between pieces.
fn text_with_ascii_runs() -> impl Strategy<Value = String> {
    let run = (0usize..200).prop_map(|n| "abcdefghij ".chars().cycle().take(n).collect::<String>());
    prop::collection::vec(prop_oneof![run, piece()], 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn pt_lengths_match_std(s in text(60)) {
        prop_assert_eq!(cp_len(&s), s.chars().count());
        prop_assert_eq!(utf16_len(&s), s.encode_utf16().count());
        let indexed = IndexedText::new(s.clone());
        prop_assert_eq!(indexed.len_cp(), s.chars().count());
        prop_assert_eq!(indexed.len_utf16(), s.encode_utf16().count());
        prop_assert_eq!(indexed.as_str(), s.as_str());
    }

    #[test]
    fn pt_cp_conversions_match_oracle(s in text(60)) {
        let table = oracle(&s);
        let n_cps = table.len() - 1;
        for cp in 0..=n_cps + 3 {
            let expected = table.get(cp);
            prop_assert_eq!(cp_to_utf8(&s, cp), expected.map(|&(byte, _)| byte));
            prop_assert_eq!(cp_to_utf16(&s, cp), expected.map(|&(_, utf16)| utf16));
        }
        prop_assert_eq!(cp_to_utf8(&s, usize::MAX), None);
        prop_assert_eq!(cp_to_utf16(&s, usize::MAX), None);
    }

    #[test]
    fn pt_utf8_to_cp_matches_oracle(s in text(60)) {
        let table = oracle(&s);
        for byte in 0..=s.len() + 3 {
            let expected = table.iter().position(|&(b, _)| b == byte);
            prop_assert_eq!(utf8_to_cp(&s, byte), expected, "byte {}", byte);
        }
        prop_assert_eq!(utf8_to_cp(&s, usize::MAX), None);
    }

    #[test]
    fn pt_utf16_to_cp_matches_oracle_and_snaps_by_bias(s in text(60)) {
        let table = oracle(&s);
        let units: Vec<u16> = s.encode_utf16().collect();
        for u16_idx in 0..=units.len() + 3 {
            let expected = oracle_utf16_to_cp(&table, u16_idx);
            let before = utf16_to_cp(&s, u16_idx, Bias::Before);
            let after = utf16_to_cp(&s, u16_idx, Bias::After);
            prop_assert_eq!(before, expected.map(|(b, _)| b), "u16 {}", u16_idx);
            prop_assert_eq!(after, expected.map(|(_, a)| a), "u16 {}", u16_idx);
            if let (Some(before), Some(after)) = (before, after) {
                // Never half a surrogate pair: both answers are real code point offsets that
                // bracket the UTF-16 offset, at most one character apart.
                let before_utf16 = cp_to_utf16(&s, before).unwrap();
                let after_utf16 = cp_to_utf16(&s, after).unwrap();
                prop_assert!(before_utf16 <= u16_idx && u16_idx <= after_utf16);
                prop_assert!(after - before <= 1);
                let inside_pair = u16_idx > 0
                    && u16_idx < units.len()
                    && (0xDC00..0xE000).contains(&units[u16_idx]);
                prop_assert_eq!(inside_pair, before != after);
            }
        }
        prop_assert_eq!(utf16_to_cp(&s, usize::MAX, Bias::Before), None);
    }

    #[test]
    fn pt_round_trips_are_identity(s in text(60)) {
        let n_cps = cp_len(&s);
        for cp in 0..=n_cps {
            let byte = cp_to_utf8(&s, cp).unwrap();
            prop_assert_eq!(utf8_to_cp(&s, byte), Some(cp));
            let utf16 = cp_to_utf16(&s, cp).unwrap();
            prop_assert_eq!(utf16_to_cp(&s, utf16, Bias::Before), Some(cp));
            prop_assert_eq!(utf16_to_cp(&s, utf16, Bias::After), Some(cp));
        }
    }

    #[test]
    fn pt_slice_cp_matches_oracle(s in text(40), start_cp in 0usize..60, end_cp in 0usize..60) {
        let chars: Vec<char> = s.chars().collect();
        let expected: Option<String> = (start_cp <= end_cp && end_cp <= chars.len())
            .then(|| chars[start_cp..end_cp].iter().collect());
        prop_assert_eq!(slice_cp(&s, start_cp, end_cp), expected.as_deref());
        let indexed = IndexedText::new(s.clone());
        prop_assert_eq!(indexed.slice(start_cp, end_cp), expected.as_deref());
    }

    #[test]
    fn pt_indexed_text_matches_oracle(s in text(400)) {
        indexed_matches_oracle(&s)?;
    }

    #[test]
    fn pt_indexed_text_with_long_ascii_runs_matches_oracle(s in text_with_ascii_runs()) {
        indexed_matches_oracle(&s)?;
    }

    #[test]
    fn pt_indexed_text_agrees_with_free_functions(s in text(400), start_cp in 0usize..500, len_cp in 0usize..150) {
        let indexed = IndexedText::new(s.clone());
        let end_cp = start_cp + len_cp;
        prop_assert_eq!(indexed.slice(start_cp, end_cp), slice_cp(&s, start_cp, end_cp));
        prop_assert_eq!(indexed.byte_of(start_cp), cp_to_utf8(&s, start_cp));
        prop_assert_eq!(indexed.utf16_of(end_cp), cp_to_utf16(&s, end_cp));
        // Exercise the checkpoint edges explicitly.
        for k in 0..=indexed.len_cp() / CHECKPOINT_CPS + 1 {
            for cp in [k * CHECKPOINT_CPS, (k * CHECKPOINT_CPS).saturating_sub(1), k * CHECKPOINT_CPS + 1] {
                prop_assert_eq!(indexed.byte_of(cp), cp_to_utf8(&s, cp));
                let utf16 = cp_to_utf16(&s, cp);
                prop_assert_eq!(indexed.utf16_of(cp), utf16);
                if let Some(utf16) = utf16 {
                    prop_assert_eq!(indexed.cp_of_utf16(utf16, Bias::Before), Some(cp));
                }
            }
        }
    }

    #[test]
    fn pt_equality_is_by_text(a in text(20), b in text(20)) {
        prop_assert_eq!(IndexedText::new(a.clone()) == IndexedText::new(b.clone()), a == b);
    }
}
