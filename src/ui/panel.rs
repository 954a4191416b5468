//! The side panel: the selected annotation, per-label counts and filter, and the list
//! of every annotation in text order.
//!
//! The list's accessible name is "Annotations", and each entry's text holds its
//! label and its quoted text: tests rely on both.

use std::rc::Rc;

use yew::prelude::*;

use super::state::{plural, Msg, ScrollTarget};
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
    let shown: Vec<&Annotation> = props.anns.items().iter().filter(|a| props.filter.as_ref().is_none_or(|f| &a.label == f)).collect();
    let selected = props.selected.as_ref().and_then(|id| props.anns.get(id));
    html! {
        <aside class="panel" aria-label="Annotation panel">
            { selected.map(|a| html! { <Selected ann={a.clone()} doc={props.doc.clone()} anns={props.anns.clone()} here={props.here.clone()} dispatch={props.dispatch.clone()} /> }) }
            <div class="filters" role="radiogroup" aria-label="Filter by label">
                { filter_button(None, "All".into(), total, None) }
                { for counts.iter().map(|(id, n)| filter_button(Some(id.clone()), id.clone(), *n, labels.index_of(id).map(|i| format!("l{i}")))) }
            </div>
            <ol class="ann-list" aria-label="Annotations">
                { for shown.iter().map(|a| entry(a, &props.doc, props.anns.as_ref(), props.selected.as_ref() == Some(&a.id), &props.dispatch)) }
            </ol>
            if shown.is_empty() {
                <p class="empty">{
                    if total == 0 { "No annotations yet. Select text in the article, then press 1 (Actor), 2 (Event) or 3 (Claim).".to_owned() }
                    else { format!("No {} annotations.", props.filter.clone().unwrap_or_default()) }
                }</p>
            }
        </aside>
    }
}

fn quote_of(doc: &Document, a: &Annotation) -> String {
    doc.text().slice(a.span.start(), a.span.end()).unwrap_or("").to_owned()
}

/// Click and Enter/Space handlers for an entry that selects `msg` when activated.
/// Entries are focusable list items, not buttons, so that the only buttons whose
/// names begin with a label's name are the label buttons.
fn activate(dispatch: &Callback<Msg>, msg: Msg) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let (d1, m1) = (dispatch.clone(), msg.clone());
    let (d2, m2) = (dispatch.clone(), msg);
    let onclick = Callback::from(move |_| d1.emit(m1.clone()));
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            d2.emit(m2.clone());
        }
    });
    (onclick, onkeydown)
}

fn entry(a: &Annotation, doc: &Document, anns: &AnnotationSet, is_selected: bool, dispatch: &Callback<Msg>) -> Html {
    let (onclick, onkeydown) = activate(dispatch, Msg::Select(Some(a.id.clone()), Some(ScrollTarget::Article)));
    let label_idx = anns.labels().index_of(&a.label).unwrap_or(0);
    html! {
        <li key={a.id.as_str()} class={classes!("entry", is_selected.then_some("sel"))} data-id={a.id.to_string()}
            tabindex="0" aria-current={is_selected.then_some("true")} {onclick} {onkeydown}>
            <span class={classes!("chip", format!("l{label_idx}"))}>{ &a.label }</span>
            { " " }
            <span class="quote">{ quote_of(doc, a) }</span>
        </li>
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
