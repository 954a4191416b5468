//! Which annotations each block of the article draws, and keeping them across an
//! edit: the article's marks.
//!
//! Internal performance code (see `ARCHITECTURE.md`): an edit must redraw only the
//! blocks whose marks changed, so [`marks_after_edit`] finds them from what the edit
//! touched instead of sweeping the whole set, and keeps the `Rc` of every unchanged
//! block (yew then skips it by pointer). Invariant: whatever the edit, the result
//! equals [`marks_by_block`] of the new set (`pt_marks_after_an_edit_equal_marks_from_scratch`).

use std::rc::Rc;

use super::document::Block;
use super::segments::lanes;
use super::{Annotation, AnnotationSet};
use super::AnnId;

/// An annotation as one block draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The annotation id.
    pub id: AnnId,
    /// Index of its label in the label set (for the colour class).
    pub label_idx: usize,
    /// Start, in document code points.
    pub start: usize,
    /// End, in document code points.
    pub end: usize,
    /// Its underline lane.
    pub lane: u8,
}

/// The underline lane of every annotation of `anns`, in item order.
pub fn item_lanes(anns: &AnnotationSet) -> Vec<u8> {
    let spans: Vec<(usize, usize)> = anns.items().iter().map(|a| (a.span.start(), a.span.end())).collect();
    lanes(&spans)
}

/// The marks of every block: annotations intersecting each block, in text order.
/// Runs in O(b + k + m) for b blocks, k annotations and m (block, mark) pairs.
pub fn marks_by_block(blocks: &[Block], anns: &AnnotationSet) -> Vec<Rc<Vec<Mark>>> {
    marks_by_block_reusing(blocks, anns, &item_lanes(anns), &[])
}

/// The index of an annotation's label in the set's labels (for the colour class).
struct LabelIndex<'a>(Vec<&'a str>);

impl<'a> LabelIndex<'a> {
    fn new(anns: &'a AnnotationSet) -> Self {
        LabelIndex(anns.labels().iter().map(|l| l.id.as_str()).collect())
    }

    fn of(&self, a: &Annotation) -> usize {
        self.0.iter().position(|n| *n == a.label).unwrap_or(0)
    }
}

/// Whether `prev` holds exactly the marks of items `here` (indices into `anns`).
fn same_marks(prev: &[Mark], here: &[usize], anns: &AnnotationSet, lanes: &[u8], labels: &LabelIndex) -> bool {
    let items = anns.items();
    prev.len() == here.len()
        && prev.iter().zip(here).all(|(m, &i)| {
            let a = &items[i];
            m.start == a.span.start() && m.end == a.span.end() && m.lane == lanes[i] && m.id == a.id && m.label_idx == labels.of(a)
        })
}

fn marks_of(here: &[usize], anns: &AnnotationSet, lanes: &[u8], labels: &LabelIndex) -> Rc<Vec<Mark>> {
    let items = anns.items();
    Rc::new(
        here.iter()
            .map(|&i| Mark { id: items[i].id.clone(), label_idx: labels.of(&items[i]), start: items[i].span.start(), end: items[i].span.end(), lane: lanes[i] })
            .collect(),
    )
}

/// [`marks_by_block`] with the items' `lanes` (from [`item_lanes`]), keeping the
/// `Rc` of `prev[i]` for every block whose marks did not change, without allocating
/// for it: only the blocks whose marks changed are drawn again.
pub fn marks_by_block_reusing(blocks: &[Block], anns: &AnnotationSet, lanes: &[u8], prev: &[Rc<Vec<Mark>>]) -> Vec<Rc<Vec<Mark>>> {
    let items = anns.items();
    let labels = LabelIndex::new(anns);
    let mut out = Vec::with_capacity(blocks.len());
    // Items are sorted by start; `next` is the first item not yet seen. Long items
    // that start early are kept in `open`.
    let mut next = 0;
    let mut open: Vec<usize> = Vec::new();
    let mut here: Vec<usize> = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        open.retain(|&i| items[i].span.end() > b.start);
        while next < items.len() && items[next].span.start() < b.end {
            if items[next].span.end() > b.start {
                open.push(next);
            }
            next += 1;
        }
        here.clear();
        here.extend(open.iter().copied().filter(|&i| items[i].span.start() < b.end && items[i].span.end() > b.start));
        out.push(match prev.get(bi).filter(|p| same_marks(p, &here, anns, lanes, &labels)) {
            Some(p) => p.clone(),
            None => marks_of(&here, anns, lanes, &labels),
        });
    }
    out
}

