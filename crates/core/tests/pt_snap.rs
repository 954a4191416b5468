#![cfg(not(target_arch = "wasm32"))]
//! Property tests for `model::snap`: random texts and random selections, checked against the
//! invariants in the module docs and against a naive oracle that segments the whole text with
//! `unicode_segmentation` and applies the rules to the list of clusters.

use proptest::prelude::*;
use spantag_core::model::offsets::IndexedText;
use spantag_core::model::snap::{snap_selection, SnapMode};
use unicode_segmentation::UnicodeSegmentation;

/// One piece of text, with many word boundaries: letters, apostrophes and hyphens, spaces of
/// every kind, combining marks (also on spaces and punctuation), CJK, emoji and flags.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec!["a", "b", "Z", "7", "é", "Ж"]).prop_map(String::from),
        3 => prop::sample::select(vec![" ", " ", "\n", "\r\n", "\t", "\u{a0}", "\u{3000}"]).prop_map(String::from),
        2 => prop::sample::select(vec!["'", "-", ",", ".", "\u{2019}", "_", "!"]).prop_map(String::from),
        2 => prop::sample::select(vec!["e\u{301}", "\u{301}", "\u{308}", " \u{301}", "-\u{301}"]).prop_map(String::from),
        2 => prop::sample::select(vec!["北", "京", "あ", "カ", "한", "\u{1100}\u{1161}"]).prop_map(String::from),
        2 => prop::sample::select(vec!["👍", "👍🏽", "🏽", "❤\u{fe0f}", "\u{200d}", "\u{fe0f}"]).prop_map(String::from),
        2 => prop::sample::select(vec!["👩\u{200d}👩\u{200d}👧", "👨\u{200d}💻", "🇺🇦", "🇺", "🇵🇱"]).prop_map(String::from),
        1 => prop::sample::select(vec!["\u{600}", "\u{600}5", "\u{d4e} ", "क्ष", "1\u{fe0f}\u{20e3}"]).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..60).prop_map(|pieces| pieces.concat())
}

fn selections() -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((0usize..1_000, 0usize..1_000), 1..24)
}

/// What a cluster is: the test's own statement of the module-doc definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Space,
    Cjk,
    Word,
    Other,
}

fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x1100..=0x11FF | 0x3005..=0x3007 | 0x3040..=0x30FF | 0x3130..=0x318F | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF
        | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0xFFA0..=0xFFDC | 0x1AFF0..=0x1B16F | 0x20000..=0x323AF)
}

fn kind(cluster: &str) -> Kind {
    if cluster.chars().any(char::is_whitespace) {
        Kind::Space
    } else if cluster.chars().any(is_cjk) {
        Kind::Cjk
    } else if cluster.chars().any(char::is_alphanumeric) {
        Kind::Word
    } else {
        Kind::Other
    }
}

/// The whole text segmented once: each cluster's code point range and kind.
struct Clusters {
    ranges: Vec<(usize, usize)>,
    kinds: Vec<Kind>,
    len_cp: usize,
}

impl Clusters {
    fn new(s: &str) -> Self {
        let mut ranges = Vec::new();
        let mut kinds = Vec::new();
        let mut cp = 0;
        for cluster in s.graphemes(true) {
            let n = cluster.chars().count();
            ranges.push((cp, cp + n));
            kinds.push(kind(cluster));
            cp += n;
        }
        Self {
            ranges,
            kinds,
            len_cp: cp,
        }
    }

    fn is_boundary(&self, cp: usize) -> bool {
        cp == 0 || self.ranges.iter().any(|&(_, end)| end == cp)
    }

    /// Index of the cluster that contains code point `cp`.
    fn index_of(&self, cp: usize) -> usize {
        self.ranges
            .iter()
            .position(|&(start, end)| start <= cp && cp < end)
            .unwrap()
    }

    fn kind_before(&self, cp: usize) -> Option<Kind> {
        (cp > 0).then(|| self.kinds[self.index_of(cp - 1)])
    }

    fn kind_after(&self, cp: usize) -> Option<Kind> {
        (cp < self.len_cp).then(|| self.kinds[self.index_of(cp)])
    }

    /// Whether boundary `cp` lies strictly inside a word.
    fn inside_word(&self, cp: usize) -> bool {
        self.kind_before(cp) == Some(Kind::Word) && self.kind_after(cp) == Some(Kind::Word)
    }

