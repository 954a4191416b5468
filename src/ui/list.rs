//! The list of annotations in text order, filtered by label, windowed.
//!
//! Contract relied on by tests: the list's accessible name is "Annotations", and
//! each entry's text holds its label and its quoted text. Entries are focusable
//! list items (`li.entry[data-id]`, the selected one with class `sel`), not buttons,
//! so that the only buttons whose names begin with a label's name are the label
//! buttons.
//!
//! Windowing: with 10,000 annotations a full list costs more DOM than the article
//! itself, and every edit would diff it. Every entry has the same height ([`ROW`]
//! px, fixed in `style.css`), so only the entries near the visible part of the list
//! are rendered: the list has the height of all its entries, and its top padding
//! stands for those above the window (both set through the CSSOM, which a strict
//! Content-Security-Policy allows). The window follows the scrolling of the list's
//! box or the page, and jumps to the selected entry whenever the selection changes,
//! so that the selected entry is always in the DOM and the app can scroll it into
//! view. Each entry's `aria-posinset` and `aria-setsize` tell assistive technology
//! where it is in the whole list; they are set on the window's entries after each
//! render, so that an entry renders again only when its own annotation changes.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::shared::Shared;

use super::state::{Msg, ScrollTarget};
use crate::model::{AnnId, Annotation, AnnotationSet, Document};

/// The height of one entry plus the space below it, in CSS px (`.ann-list > li.entry`).
pub const ROW: usize = 38;
/// Entries rendered beyond each edge of the visible part.
const OVERSCAN: usize = 20;
/// The window start moves in steps of this many entries, so that scrolling
/// re-renders the list only every few entries.
const STEP: usize = 10;

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
    pub anns: Shared<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// The label filter.
    pub filter: Option<String>,
    /// Sends a message to the app.
    pub dispatch: Callback<Msg>,
}

/// The window: its first entry and how many entries fit the viewport.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Window {
    first: usize,
    visible: usize,
}

/// The window for the list element `ol` as it lies in the viewport now: it starts at
/// the top of what both its scroller (the panel's list box on wide screens; on narrow
/// ones the box is as tall as the list and the page scrolls) and the viewport show.
fn measure(ol: &web_sys::Element) -> Window {
    let r = ol.get_bounding_client_rect();
    let vh = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(1000.0);
    let top = scroll_parent(ol).map_or(0.0, |p| p.get_bounding_client_rect().top().max(0.0));
    let above = (top - r.top()).max(0.0);
    let first_row = (above / ROW as f64) as usize;
    // The box can grow without a scroll (when the inspector closes): count the rows
    // of the whole viewport, which no box is taller than.
    Window { first: first_row.saturating_sub(OVERSCAN) / STEP * STEP, visible: (vh / ROW as f64).ceil() as usize + 1 }
}

/// Sets an inline style property through the CSSOM (not a `style` attribute).
fn set_style(el: &web_sys::Element, prop: &str, value: &str) {
    let Ok(style) = js_sys::Reflect::get(el, &JsValue::from_str("style")) else { return };
    if let Ok(f) = js_sys::Reflect::get(&style, &JsValue::from_str("setProperty")).and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = f.call2(&style, &JsValue::from_str(prop), &JsValue::from_str(value));
    }
}

/// The box that scrolls the list on wide screens (narrow screens scroll the page).
fn scroll_parent(el: &web_sys::Element) -> Option<web_sys::Element> {
    el.closest(".list-scroll").ok().flatten()
}