/// At most this many blocks are computed one by one after an edit; past it (an
/// import, a large undo) the whole sweep is cheaper.
const MAX_DIRTY: usize = 64;

/// The marks of every block after an edit turned `old` (whose marks were `prev`
/// and lanes `old_lanes`) into `new` (lanes `new_lanes`), in time proportional to
/// what the edit touched rather than to the whole set.
///
/// The hard part is knowing which blocks can have changed without looking at them
/// all. An edit leaves the annotations it did not change shared (`Rc`) between the
/// two sets, so the items that differ are found by pointer, as one range between a
/// shared prefix and a shared suffix. The blocks those items cover (in `old` and in
/// `new`) are computed again, and so are the blocks of any shared item whose
/// underline lane moved (lanes depend on the neighbours). Every other block keeps
/// its `Rc` from `prev`. The result always equals [`marks_by_block`] of `new`
/// (a property test checks it).
pub fn marks_after_edit(
    blocks: &[Block],
    old: &AnnotationSet,
    old_lanes: &[u8],
    new: &AnnotationSet,
    new_lanes: &[u8],
    prev: &[Rc<Vec<Mark>>],
) -> Vec<Rc<Vec<Mark>>> {
    let (o, n) = (old.items(), new.items());
    if !Rc::ptr_eq(old.schema(), new.schema()) || prev.len() != blocks.len() || old_lanes.len() != o.len() {
        return marks_by_block_reusing(blocks, new, new_lanes, prev);
    }
    let p = o.iter().zip(n).take_while(|(a, b)| Rc::ptr_eq(a, b)).count();
    let s = o[p..].iter().rev().zip(n[p..].iter().rev()).take_while(|(a, b)| Rc::ptr_eq(a, b)).count();
    // The annotations whose blocks must be computed again: those that differ, and the
    // shared ones (index in `o`, index in `n`) whose lane moved.
    let shared = (0..p).map(|i| (i, i)).chain((0..s).map(|k| (o.len() - s + k, n.len() - s + k)));
    let moved = shared.filter(|&(i, j)| old_lanes[i] != new_lanes[j]).map(|(_, j)| &n[j]);
    let touched: Vec<(usize, usize)> = o[p..o.len() - s].iter().chain(&n[p..n.len() - s]).chain(moved).map(|a| (a.span.start(), a.span.end())).collect();
    let mut dirty: Vec<usize> = Vec::new();
    for (start, end) in touched {
        let mut bi = blocks.partition_point(|b| b.end <= start);
        while bi < blocks.len() && blocks[bi].start < end {
            dirty.push(bi);
            bi += 1;
        }
        if dirty.len() > MAX_DIRTY {
            return marks_by_block_reusing(blocks, new, new_lanes, prev);
        }
    }
    dirty.sort_unstable();
    dirty.dedup();
    // The items of each dirty block, in item (text) order.
    let mut here: Vec<Vec<usize>> = vec![Vec::new(); dirty.len()];
    for (i, a) in n.iter().enumerate() {
        let mut d = dirty.partition_point(|&bi| blocks[bi].end <= a.span.start());
        while d < dirty.len() && blocks[dirty[d]].start < a.span.end() {
            here[d].push(i);
            d += 1;
        }
    }
    let labels = LabelIndex::new(new);
    let mut out = prev.to_vec();
    for (&bi, here) in dirty.iter().zip(&here) {
        if !same_marks(&prev[bi], here, new, new_lanes, &labels) {
            out[bi] = marks_of(here, new, new_lanes, &labels);
        }
    }
    out
}
