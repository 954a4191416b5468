//! The embedding API: `window.spantag`, for pages that embed the widget and for
//! scripted tests, plus a `spantag:change` event on `window` after every change.
//!
//! Values cross into JavaScript through serde-wasm-bindgen, so JavaScript receives
//! plain objects (`{id, label, start, end, text}`), never Rust handles. Offsets are
//! code points, as everywhere in spantag. Every call goes through the same reducer
//! as a key press, so autosave, undo and the other tabs see API edits like any other.
//!
//! - `spantag.annotations()` → `[{id, label, start, end, text}]` in text order
//! - `spantag.tag(label, start, end)` → the new id (exact offsets, no snapping), or throws
//! - `spantag.remove(id)` → removes it (and its links)
//! - `spantag.status()` → `{saved, revision, unsaved, document}`

use std::cell::RefCell;
use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

use super::dom;
use super::state::{AppState, Msg, SaveStatus};
use crate::model::{Action, AnnId, Span, Timestamp};

#[derive(Serialize)]
struct AnnotationOut<'a> {
    id: &'a str,
    label: &'a str,
    start: usize,
    end: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct StatusOut<'a> {
    saved: bool,
    revision: Option<u64>,
    unsaved: usize,
    document: &'a str,
    count: usize,
}

impl<'a> StatusOut<'a> {
    /// What `status()` and the `spantag:change` event report.
    fn of(st: &'a AppState) -> StatusOut<'a> {
        StatusOut {
            saved: st.save == SaveStatus::Saved,
            revision: st.revision,
            unsaved: st.unsaved.len(),
            document: st.doc.id(),
            count: st.anns.len(),
        }
    }
}

/// The JavaScript functions, kept alive while the app lives.
pub struct Api {
    _closures: Vec<Box<dyn std::any::Any>>,
}

fn throw(msg: impl Into<String>) -> JsValue {
    js_sys::Error::new(&msg.into()).into()
}

impl Api {
    /// Installs `window.spantag`, reading `latest` and sending messages to `dispatch`.
    pub fn install(latest: Rc<RefCell<Rc<AppState>>>, dispatch: Callback<Msg>) -> Option<Api> {
        let window = web_sys::window()?;
        let api = js_sys::Object::new();
        let mut closures: Vec<Box<dyn std::any::Any>> = Vec::new();

        let l = latest.clone();
        let annotations = Closure::<dyn Fn() -> Result<JsValue, JsValue>>::new(move || {
            let st = l.borrow().clone();
            let text = st.doc.text();
            let out: Vec<AnnotationOut> = st
                .anns
                .items()
                .iter()
                .map(|a| AnnotationOut {
                    id: a.id.as_str(),
                    label: &a.label,
                    start: a.span.start(),
                    end: a.span.end(),
                    text: text.slice(a.span.start(), a.span.end()).unwrap_or(""),
                })
                .collect();
            serde_wasm_bindgen::to_value(&out).map_err(|e| throw(e.to_string()))
        });
        js_sys::Reflect::set(&api, &"annotations".into(), annotations.as_ref()).ok()?;
        closures.push(Box::new(annotations));

        let (l, d) = (latest.clone(), dispatch.clone());
        let tag = Closure::<dyn Fn(String, f64, f64) -> Result<JsValue, JsValue>>::new(move |label: String, start: f64, end: f64| {
            let st = l.borrow().clone();
            if st.anns.labels().get(&label).is_none() {
                return Err(throw(format!("unknown label {label:?}")));
            }
            let ok = |x: f64| x >= 0.0 && x.fract() == 0.0 && x <= st.doc.len_cp() as f64;
            if !ok(start) || !ok(end) {
                return Err(throw("start and end must be whole code point offsets within the text"));
            }
            let span = Span::new(start as usize, end as usize, st.doc.len_cp()).map_err(|e| throw(e.to_string()))?;
            let text = st.doc.text();
            if !crate::model::snap::is_cluster_boundary(text, span.start()) || !crate::model::snap::is_cluster_boundary(text, span.end()) {
                return Err(throw("the span splits a character (an emoji, a flag or a letter with its accent)"));
            }
            if let Some(dup) = st.anns.find_duplicate(span, &label) {
                return Err(throw(format!("the same span already has this label ({})", dup.id)));
            }
            let id = dom::fresh_id();
            d.emit(Msg::Tag { label, start: span.start(), end: span.end(), id: id.clone(), at: Timestamp(dom::now_ms()) });
            Ok(JsValue::from_str(id.as_str()))
        });
        js_sys::Reflect::set(&api, &"tag".into(), tag.as_ref()).ok()?;
        closures.push(Box::new(tag));

        let (l, d) = (latest.clone(), dispatch.clone());
        let remove = Closure::<dyn Fn(String) -> Result<(), JsValue>>::new(move |id: String| {
            let id = AnnId::new(id).map_err(throw)?;
            if l.borrow().anns.get(&id).is_none() {
                return Err(throw(format!("no annotation {id}")));
            }
            d.emit(Msg::Apply(Action::Remove { id }));
            Ok(())
        });
        js_sys::Reflect::set(&api, &"remove".into(), remove.as_ref()).ok()?;
        closures.push(Box::new(remove));

        let l = latest;
        let status = Closure::<dyn Fn() -> Result<JsValue, JsValue>>::new(move || {
            let st = l.borrow().clone();
            serde_wasm_bindgen::to_value(&StatusOut::of(&st)).map_err(|e| throw(e.to_string()))
        });
        js_sys::Reflect::set(&api, &"status".into(), status.as_ref()).ok()?;
        closures.push(Box::new(status));

        js_sys::Reflect::set(&window, &"spantag".into(), &api).ok()?;
        Some(Api { _closures: closures })
    }

    /// Announces a change to the page: `spantag:change` with `{count, revision}`.
    pub fn changed(st: &AppState) {
        let Some(window) = web_sys::window() else { return };
        let detail = serde_wasm_bindgen::to_value(&StatusOut::of(st));
        let init = web_sys::CustomEventInit::new();
        if let Ok(detail) = detail {
            init.set_detail(&detail);
        }
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("spantag:change", &init) {
            let _ = window.dispatch_event(event.unchecked_ref());
        }
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::delete_property(&window, &"spantag".into());
        }
    }
}
