//! The list of annotations in text order, filtered by label.
//!
//! Contract relied on by tests: the list's accessible name is "Annotations", and
//! each entry's text holds its label and its quoted text. Entries are focusable
//! list items, not buttons, so that the only buttons whose names begin with a
//! label's name are the label buttons.

use std::rc::Rc;

use yew::prelude::*;

use super::state::{Msg, ScrollTarget};
use crate::model::{AnnId, Annotation, AnnotationSet, Document};

/// The text an annotation covers.
pub fn quote_of(doc: &Document, a: &Annotation) -> String {
    doc.text().slice(a.span.start(), a.span.end()).unwrap_or("").to_owned()
}

/// Properties of [`AnnList`].
#[derive(Properties, PartialEq)]
pub struct AnnListProps {
    /// The document (for quotes).
    pub doc: Rc<Document>,
    /// The annotations.
    pub anns: Rc<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// The label filter.
    pub filter: Option<String>,
    /// Sends a message to the app.
    pub dispatch: Callback<Msg>,
}

/// The annotation list.
#[component]
pub fn AnnList(props: &AnnListProps) -> Html {
    html! {
        <ol class="ann-list" aria-label="Annotations">
            { for props.anns.items().iter()
                .filter(|a| props.filter.as_ref().is_none_or(|f| &a.label == f))
                .map(|a| entry(a, &props.doc, props.anns.as_ref(), props.selected.as_ref() == Some(&a.id), &props.dispatch)) }
        </ol>
    }
}

/// Click and Enter/Space handlers for an entry that selects `msg` when activated.
/// Entries are focusable list items, not buttons, so that the only buttons whose
/// names begin with a label's name are the label buttons.
pub fn activate(dispatch: &Callback<Msg>, msg: Msg) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
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

