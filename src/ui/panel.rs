//! The side panel: the selected annotation, per-label counts and filter, and the list
//! of every annotation in text order.
//!
//! On wide screens the list scrolls in its own box (`.list-scroll`, see `style.css`),
//! below the inspector and the filters, so that a change of the inspector's height
//! does not move the list.
//!
//! The list's accessible name is "Annotations", and each entry's text holds its
//! label and its quoted text: tests rely on both.

use std::rc::Rc;

use yew::prelude::*;

use super::shared::Shared;

use super::inspector::Inspector;
use super::list::AnnList;
use super::state::Msg;
use crate::model::{AnnId, AnnotationSet, Document};

/// Properties of [`Panel`].
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The document (for quotes).
    pub doc: Rc<Document>,
    /// The annotations.
    pub anns: Shared<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// The label filter.
    pub filter: Option<String>,
    /// Other annotations at the place last clicked, innermost first.
    pub here: Rc<Vec<AnnId>>,
    /// The slot waiting to be filled.
    pub armed: Option<String>,
    /// Sends a message to the app.
    pub dispatch: Callback<Msg>,
}

/// The side panel.
#[component]
pub fn Panel(props: &PanelProps) -> Html {
    let labels = props.anns.labels();
    let counts = props.anns.counts();
    let total = props.anns.len();
    let filter_button = |label: Option<String>, text: String, n: usize, class: Option<String>| {
        let pressed = props.filter == label;
        let dispatch = props.dispatch.clone();
        let onclick = Callback::from(move |_| dispatch.emit(Msg::Filter(label.clone())));
        html! {
            <button type="button" role="radio" class={classes!("filter", class)} aria-checked={pressed.to_string()} {onclick}>
                { text }{ " " }<span class="count">{ n }</span>
            </button>
        }
    };
    // From the counts already made (every annotation's label is in the set), not a
    // second pass over every annotation on each render.
    let n_shown = match &props.filter {
        None => total,
        Some(f) => counts.iter().find(|(id, _)| id == f).map_or(0, |(_, n)| *n),
    };
    let selected = props.selected.as_ref().and_then(|id| props.anns.get(id));
    html! {
        <aside class="panel" aria-label="Annotation panel">
            { selected.map(|a| html! { <Inspector ann={a.clone()} doc={props.doc.clone()} anns={props.anns.clone()} here={props.here.clone()} armed={props.armed.clone()} dispatch={props.dispatch.clone()} /> }) }
            <div class="filters" role="radiogroup" aria-label="Filter by label">
                { filter_button(None, "All".into(), total, None) }
                { for counts.iter().map(|(id, n)| filter_button(Some(id.clone()), id.clone(), *n, labels.index_of(id).map(|i| format!("l{i}")))) }
            </div>
            <div class="list-scroll">
                <AnnList doc={props.doc.clone()} anns={props.anns.clone()} selected={props.selected.clone()}
                    filter={props.filter.clone()} dispatch={props.dispatch.clone()} />
                if n_shown == 0 {
                    <p class="empty">{
                        if total == 0 { "No annotations yet. Select text in the article (or press f to find it), then press 1 (Actor), 2 (Event), 3 (Claim) or 4 (Cue).".to_owned() }
                        else { format!("No {} annotations.", props.filter.clone().unwrap_or_default()) }
                    }</p>
                }
            </div>
        </aside>
    }
}
