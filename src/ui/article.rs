//! The article view: one component per block, with `PartialEq` props, so an edit
//! re-renders only the blocks whose marks changed.
//!
//! Each block renders its runs (see [`crate::model::segments`]) as text inside a
//! `<span data-s>` (the run's first code point), wrapped in one `<mark>` per covering
//! annotation, outermost first. Text is always a text node, never HTML. The label
//! tag is CSS `::before` content, so it is not part of the selectable or copied text.

use std::rc::Rc;

use yew::prelude::*;

use crate::model::document::{Block, BlockKind};
use crate::model::segments::{lanes, segments};
use crate::model::{AnnId, AnnotationSet, Document};

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

/// The marks of every block: annotations intersecting each block, in text order.
/// Runs in O(b + k + m) for b blocks, k annotations and m (block, mark) pairs.
pub fn marks_by_block(blocks: &[Block], anns: &AnnotationSet) -> Vec<Rc<Vec<Mark>>> {
    let items = anns.items();
    let spans: Vec<(usize, usize)> = items.iter().map(|a| (a.span.start(), a.span.end())).collect();
    let lanes = lanes(&spans);
    let labels = anns.labels();
    let mut out = Vec::with_capacity(blocks.len());
    // Items are sorted by start; `first` is the first item that may still reach the
    // current block. Long items that start early are kept in `open`.
    let mut next = 0;
    let mut open: Vec<usize> = Vec::new();
    for b in blocks {
        open.retain(|&i| spans[i].1 > b.start);
        while next < items.len() && spans[next].0 < b.end {
            if spans[next].1 > b.start {
                open.push(next);
            }
            next += 1;
        }
        let marks = open
            .iter()
            .filter(|&&i| spans[i].0 < b.end && spans[i].1 > b.start)
            .map(|&i| Mark {
                id: items[i].id.clone(),
                label_idx: labels.index_of(&items[i].label).unwrap_or(0),
                start: spans[i].0,
                end: spans[i].1,
                lane: lanes[i],
            })
            .collect();
        out.push(Rc::new(marks));
    }
    out
}

/// Properties of [`Article`].
#[derive(Properties, PartialEq)]
pub struct ArticleProps {
    /// The document.
    pub doc: Rc<Document>,
    /// Its blocks.
    pub blocks: Rc<Vec<Block>>,
    /// Its annotations.
    pub anns: Rc<AnnotationSet>,
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
    let texts = use_memo(props.doc.clone(), |doc| {
        doc.blocks().iter().map(|b| Rc::<str>::from(doc.text().slice(b.start, b.end).unwrap_or(""))).collect::<Vec<_>>()
    });
    let marks = use_memo((props.blocks.clone(), props.anns.clone()), |(blocks, anns)| marks_by_block(blocks, anns));
    let label_names: Rc<Vec<String>> = use_memo(props.anns.clone(), |anns| anns.labels().iter().map(|l| l.id.clone()).collect::<Vec<_>>());
    let selected_span = props.selected.as_ref().and_then(|id| props.anns.get(id)).map(|a| (a.span.start(), a.span.end()));
    let onclick = {
        let onpick = props.onpick.clone();
        let onpickid = props.onpickid.clone();
        Callback::from(move |e: MouseEvent| on_click(&e, &onpick, &onpickid))
    };
    html! {
        <article ref={props.article_ref.clone()} class="article" lang="en" onclick={onclick}>
            { for props.blocks.iter().enumerate().map(|(i, b)| {
                let sel = match selected_span {
                    Some((s, e)) if s < b.end && e > b.start => props.selected.clone(),
                    _ => None,
                };
                html! {
                    <BlockView key={b.start} block={*b} text={texts[i].clone()} marks={marks[i].clone()}
                        selected={sel} labels={label_names.clone()} />
                }
            }) }
        </article>
    }
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

#[derive(Properties, PartialEq)]
struct BlockProps {
    block: Block,
    text: Rc<str>,
    marks: Rc<Vec<Mark>>,
    selected: Option<AnnId>,
    labels: Rc<Vec<String>>,
}

#[component]
fn BlockView(props: &BlockProps) -> Html {
    let b = props.block;
    // Byte offset of every code point of the block, and one past the end.
    let bytes: Vec<usize> = props.text.char_indices().map(|(i, _)| i).chain(std::iter::once(props.text.len())).collect();
    let spans: Vec<(usize, usize)> = props.marks.iter().map(|m| (m.start, m.end)).collect();
    let render = |from: usize, to: usize| -> Html {
        segments(from, to, &spans)
            .into_iter()
            .map(|run| {
                let text = &props.text[bytes[run.start - b.start]..bytes[run.end - b.start]];
                let mut inner = html! { <span data-s={run.start.to_string()}>{ text }</span> };
                for &i in run.covering.iter().rev() {
                    let m = &props.marks[i];
                    let first = run.start == m.start;
                    let class = classes!(
                        "ann",
                        format!("l{}", m.label_idx),
                        format!("lane{}", m.lane.min(5)),
                        first.then_some("first"),
                        (run.end == m.end).then_some("last"),
                        (props.selected.as_ref() == Some(&m.id)).then_some("sel"),
                    );
                    let label = props.labels.get(m.label_idx).cloned().unwrap_or_default();
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
        BlockKind::Heading => html! { <h2 class="block">{ body }</h2> },
        BlockKind::Paragraph => html! { <p class="block">{ body }</p> },
    }
}