/// The annotation list.
#[component]
pub fn AnnList(props: &AnnListProps) -> Html {
    let ol_ref = use_node_ref();
    let win: Rc<RefCell<Window>> = use_mut_ref(|| Window { first: 0, visible: 40 });
    let last_selected: Rc<RefCell<Option<AnnId>>> = use_mut_ref(|| None);
    let redraw = use_force_update();
    // Indices (into the set's items) of the entries the filter shows.
    let shown = use_memo((props.anns.clone(), props.filter.clone()), |(anns, filter)| {
        anns.items().iter().enumerate().filter(|(_, a)| filter.as_ref().is_none_or(|f| &a.label == f)).map(|(i, _)| i).collect::<Vec<_>>()
    });
    let n = shown.len();

    // Follow scrolling (of the list's box and of the page) and resizing.
    {
        let ol_ref = ol_ref.clone();
        let win = win.clone();
        use_effect_with((), move |_| {
            let mut listeners = Vec::new();
            if let (Some(ol), Some(window)) = (ol_ref.cast::<web_sys::Element>(), web_sys::window()) {
                let on_scroll = {
                    let win = win.clone();
                    let ol = ol.clone();
                    Rc::new(move || {
                        let w = measure(&ol);
                        if *win.borrow() != w {
                            *win.borrow_mut() = w;
                            redraw.force_update();
                        }
                    })
                };
                let opts = EventListenerOptions::run_in_capture_phase();
                let targets: Vec<web_sys::EventTarget> =
                    scroll_parent(&ol).map(|p| p.unchecked_into()).into_iter().chain(std::iter::once(window.clone().unchecked_into())).collect();
                for t in targets {
                    let f = on_scroll.clone();
                    listeners.push(EventListener::new_with_options(&t, "scroll", opts, move |_| f()));
                }
                let f = on_scroll.clone();
                listeners.push(EventListener::new(&window, "resize", move |_| f()));
                on_scroll();
            }
            move || drop(listeners)
        });
    }

    // A new selection brings its entry into the window.
    let count = win.borrow().visible + 2 * OVERSCAN;
    if *last_selected.borrow() != props.selected {
        last_selected.borrow_mut().clone_from(&props.selected);
        let items = props.anns.items();
        if let Some(pos) = props.selected.as_ref().and_then(|id| shown.iter().position(|&i| &items[i].id == id)) {
            let first = win.borrow().first;
            if pos < first || pos >= first + count {
                win.borrow_mut().first = pos.saturating_sub(count / 2) / STEP * STEP;
            }
        }
    }
    let from = win.borrow().first.min(n.saturating_sub(count));
    let to = (from + count).min(n);

    // The list is as tall as all its entries, whichever are in the DOM, and its top
    // padding stands for the entries above the window. A fixed height, rather than a
    // bottom padding, because the entries (components) are attached one by one after
    // this list: a layout in between must not see a shorter list, or the browser
    // would clamp the scroll position of the list's box.
    {
        let ol_ref = ol_ref.clone();
        use_effect_with((from, n), move |&(from, n)| {
            if let Some(ol) = ol_ref.cast::<web_sys::Element>() {
                set_style(&ol, "height", &format!("{}px", n * ROW));
                set_style(&ol, "padding-top", &format!("{}px", from * ROW));
            }
        });
    }

    // Each entry's place in the list and the list's size (for assistive technology,
    // which sees only the window), set on the entries after they render rather than as
    // their props: adding or deleting an annotation changes the size, and the place of
    // every entry after it, and each of the window's 60 or so entries would render again
    // for that (2 ms at L).
    {
        let ol_ref = ol_ref.clone();
        use_effect_with((from, to, n, Rc::as_ptr(&shown) as usize), move |&(from, _, n, _)| {
            if let Some(ol) = ol_ref.cast::<web_sys::Element>() {
                let (lis, size) = (ol.children(), n.to_string());
                for k in 0..lis.length() {
                    if let Some(li) = lis.item(k) {
                        let _ = li.set_attribute("aria-posinset", &(from + k as usize + 1).to_string());
                        let _ = li.set_attribute("aria-setsize", &size);
                    }
                }
            }
        });
    }

    let items = props.anns.items();
    let labels = props.anns.labels();
    html! {
        <ol ref={ol_ref} class="ann-list" aria-label="Annotations">
            { for shown[from..to].iter().map(|&i| {
                let a = &items[i];
                html! { <Entry key={a.id.as_str()} ann={a.clone()} doc={props.doc.clone()} label_idx={labels.index_of(&a.label).unwrap_or(0)}
                    selected={props.selected.as_ref() == Some(&a.id)} dispatch={props.dispatch.clone()} /> }
            }) }
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

/// Properties of [`Entry`], compared cheaply (see the `PartialEq` below), so that an
/// edit renders again only the entries it changed.
#[derive(Properties)]
struct EntryProps {
    ann: Rc<Annotation>,
    doc: Rc<Document>,
    label_idx: usize,
    selected: bool,
    dispatch: Callback<Msg>,
}

/// The annotation and the document by pointer: an edited annotation is a new one (the
/// set copies an annotation on write while anything else, such as this entry's props,
/// holds it), and comparing a document's whole text for each entry would cost more
/// than rendering it.
impl PartialEq for EntryProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ann, &other.ann)
            && Rc::ptr_eq(&self.doc, &other.doc)
            && (self.label_idx, self.selected) == (other.label_idx, other.selected)
            && self.dispatch == other.dispatch
    }
}

/// One entry of the list.
#[component]
fn Entry(props: &EntryProps) -> Html {
    let a = &props.ann;
    let (onclick, onkeydown) = activate(&props.dispatch, Msg::Select(Some(a.id.clone()), Some(ScrollTarget::Article)));
    html! {
        <li class={classes!("entry", props.selected.then_some("sel"))} data-id={a.id.to_string()}
            tabindex="0" aria-current={props.selected.then_some("true")} {onclick} {onkeydown}>
            <span class={classes!("chip", format!("l{}", props.label_idx))}>{ &a.label }</span>
            { " " }
            <span class="quote">{ quote_of(&props.doc, a) }</span>
        </li>
    }
}