    /// The rules of the module docs, applied to the list of clusters.
    fn snap(&self, start_cp: usize, end_cp: usize, mode: SnapMode) -> Option<(usize, usize)> {
        let (a, b) = (start_cp.min(self.len_cp), end_cp.min(self.len_cp));
        let (a, b) = (a.min(b), a.max(b));
        if a == b {
            return None;
        }
        // The clusters that overlap [a, b).
        let mut first = self.ranges.iter().position(|&(_, end)| end > a)?;
        let mut last = self.ranges.iter().rposition(|&(start, _)| start < b)?;
        while first <= last && self.kinds[first] == Kind::Space {
            first += 1;
        }
        while first <= last && self.kinds[last] == Kind::Space {
            if last == 0 {
                return None;
            }
            last -= 1;
        }
        if first > last {
            return None;
        }
        if mode == SnapMode::Word {
            if self.kinds[first] == Kind::Word {
                while first > 0 && self.kinds[first - 1] == Kind::Word {
                    first -= 1;
                }
            }
            if self.kinds[last] == Kind::Word {
                while last + 1 < self.kinds.len() && self.kinds[last + 1] == Kind::Word {
                    last += 1;
                }
            }
        }
        Some((self.ranges[first].0, self.ranges[last].1))
    }
}

fn check_selection(
    s: &str,
    indexed: &IndexedText,
    clusters: &Clusters,
    start_cp: usize,
    end_cp: usize,
    mode: SnapMode,
) -> Result<(), TestCaseError> {
    let got = snap_selection(indexed, start_cp, end_cp, mode);
    prop_assert_eq!(
        got,
        clusters.snap(start_cp, end_cp, mode),
        "{:?} [{}, {}) {:?}",
        s,
        start_cp,
        end_cp,
        mode
    );

    let len_cp = indexed.len_cp();
    let (a, b) = (start_cp.min(len_cp), end_cp.min(len_cp));
    let (a, b) = (a.min(b), a.max(b));
    let chars: Vec<char> = s.chars().collect();
    // Code points of the selection whose cluster holds no whitespace: the content to keep.
    let kept: Vec<usize> = (a..b)
        .filter(|&cp| clusters.kinds[clusters.index_of(cp)] != Kind::Space)
        .collect();

    let Some((rs, re)) = got else {
        prop_assert!(kept.is_empty(), "dropped content of {:?} [{}, {})", s, a, b);
        return Ok(());
    };
    prop_assert!(rs < re && re <= len_cp);
    prop_assert!(
        clusters.is_boundary(rs) && clusters.is_boundary(re),
        "splits a cluster: [{}, {})",
        rs,
        re
    );
    prop_assert!(!chars[rs].is_whitespace() && !chars[re - 1].is_whitespace());
    prop_assert!(
        kept.iter().all(|&cp| rs <= cp && cp < re),
        "lost content: [{}, {}) from [{}, {})",
        rs,
        re,
        a,
        b
    );
    match mode {
        SnapMode::Character => {
            // Only widened to the clusters the selection touches.
            let floor = clusters.ranges[clusters.index_of(a)].0;
            let ceil = clusters.ranges[clusters.index_of(b - 1)].1;
            prop_assert!(floor <= rs && re <= ceil);
        }
        SnapMode::Word => {
            prop_assert!(!clusters.inside_word(rs) && !clusters.inside_word(re));
        }
    }
    prop_assert_eq!(
        snap_selection(indexed, rs, re, mode),
        Some((rs, re)),
        "not idempotent"
    );
    Ok(())
}

proptest! {
    #[test]
    fn pt_snap_word_mode(s in text(), sels in selections()) {
        let indexed = IndexedText::new(s.clone());
        let clusters = Clusters::new(&s);
        let modulus = indexed.len_cp() + 4;
        for (start_cp, end_cp) in sels {
            check_selection(&s, &indexed, &clusters, start_cp % modulus, end_cp % modulus, SnapMode::Word)?;
        }
    }

    #[test]
    fn pt_snap_character_mode(s in text(), sels in selections()) {
        let indexed = IndexedText::new(s.clone());
        let clusters = Clusters::new(&s);
        let modulus = indexed.len_cp() + 4;
        for (start_cp, end_cp) in sels {
            check_selection(&s, &indexed, &clusters, start_cp % modulus, end_cp % modulus, SnapMode::Character)?;
        }
    }

    #[test]
    fn pt_snap_every_selection_of_short_texts(s in prop::collection::vec(piece(), 0..8).prop_map(|p| p.concat())) {
        let indexed = IndexedText::new(s.clone());
        let clusters = Clusters::new(&s);
        let len_cp = indexed.len_cp();
        for start_cp in 0..=len_cp + 1 {
            for end_cp in 0..=len_cp + 1 {
                for mode in [SnapMode::Word, SnapMode::Character] {
                    check_selection(&s, &indexed, &clusters, start_cp, end_cp, mode)?;
                }
            }
        }
    }

    #[test]
    fn pt_snap_never_panics_on_huge_offsets(s in text(), start_cp in any::<usize>(), end_cp in any::<usize>()) {
        let indexed = IndexedText::new(s);
        for mode in [SnapMode::Word, SnapMode::Character] {
            if let Some((rs, re)) = snap_selection(&indexed, start_cp, end_cp, mode) {
                prop_assert!(rs < re && re <= indexed.len_cp());
            }
        }
    }
}
