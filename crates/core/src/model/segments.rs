//! Segmentation: the text plus the annotations gives the runs to render.
//!
//! A run is a maximal range of code points over which the set of covering
//! annotations does not change (like xi's `Spans::merge`). Runs tile the requested
//! range with no gap and no overlap, so rendering every run renders the exact text
//! once. The hard part is doing it in O((n + k) log k): a sweep over the 2k sorted
//! span boundaries with an ordered active set, never a scan of all annotations per
//! character.
//!
//! [`lanes`] gives each annotation a stable lane (an underline depth) such that two
//! overlapping annotations never share a lane, so nested and crossing spans stay
//! visible and can be told apart.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A range of text with the annotations covering it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Indices into the input slice of the annotations covering the run, outermost
    /// first (by start, then longer first, then index).
    pub covering: Vec<usize>,
}

/// Splits `[from, to)` into runs. `spans` are half-open `(start, end)` code point
/// ranges; empty spans and the parts outside `[from, to)` are ignored.
/// Runs in O(k log k + (k + r)·d) for k spans, r runs and d the deepest nesting.
pub fn segments(from: usize, to: usize, spans: &[(usize, usize)]) -> Vec<Run> {
    if from >= to {
        return Vec::new();
    }
    // Boundary events, clipped to the range: (position, is_start, index).
    let mut events: Vec<(usize, bool, usize)> = Vec::with_capacity(spans.len() * 2);
    for (idx, &(s, e)) in spans.iter().enumerate() {
        let (s, e) = (s.max(from), e.min(to));
        if s < e {
            events.push((s, true, idx));
            events.push((e, false, idx));
        }
    }
    super::sort::sort(&mut events);
    // Active spans ordered outermost first: (start, Reverse(end), idx), kept sorted.
    // A sorted Vec rather than a BTreeSet: it holds only the spans open at one
    // position (the nesting depth), and it spares the wasm a BTree instantiation.
    let mut active: Vec<(usize, Reverse<usize>, usize)> = Vec::new();
    let mut runs = Vec::new();
    let mut pos = from;
    let mut i = 0;
    while pos < to {
        while i < events.len() && events[i].0 == pos {
            let (_, is_start, idx) = events[i];
            let key = (spans[idx].0.max(from), Reverse(spans[idx].1.min(to)), idx);
            match (is_start, active.binary_search(&key)) {
                (true, Err(at)) => active.insert(at, key),
                (false, Ok(at)) => {
                    active.remove(at);
                }
                _ => {}
            }
            i += 1;
        }
        let next = events.get(i).map_or(to, |e| e.0.min(to));
        if next > pos {
            runs.push(Run { start: pos, end: next, covering: active.iter().map(|k| k.2).collect() });
        }
        pos = next;
    }
    runs
}

/// Assigns each span a lane, the smallest one free among the spans overlapping it
/// that start earlier (outer first). Overlapping spans never share a lane.
/// Runs in O(k log k). Free lanes are kept in a 256-bit set, so that the common
/// case (spans that overlap nothing) allocates nothing: the app runs this over every
/// annotation on every edit.
pub fn lanes(spans: &[(usize, usize)]) -> Vec<u8> {
    // An annotation set's items are already in this order (start, longer first): then
    // one pass checks it, instead of a sort through a comparison behind `dyn`.
    let key = |&(s, e): &(usize, usize)| (s, Reverse(e));
    let order: Vec<usize> = if spans.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        (0..spans.len()).collect()
    } else {
        super::sort::sorted_indices(spans.len(), &mut |a, b| (key(&spans[a]), a).cmp(&(key(&spans[b]), b)))
    };
    let mut out = vec![0u8; spans.len()];
    // Active spans as (Reverse(end), lane) so the earliest end is on top.
    let mut ending: BinaryHeap<(Reverse<usize>, u8)> = BinaryHeap::new();
    let mut free = LaneSet::default();
    let mut n_lanes: u8 = 0;
    for i in order {
        let (s, _) = spans[i];
        while let Some(&(Reverse(e), lane)) = ending.peek() {
            if e > s {
                break;
            }
            ending.pop();
            free.insert(lane);
        }
        let lane = match free.pop_first() {
            Some(l) => l,
            None => {
                let l = n_lanes;
                n_lanes = n_lanes.saturating_add(1);
                l
            }
        };
        out[i] = lane;
        ending.push((Reverse(spans[i].1), lane));
    }
    out
}

/// A set of lanes (`u8`), as 256 bits.
#[derive(Default)]
struct LaneSet([u64; 4]);

impl LaneSet {
    fn insert(&mut self, lane: u8) {
        self.0[usize::from(lane / 64)] |= 1 << (lane % 64);
    }

