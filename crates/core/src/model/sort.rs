//! Sorting through one shared copy of the standard library's stable sort.
//!
//! `slice::sort_by` is generic over the element type and the comparison, so every
//! call site with its own element type or closure compiles its own copy of the sort
//! (a few KB of wasm each). These helpers sort a list of indices instead, with the
//! comparison behind `dyn`, so that every caller shares one copy. The results are
//! exactly those of the standard stable sort with the same comparison.

use std::cmp::Ordering;

/// `0..n` sorted stably by `cmp`, which compares two indices.
#[inline(never)]
pub fn sorted_indices(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Sorts `v` stably by `cmp`: the same result as `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = sorted_indices(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    // Each index appears exactly once in `order`, so every slot is taken once.
    v.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `v` in ascending order: the same result as `v.sort()`.
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_stable_sort() {
        let mut seed = 11u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..300 {
            // Pairs compared on the first field only, so that stability shows.
            let v: Vec<(usize, usize)> = (0..next() % 60).map(|i| (next() % 8, i)).collect();
            let mut want = v.clone();
            want.sort_by_key(|a| a.0);
            let mut got = v.clone();
            sort_by(&mut got, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, want);
            let mut want = v.clone();
            want.sort();
            let mut got = v;
            sort(&mut got);
            assert_eq!(got, want);
        }
        let mut empty: Vec<String> = Vec::new();
        sort(&mut empty);
        assert!(empty.is_empty());
    }

    #[test]
    fn sorted_indices_is_a_stable_argsort() {
        let keys = [3, 1, 3, 0, 1];
        assert_eq!(sorted_indices(keys.len(), &mut |a, b| keys[a].cmp(&keys[b])), vec![3, 1, 4, 0, 2]);
    }
}
