//! The side panel: the selected annotation, per-label counts and filter, and the list
//! of every annotation in text order.
//!
//! The list's accessible name is "Annotations", and each entry's text holds its
//! label and its quoted text: tests rely on both.

use std::rc::Rc;

use yew::prelude::*;

use super::list::{activate, quote_of, AnnList};
use super::state::{plural, Msg};
use crate::model::{AnnId, Annotation, AnnotationSet, Document};

/// Properties of [`Panel`].
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The document (for quotes).
    pub doc: Rc<Document>,
    /// The annotations.
    pub anns: Rc<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// The label filter.
    pub filter: Option<String>,
    /// Other annotations at the place last clicked, innermost first.
    pub here: Rc<Vec<AnnId>>,
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
    let n_shown = props.anns.items().iter().filter(|a| props.filter.as_ref().is_none_or(|f| &a.label == f)).count();
    let selected = props.selected.as_ref().and_then(|id| props.anns.get(id));
    html! {
        <aside class="panel" aria-label="Annotation panel">
            { selected.map(|a| html! { <Selected ann={a.clone()} doc={props.doc.clone()} anns={props.anns.clone()} here={props.here.clone()} dispatch={props.dispatch.clone()} /> }) }
            <div class="filters" role="radiogroup" aria-label="Filter by label">
                { filter_button(None, "All".into(), total, None) }
                { for counts.iter().map(|(id, n)| filter_button(Some(id.clone()), id.clone(), *n, labels.index_of(id).map(|i| format!("l{i}")))) }
            </div>
            <AnnList doc={props.doc.clone()} anns={props.anns.clone()} selected={props.selected.clone()}
                filter={props.filter.clone()} dispatch={props.dispatch.clone()} />
            if n_shown == 0 {
                <p class="empty">{
                    if total == 0 { "No annotations yet. Select text in the article, then press 1 (Actor), 2 (Event) or 3 (Claim).".to_owned() }
                    else { format!("No {} annotations.", props.filter.clone().unwrap_or_default()) }
                }</p>
            }
        </aside>
    }
}

#[derive(Properties, PartialEq)]
struct SelectedProps {
    ann: Annotation,
    doc: Rc<Document>,
    anns: Rc<AnnotationSet>,
    here: Rc<Vec<AnnId>>,
    dispatch: Callback<Msg>,
}

#[component]
fn Selected(props: &SelectedProps) -> Html {
    let a = &props.ann;
    let label_idx = props.anns.labels().index_of(&a.label).unwrap_or(0);
    let others: Vec<&Annotation> = props.here.iter().filter(|id| **id != a.id).filter_map(|id| props.anns.get(id)).collect();
    let ondelete = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::DeleteSelected))
    };
    html! {
        <section class="selected" aria-label="Selected annotation">
            <h2>
                <span class={classes!("chip", format!("l{label_idx}"))}>{ &a.label }</span>
                { " " }<q>{ quote_of(&props.doc, a) }</q>
            </h2>
            <p class="meta">
                { format!("Code points {}–{} · {} character{}", a.span.start(), a.span.end(), a.span.len_cp(), plural(a.span.len_cp())) }
            </p>
            <p class="hint">{ "Press another label key to change the label, Delete to remove, Esc to deselect." }</p>
            <button type="button" class="danger" onclick={ondelete}>{ "Delete annotation" }</button>
            if !others.is_empty() {
                <div class="here">
                    <p>{ format!("Also at this place ({} more; click the text again to cycle):", others.len()) }</p>
                    <ul>
                        { for others.iter().map(|o| {
                            let (onclick, onkeydown) = activate(&props.dispatch, Msg::Select(Some(o.id.clone()), None));
                            let idx = props.anns.labels().index_of(&o.label).unwrap_or(0);
                            html! {
                                <li class="entry" tabindex="0" {onclick} {onkeydown}>
                                    <span class={classes!("chip", format!("l{idx}"))}>{ &o.label }</span>{ " " }
                                    <span class="quote">{ quote_of(&props.doc, o) }</span>
                                </li>
                            }
                        }) }
                    </ul>
                </div>
            }
        </section>
    }
}