    fn pop_first(&mut self) -> Option<u8> {
        for (w, bits) in self.0.iter_mut().enumerate() {
            if *bits != 0 {
                let b = bits.trailing_zeros();
                *bits &= *bits - 1;
                return Some((w as u32 * 64 + b) as u8);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_tile_the_range_and_nest_outer_first() {
        // Claim 0..20 contains Actor 2..5 and Event 4..10 (crossing the Actor).
        let spans = [(0, 20), (2, 5), (4, 10)];
        let runs = segments(0, 25, &spans);
        let got: Vec<_> = runs.iter().map(|r| (r.start, r.end, r.covering.clone())).collect();
        assert_eq!(
            got,
            vec![
                (0, 2, vec![0]),
                (2, 4, vec![0, 1]),
                (4, 5, vec![0, 1, 2]),
                (5, 10, vec![0, 2]),
                (10, 20, vec![0]),
                (20, 25, vec![]),
            ]
        );
    }

    #[test]
    fn runs_match_a_btreeset_reference() {
        // The active set was a BTreeSet; the sorted Vec must give the same runs.
        fn reference(from: usize, to: usize, spans: &[(usize, usize)]) -> Vec<(usize, usize, Vec<usize>)> {
            let mut events: Vec<(usize, bool, usize)> = Vec::new();
            for (idx, &(s, e)) in spans.iter().enumerate() {
                let (s, e) = (s.max(from), e.min(to));
                if s < e {
                    events.push((s, true, idx));
                    events.push((e, false, idx));
                }
            }
            events.sort_unstable();
            let mut active = std::collections::BTreeSet::new();
            let (mut runs, mut pos, mut i) = (Vec::new(), from, 0);
            while pos < to {
                while i < events.len() && events[i].0 == pos {
                    let (_, is_start, idx) = events[i];
                    let key = (spans[idx].0.max(from), Reverse(spans[idx].1.min(to)), idx);
                    if is_start {
                        active.insert(key);
                    } else {
                        active.remove(&key);
                    }
                    i += 1;
                }
                let next = events.get(i).map_or(to, |e| e.0.min(to));
                if next > pos {
                    runs.push((pos, next, active.iter().map(|k| k.2).collect()));
                }
                pos = next;
            }
            runs
        }
        let mut seed = 3u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..500 {
            let spans: Vec<(usize, usize)> = (0..next() % 30).map(|_| { let s = next() % 60; (s, s + next() % 25) }).collect();
            let (from, to) = (next() % 20, next() % 80);
            let got: Vec<_> = segments(from, to, &spans).into_iter().map(|r| (r.start, r.end, r.covering)).collect();
            assert_eq!(got, reference(from, to, &spans), "{from}..{to} {spans:?}");
        }
    }

    #[test]
    fn runs_clip_to_the_range() {
        let runs = segments(5, 8, &[(0, 6), (7, 30), (8, 9)]);
        let got: Vec<_> = runs.iter().map(|r| (r.start, r.end, r.covering.clone())).collect();
        assert_eq!(got, vec![(5, 6, vec![0]), (6, 7, vec![]), (7, 8, vec![1])]);
        assert!(segments(3, 3, &[(0, 9)]).is_empty());
    }

    #[test]
    fn overlapping_spans_get_different_lanes_and_lanes_are_reused() {
        let spans = [(0, 20), (2, 5), (4, 10), (21, 30)];
        assert_eq!(lanes(&spans), vec![0, 1, 2, 0]);
        assert_eq!(lanes(&[(0, 5), (5, 9)]), vec![0, 0], "touching spans do not overlap");
    }

    #[test]
    fn lanes_match_a_naive_assignment() {
        // The smallest lane not used by an overlapping span placed before it (outer first).
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..200 {
            let mut spans: Vec<(usize, usize)> = (0..next() % 40).map(|_| { let s = next() % 100; (s, s + 1 + next() % 30) }).collect();
            // Half of them in text order (start, longer first), as an annotation set
            // keeps its items: lanes skips its sort for those.
            if next() % 2 == 0 {
                spans.sort_by_key(|&(s, e)| (s, Reverse(e)));
            }
            let got = lanes(&spans);
            let mut order: Vec<usize> = (0..spans.len()).collect();
            order.sort_by_key(|&i| (spans[i].0, Reverse(spans[i].1), i));
            for (k, &i) in order.iter().enumerate() {
                let taken: Vec<u8> = order[..k].iter().filter(|&&j| spans[j].1 > spans[i].0).map(|&j| got[j]).collect();
                let want = (0..=255u8).find(|l| !taken.contains(l)).unwrap();
                assert_eq!(got[i], want, "{spans:?}");
            }
        }
        // More than 64 nested spans use lanes past the first word of the set.
        let nested: Vec<(usize, usize)> = (0..100).map(|i| (i, 1000 - i)).collect();
        assert_eq!(lanes(&nested), (0..100).collect::<Vec<u8>>());
    }
}
