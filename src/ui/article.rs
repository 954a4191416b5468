//! The article view, with `PartialEq` props, so that an edit redraws only the blocks
//! whose marks changed.
//!
//! Each block renders its runs (see [`crate::model::segments`]) as text inside a
//! `<span data-s>` (the run's first code point), wrapped in one `<mark>` per covering
//! annotation, outermost first. Text is always a text node, never HTML. The label
//! tag is CSS `::before` content, so it is not part of the selectable or copied text.
//!
//! How it is drawn was chosen by measurement (see `BENCHMARKS.md`): in the browser,
//! the block elements are made by [`make_blocks`], one JavaScript call per document
//! with the whole text (every block as one run of text, like plain paragraphs), and
//! each block's marks are drawn by [`fill_block`], one call per block that changed,
//! with the block's text and a table of numbers. The blocks in view are drawn at
//! once and the rest in short background steps (see `Filled`). Building the same DOM
//! through the virtual DOM, one call across the wasm boundary per node, took three
//! times longer for a million characters with 10,000 annotations. Outside the browser
//! (server rendering and its tests) the same DOM is rendered through yew, by
//! [`block_html`].

use std::rc::Rc;

use yew::prelude::*;

use super::shared::Shared;

use crate::model::document::{Block, BlockKind};
use crate::model::marks::{item_lanes, marks_after_edit, marks_by_block_reusing, Mark};
use crate::model::segments::segments;
use crate::model::{AnnId, AnnotationSet, Document};

/// Properties of [`Article`].
#[derive(Properties, PartialEq)]
pub struct ArticleProps {
    /// The document.
    pub doc: Rc<Document>,
    /// Its blocks.
    pub blocks: Rc<Vec<Block>>,
    /// Its annotations.
    pub anns: Shared<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// A click without a drag at code point `cp` (to pick an annotation there).
    pub onpick: Callback<usize>,
    /// A click on a mark's own box (its label tag): select exactly that annotation.
    pub onpickid: Callback<AnnId>,
    /// Reference to the `<article>` element.
    pub article_ref: NodeRef,
}

