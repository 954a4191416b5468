//! The formats worker: wiring only. Runs the interchange formats (W3C, brat,
//! doccano, Label Studio, Prodigy, CoNLL) in a Web Worker, so that the main bundle
//! links only the native format. `ui::formats_menu` starts it on first use.
//!
//! Protocol (plain JS objects; the document travels as native JSON):
//! - on start, the worker posts `{ready: true}`;
//! - `{id, op: "export", format, native}` → `{id, files: [{name, mime, bytes}], notes}`;
//! - `{id, op: "import", name, bytes, title, text}` → `{id, native, refused: [{kind, index, id, reason}]}`,
//!   where `title` and `text` are the open document's, for formats without text;
//! - either → `{id, error}` when the whole request fails (`error` is a sentence).

use js_sys::{Array, Object, Reflect, Uint8Array};
use spantag_core::formats::{self, Format};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn main() {
    console_error_panic_hook::set_once();
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let out = scope.clone();
    let onmessage = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let req = e.data();
        let reply = Object::new();
        set(&reply, "id", &get(&req, "id"));
        if let Err(why) = handle(&req, &reply) {
            set(&reply, "error", &why.into());
        }
        let _ = out.post_message(&reply);
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let ready = Object::new();
    set(&ready, "ready", &true.into());
    let _ = scope.post_message(&ready);
}

fn handle(req: &JsValue, reply: &Object) -> Result<(), String> {
    match text(req, "op").as_str() {
        "export" => {
            let format = Format::from_id(&text(req, "format")).ok_or("unknown format")?;
            let out = formats::export_from_native(format, &text(req, "native"))?;
            let files: Array = out
                .files
                .iter()
                .map(|(name, mime, bytes)| {
                    let f = Object::new();
                    set(&f, "name", &name.into());
                    set(&f, "mime", &(*mime).into());
                    set(&f, "bytes", &Uint8Array::from(bytes.as_slice()));
                    JsValue::from(f)
                })
                .collect();
            set(reply, "files", &files);
            set(reply, "notes", &out.notes.iter().map(JsValue::from).collect::<Array>());
        }
        "import" => {
            let bytes = get(req, "bytes").dyn_into::<Uint8Array>().map_err(|_| "no file bytes")?.to_vec();
            let (native, refused) = formats::import_to_native(&bytes, &text(req, "name"), &text(req, "title"), &text(req, "text"))?;
            let refused: Array = refused
                .iter()
                .map(|r| {
                    let o = Object::new();
                    set(&o, "kind", &r.kind.into());
                    set(&o, "index", &(r.index as f64).into());
                    set(&o, "id", &r.id.as_deref().map_or(JsValue::NULL, JsValue::from));
                    set(&o, "reason", &r.reason.as_str().into());
                    JsValue::from(o)
                })
                .collect();
            set(reply, "native", &native.into());
            set(reply, "refused", &refused);
        }
        other => return Err(format!("unknown request {other:?}")),
    }
    Ok(())
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text(o: &JsValue, key: &str) -> String {
    get(o, key).as_string().unwrap_or_default()
}

fn set(o: &JsValue, key: &str, v: &JsValue) {
    let _ = Reflect::set(o, &key.into(), v);
}