/// The article with its highlights.
#[component]
pub fn Article(props: &ArticleProps) -> Html {
    let texts = use_memo((props.doc.clone(), props.blocks.clone()), |(doc, blocks)| {
        blocks.iter().map(|b| Rc::<str>::from(doc.text().slice(b.start, b.end).unwrap_or(""))).collect::<Vec<_>>()
    });
    // The marks per block, reusing the previous ones where a block did not change.
    let cache: Rc<std::cell::RefCell<MarksCache>> = use_mut_ref(MarksCache::default);
    let marks = cache.borrow_mut().get(&props.blocks, props.anns.rc());
    let label_names: Rc<Vec<String>> = use_memo(props.anns.clone(), |anns| anns.labels().iter().map(|l| l.id.clone()).collect::<Vec<_>>());
    // The selected annotation and its span.
    let selected = props.selected.clone().zip(props.selected.as_ref().and_then(|id| props.anns.get(id)).map(|a| (a.span.start(), a.span.end())));
    let onclick = {
        let onpick = props.onpick.clone();
        let onpickid = props.onpickid.clone();
        Callback::from(move |e: MouseEvent| on_click(&e, &onpick, &onpickid))
    };

    #[cfg(target_arch = "wasm32")]
    {
        // Fill the blocks that changed since they were last filled: the ones in view
        // now, the rest in the background (see `Filled`).
        let filled: Rc<std::cell::RefCell<Filled>> = use_mut_ref(Filled::default);
        let article_ref = props.article_ref.clone();
        let label_text = use_memo(label_names.clone(), |names| names.join("\n"));
        let inputs = FillInputs {
            blocks: props.blocks.clone(),
            texts: texts.clone(),
            marks: marks.clone(),
            labels: label_text,
            selected,
        };
        use_effect(move || {
            if let Some(article) = article_ref.cast::<web_sys::Element>() {
                Filled::update(&filled, article, inputs);
            }
        });
        // The blocks inside are made and filled by `Filled`, not by yew (which leaves
        // children it did not make alone).
        html! {
            <article ref={props.article_ref.clone()} class="article" lang="en" onclick={onclick}></article>
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    html! {
        <article ref={props.article_ref.clone()} class="article" lang="en" onclick={onclick}>
            { for props.blocks.iter().enumerate().map(|(i, b)| block_html(b, &texts[i], &marks[i], selected_in(selected.as_ref(), b).as_ref(), &label_names)) }
        </article>
    }
}

/// The last marks per block, and what they were computed from.
#[derive(Default)]
struct MarksCache {
    from: Option<(Rc<Vec<Block>>, Rc<AnnotationSet>)>,
    lanes: Vec<u8>,
    marks: Rc<Vec<Rc<Vec<Mark>>>>,
}

impl MarksCache {
    fn get(&mut self, blocks: &Rc<Vec<Block>>, anns: &Rc<AnnotationSet>) -> Rc<Vec<Rc<Vec<Mark>>>> {
        match &self.from {
            Some((b, a)) if Rc::ptr_eq(b, blocks) && Rc::ptr_eq(a, anns) => {}
            Some((b, old)) if Rc::ptr_eq(b, blocks) => {
                let lanes = item_lanes(anns);
                self.marks = Rc::new(marks_after_edit(blocks, old, &self.lanes, anns, &lanes, &self.marks));
                self.lanes = lanes;
            }
            _ => {
                self.lanes = item_lanes(anns);
                self.marks = Rc::new(marks_by_block_reusing(blocks, anns, &self.lanes, &[]));
            }
        }
        self.from = Some((blocks.clone(), anns.clone()));
        self.marks.clone()
    }
}

/// What the article's blocks are to be filled from.
#[cfg(target_arch = "wasm32")]
struct FillInputs {
    blocks: Rc<Vec<Block>>,
    texts: Rc<Vec<Rc<str>>>,
    marks: Rc<Vec<Rc<Vec<Mark>>>>,
    /// The label ids, one per line (as [`fill_block`] takes them).
    labels: Rc<String>,
    /// The selected annotation and its span.
    selected: Option<(AnnId, (usize, usize))>,
}

#[cfg(target_arch = "wasm32")]
impl FillInputs {
    /// The selected annotation, if it is in block `b`.
    fn selected_in(&self, b: &Block) -> Option<AnnId> {
        selected_in(self.selected.as_ref(), b)
    }
}

/// The selected annotation (with its span), if it is in block `b`.
fn selected_in(selected: Option<&(AnnId, (usize, usize))>, b: &Block) -> Option<AnnId> {
    match selected {
        Some((id, (s, e))) if *s < b.end && *e > b.start => Some(id.clone()),
        _ => None,
    }
}

/// The most marks drawn at once, in the render that opened a document or changed many
/// blocks, before the rest is left to the background: about 10 ms of DOM building.
/// Below it (the seed article, anything short) every block is drawn at once.
#[cfg(target_arch = "wasm32")]
const SYNC_MARKS: usize = 600;

/// How long one background step may run, in ms, so that a frame is never held up.
#[cfg(target_arch = "wasm32")]
const STEP_MS: f64 = 8.0;

/// What a block of the article shows.
#[cfg(target_arch = "wasm32")]
#[derive(Clone)]
enum Shown {
    /// Its text alone, as one run; its marks are still to be drawn.
    Text,
    /// Not the right structure yet (a dateline block): to be drawn now.
    Wrong,
    /// Marks drawn with names that are out of date (the label set changed): to be
    /// drawn again like `Text`, but never taken as plain text.
    Stale,
    /// Its text with these marks, and the selected annotation among them.
    Marks(Rc<Vec<Mark>>, Option<AnnId>),
}

/// Makes the article's blocks and fills them, again only where something changed.
///
/// The block elements are made by [`make_blocks`], in one call per document: every
/// block with its text as one run, which is what a browser does with plain
/// paragraphs. yew renders an empty `<article>` and leaves these children alone; the
/// elements are kept in a JavaScript list, so block `i` is found in O(1) (the
/// article's own `children[i]` walks from the start after any change inside it).
///
/// Drawing every mark at once would mean 60,000 nodes for a million characters and
/// 10,000 annotations before the first paint. So when the blocks to draw hold more
/// than [`SYNC_MARKS`] marks, the marks of the blocks in view and about a screen
/// around them are drawn at once, and the rest in background steps of at most [`STEP_MS`],
/// each starting with whatever is in view then. The text is all there from the first
/// paint, so selection, copy and find in page work at once. A block whose marks are
/// drawn is always redrawn in the render that changes it, as is every block in view
/// and every block of the selected annotation (the app may scroll to it next): a new,
/// changed or selected annotation is never shown late.
#[cfg(target_arch = "wasm32")]
#[derive(Default)]
struct Filled {
    article: Option<web_sys::Element>,
    inputs: Option<FillInputs>,
    shown: Vec<Shown>,
    /// Blocks whose marks are still to be drawn (`Text` or `Stale`).
    pending: usize,
    /// A background step is scheduled.
    scheduled: bool,
    /// The blocks in view by estimate, right after the blocks were made (their
    /// layout is not known yet, and measuring would force it).
    estimated_view: Option<(usize, usize)>,
}

#[cfg(target_arch = "wasm32")]
impl Filled {
    fn update(me: &Rc<std::cell::RefCell<Filled>>, article: web_sys::Element, inputs: FillInputs) {
        let mut f = me.borrow_mut();
        let same_blocks = f.inputs.as_ref().is_some_and(|old| Rc::ptr_eq(&old.blocks, &inputs.blocks)) && f.article.as_ref() == Some(&article);
        let same_labels = f.inputs.as_ref().is_some_and(|old| old.labels == inputs.labels);
        f.article = Some(article);
        f.inputs = Some(inputs);
        if !same_blocks {
            f.make_blocks();
        } else if !same_labels {
            // Every label tag is out of date; the text is not.
            for s in &mut f.shown {
                if matches!(s, Shown::Marks(..)) {
                    *s = Shown::Stale;
                }
            }
        }
        // Only the render that made the blocks may use their estimated positions.
        let estimated_view = f.estimated_view.take();
        let n = f.shown.len();
        // Drawn blocks that changed, and blocks not drawn right, are drawn now.
        let mut later = Vec::new();
        let mut work = 0;
        for i in 0..n {
            match f.shown[i] {
                Shown::Marks(..) if f.is_current(i) => {}
                Shown::Marks(..) | Shown::Wrong => f.draw(i),
                Shown::Text if f.marks_of(i).is_empty() => {
                    // One run and no marks is what drawing it would make (and the
                    // selected annotation, like any, has marks in its blocks).
                    f.shown[i] = Shown::Marks(f.marks_of(i).clone(), None);
                }
                // The selected annotation is drawn at once wherever it is: the app may
                // be about to scroll to it.
                Shown::Text | Shown::Stale if f.inputs.as_ref().is_some_and(|x| x.selected_in(&x.blocks[i]).is_some()) => f.draw(i),
                Shown::Text | Shown::Stale => {
                    work += f.marks_of(i).len();
                    later.push(i);
                }
            }
        }
        if work <= SYNC_MARKS {
            for i in later {
                f.draw(i);
            }
        } else {
            let (lo, hi) = match estimated_view {
                Some(r) => r,
                None => f.in_view(),
            };
            for &i in later.iter().filter(|&&i| (lo..hi).contains(&i)) {
                f.draw(i);
            }
        }
        f.pending = f.shown.iter().filter(|s| matches!(s, Shown::Text | Shown::Stale)).count();
        f.schedule(me);
    }

    /// Makes every block element, with its text as one run.
    fn make_blocks(&mut self) {
        let (Some(article), Some(inputs)) = (&self.article, &self.inputs) else { return };
        let mut text = String::new();
        let mut nums = Vec::with_capacity(inputs.blocks.len() * 3);
        let mut u16 = 0u32;
        for (b, t) in inputs.blocks.iter().zip(inputs.texts.iter()) {
            text.push_str(t);
            u16 += t.chars().map(|c| c.len_utf16() as u32).sum::<u32>();
            nums.extend([u32::from(b.kind == BlockKind::Heading), b.start as u32, u16]);
        }
        let r = make_blocks(article, &text, &nums).to_vec();
        self.estimated_view = (r.len() == 2).then(|| (r[0] as usize, r[1] as usize));
        self.shown = inputs.blocks.iter().map(|b| if b.dateline_end.is_some() { Shown::Wrong } else { Shown::Text }).collect();
    }

    fn marks_of(&self, i: usize) -> &Rc<Vec<Mark>> {
        &self.inputs.as_ref().expect("inputs").marks[i]
    }

    /// Whether block `i` shows its marks as the inputs have them.
    fn is_current(&self, i: usize) -> bool {
        let inputs = self.inputs.as_ref().expect("inputs");
        match &self.shown[i] {
            Shown::Marks(m, s) => *s == inputs.selected_in(&inputs.blocks[i]) && (Rc::ptr_eq(m, &inputs.marks[i]) || **m == *inputs.marks[i]),
            _ => false,
        }
    }

    /// Draws block `i` with its marks.
    fn draw(&mut self, i: usize) {
        let (Some(article), Some(inputs)) = (&self.article, &self.inputs) else { return };
        let b = &inputs.blocks[i];
        let sel = inputs.selected_in(b);
        let mut nums = Vec::new();
        let ids = encode_block(b, &inputs.texts[i], &inputs.marks[i], sel.as_ref(), &mut nums);
        fill_block(article, i as u32, &inputs.texts[i], &ids, &inputs.labels, &nums);
        self.shown[i] = Shown::Marks(inputs.marks[i].clone(), sel);
    }

    /// The blocks in view, with half a screen above and a screen below.
    fn in_view(&self) -> (usize, usize) {
        let Some(article) = &self.article else { return (0, 0) };
        let r = view_range(article).to_vec();
        (r[0] as usize, r[1] as usize)
    }

    fn schedule(&mut self, me: &Rc<std::cell::RefCell<Filled>>) {
        if self.pending == 0 || self.scheduled {
            return;
        }
        self.scheduled = true;
        let me = Rc::downgrade(me);
        gloo_timers::callback::Timeout::new(0, move || {
            if let Some(me) = me.upgrade() {
                me.borrow_mut().step(&me);
            }
        })
        .forget();
    }

    /// One background step: draws blocks showing their text only, those in view
    /// first, for at most [`STEP_MS`], then schedules the next step.
    fn step(&mut self, me: &Rc<std::cell::RefCell<Filled>>) {
        self.scheduled = false;
        let n = self.shown.len();
        let now = || web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
        let t0 = now();
        let (lo, hi) = self.in_view();
        for i in (lo..hi).chain(hi..n).chain(0..lo.min(n)) {
            if matches!(self.shown[i], Shown::Text | Shown::Stale) {
                self.draw(i);
                self.pending -= 1;
                if self.pending == 0 || now() - t0 > STEP_MS {
                    break;
                }
            }
        }
        self.schedule(me);
    }
}

/// The runs of a block, for [`fill_block`]: fills `nums` and returns the marks' ids,
/// separated by spaces (ids are printable ASCII, so they hold no space).
///
/// `nums` is `[n_marks, n_runs, dateline_runs (u32::MAX if none)]`, then per mark
/// `[label index, lane, selected, start, end]`, then per run `[start, utf16 start in
/// the block text, utf16 end, end, n_covering, covering mark indices…]` (outermost
/// first). Offsets `start`/`end` are document code points.
pub fn encode_block(b: &Block, text: &str, marks: &[Mark], selected: Option<&AnnId>, nums: &mut Vec<u32>) -> String {
    nums.clear();
    let spans: Vec<(usize, usize)> = marks.iter().map(|m| (m.start, m.end)).collect();
    let (head, tail) = match b.dateline_end {
        Some(d) if d > b.start && d < b.end => (segments(b.start, d, &spans), segments(d, b.end, &spans)),
        _ => (Vec::new(), segments(b.start, b.end, &spans)),
    };
    let dateline = if b.dateline_end.is_some_and(|d| d > b.start && d < b.end) { head.len() as u32 } else { u32::MAX };
    nums.extend([marks.len() as u32, (head.len() + tail.len()) as u32, dateline]);
    let mut ids = String::new();
    for m in marks {
        if !ids.is_empty() {
            ids.push(' ');
        }
        ids.push_str(m.id.as_str());
        nums.extend([m.label_idx as u32, u32::from(m.lane), u32::from(selected == Some(&m.id)), m.start as u32, m.end as u32]);
    }
    // Walk the text once, turning code points into UTF-16 offsets.
    let mut chars = text.chars();
    let (mut cp, mut u16) = (b.start, 0usize);
    for run in head.iter().chain(tail.iter()) {
        while cp < run.start {
            u16 += chars.next().map_or(0, char::len_utf16);
            cp += 1;
        }
        let from = u16;
        while cp < run.end {
            u16 += chars.next().map_or(0, char::len_utf16);
            cp += 1;
        }
        nums.extend([run.start as u32, from as u32, u16 as u32, run.end as u32, run.covering.len() as u32]);
        nums.extend(run.covering.iter().map(|&c| c as u32));
    }
    ids
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
const BLOCKS = new WeakMap(), CHUNKS = new WeakMap(), CHUNK = 32, MEASURES = new WeakMap();
// The article's font size and width, for the chunk height estimates. Read once, then
// kept up to date by a ResizeObserver (which runs after layout), so that opening a
// document never forces a layout of the page the render has just changed.
function measures(article) {
  let m = MEASURES.get(article);
  if (!m) {
    const read = () => { m.fs = parseFloat(getComputedStyle(article).fontSize) || 19; m.w = article.clientWidth; };
    m = {};
    read();
    MEASURES.set(article, m);
    if (window.ResizeObserver) new ResizeObserver(read).observe(article);
  }
  return m;
}
export function make_blocks(article, text, nums) {
  const frag = document.createDocumentFragment(), els = [];
  // Where the article starts in the viewport, read before the new blocks are in: the
  // layout this needs covers only what the render changed so far.
  const top = article.getBoundingClientRect().top, h = innerHeight;
  // A chunk's height until it is first drawn (then the browser remembers the real
  // one): its lines estimated from its text, so that the scroll bar is about right
  // and little moves when a chunk comes into view. The article's measures, in px.
  const { fs, w } = measures(article);
  const perLine = Math.max(20, (w - 64) / (0.47 * fs)), line = 2.15 * fs, gap = 1.1 * 16;
  let from = 0, chunk = null, est = 0, y = top, lo = -1, hi = 0;
  const close = () => { if (chunk) chunk.style.setProperty('contain-intrinsic-size', `auto ${Math.round(est)}px`); };
  for (let k = 0; k < nums.length; k += 3) {
    if (els.length % CHUNK === 0) { close(); chunk = document.createElement('div'); chunk.className = 'chunk'; frag.appendChild(chunk); est = 0; }
    const el = document.createElement(nums[k] ? 'h2' : 'p');
    el.className = 'block';
    const span = document.createElement('span');
    span.setAttribute('data-s', nums[k + 1]);
    span.appendChild(document.createTextNode(text.slice(from, nums[k + 2])));
    const bh = nums[k] ? 3.2 * 16 + 1.6 * 20 : Math.ceil((nums[k + 2] - from) / perLine) * line + gap;
    // The blocks in view by these estimates (half a screen above, a screen below, as
    // view_range), so that the first fill lays out nothing.
    if (y + bh >= -h / 2 && y < 1.5 * h) { if (lo < 0) lo = els.length; hi = els.length + 1; }
    est += bh;
    y += bh;
    from = nums[k + 2];
    el.appendChild(span);
    chunk.appendChild(el);
    els.push(el);
  }
  close();
  article.replaceChildren(frag);
  BLOCKS.set(article, els);
  CHUNKS.set(article, [...article.children]);
  // Empty if no block is in view (the page is scrolled past the new document's
  // estimated end): then the blocks are measured.
  return lo < 0 ? new Uint32Array(0) : new Uint32Array([lo, hi]);
}
export function fill_block(article, i, text, ids, labels, nums) {
  const el = (BLOCKS.get(article) || [])[i];
  if (!el) return;
  const idv = ids.split(' '), lab = labels.split('\n');
  let p = 3;
  const nm = nums[0], nr = nums[1], split = nums[2];
  const ms = [];
  for (let k = 0; k < nm; k++, p += 5) ms.push([nums[p], nums[p + 1], nums[p + 2], nums[p + 3], nums[p + 4], idv[k]]);
  const frag = document.createDocumentFragment();
  let dl = null;
  if (split !== 0xffffffff) { dl = document.createElement('span'); dl.className = 'dateline'; frag.appendChild(dl); }
  for (let r = 0; r < nr; r++) {
    const s = nums[p], u0 = nums[p + 1], u1 = nums[p + 2], e = nums[p + 3], nc = nums[p + 4];
    p += 5;
    let node = document.createElement('span');
    node.setAttribute('data-s', s);
    node.appendChild(document.createTextNode(text.slice(u0, u1)));
    for (let c = nc - 1; c >= 0; c--) {
      const m = ms[nums[p + c]];
      const mk = document.createElement('mark');
      let cls = 'ann l' + m[0] + ' lane' + Math.min(m[1], 5);
      if (s === m[3]) cls += ' first';
      if (e === m[4]) cls += ' last';
      if (m[2]) cls += ' sel';
      mk.className = cls;
      mk.setAttribute('data-id', m[5]);
      mk.setAttribute('data-label', lab[m[0]] || '');
      mk.appendChild(node);
      node = mk;
    }
    p += nc;
    (dl && r < split ? dl : frag).appendChild(node);
  }
  el.replaceChildren(frag);
}
export function view_range(article) {
  // First the chunks, then the blocks inside them: a chunk out of view is skipped by
  // the browser, and measuring a block inside it would lay it out.
  const cs = CHUNKS.get(article) || [], ks = BLOCKS.get(article) || [], h = innerHeight;
  const above = (el) => el.getBoundingClientRect().bottom < -h / 2, before = (el) => el.getBoundingClientRect().top < 1.5 * h;
  const search = (xs, lo, hi, cond) => { while (lo < hi) { const m = (lo + hi) >> 1; if (cond(xs[m])) lo = m + 1; else hi = m; } return lo; };
  const c0 = search(cs, 0, cs.length, above), c1 = search(cs, c0, cs.length, before);
  const lo = Math.min(c0 * CHUNK, ks.length), hi = Math.min(c1 * CHUNK, ks.length);
  const first = search(ks, lo, hi, above);
  return new Uint32Array([first, search(ks, first, hi, before)]);
}
"#)]
extern "C" {
    /// Replaces the children of `article` with one element per block, each holding its
    /// text as one run: `nums` is `[heading (0 or 1), start, utf16 end in text]` per
    /// block, their texts one after another in `text`.
    /// Returns the blocks `[first, end)` in view by the chunks' estimated heights
    /// (empty if none is).
    fn make_blocks(article: &web_sys::Element, text: &str, nums: &[u32]) -> js_sys::Uint32Array;
    /// Replaces the children of block `i` of `article` with its runs (see [`encode_block`]).
    fn fill_block(article: &web_sys::Element, i: u32, text: &str, ids: &str, labels: &str, nums: &[u32]);
    /// The blocks `[first, end)` of `article` in view, with half a screen above and a
    /// screen below.
    fn view_range(article: &web_sys::Element) -> js_sys::Uint32Array;
}

fn on_click(e: &MouseEvent, onpick: &Callback<usize>, onpickid: &Callback<AnnId>) {
    use wasm_bindgen::JsCast;
    let dragged = web_sys::window()
        .and_then(|w| w.get_selection().ok().flatten())
        .is_some_and(|s| !s.is_collapsed());
    if dragged {
        return;
    }
    let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
    if target.tag_name().eq_ignore_ascii_case("mark") {
        if let Some(id) = target.get_attribute("data-id").and_then(|id| AnnId::new(id).ok()) {
            onpickid.emit(id);
            return;
        }
    }
    match target.closest("[data-s]").ok().flatten().and_then(|run| run.get_attribute("data-s")).and_then(|s| s.parse().ok()) {
        Some(cp) => onpick.emit(cp),
        None => onpick.emit(usize::MAX),
    }
}

/// One block through yew, as [`fill_block`] draws it (server rendering and its tests).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn block_html(b: &Block, text: &str, marks: &[Mark], selected: Option<&AnnId>, labels: &[String]) -> Html {
    // Byte offset of every code point of the block, and one past the end.
    let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let spans: Vec<(usize, usize)> = marks.iter().map(|m| (m.start, m.end)).collect();
    let render = |from: usize, to: usize| -> Html {
        segments(from, to, &spans)
            .into_iter()
            .map(|run| {
                let t = &text[bytes[run.start - b.start]..bytes[run.end - b.start]];
                let mut inner = html! { <span data-s={run.start.to_string()}>{ t }</span> };
                for &i in run.covering.iter().rev() {
                    let m = &marks[i];
                    let class = classes!(
                        "ann",
                        format!("l{}", m.label_idx),
                        format!("lane{}", m.lane.min(5)),
                        (run.start == m.start).then_some("first"),
                        (run.end == m.end).then_some("last"),
                        (selected == Some(&m.id)).then_some("sel"),
                    );
                    let label = labels.get(m.label_idx).cloned().unwrap_or_default();
                    inner = html! { <mark class={class} data-id={m.id.to_string()} data-label={label}>{ inner }</mark> };
                }
                inner
            })
            .collect()
    };
    let body = match b.dateline_end {
        Some(d) if d > b.start && d < b.end => html! {
            <>
                <span class="dateline">{ render(b.start, d) }</span>
                { render(d, b.end) }
            </>
        },
        _ => render(b.start, b.end),
    };
    match b.kind {
        BlockKind::Heading => html! { <h2 key={b.start} class="block">{ body }</h2> },
        BlockKind::Paragraph => html! { <p key={b.start} class="block">{ body }</p> },
    }
}
