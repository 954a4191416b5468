//! The export and import controls for every interchange format.
//!
//! Export: a menu of formats and an "Export" button that downloads the format's
//! file(s) and reports, through `onnotice`, everything the format had to leave out.
//! Import: one file input that accepts every format; the format is detected from
//! the file, and the result (or a sentence saying why the whole file was refused)
//! goes to `onimport`, so that the app can ask before it replaces or merges.
//! The component changes nothing itself.
//!
//! Only the native format runs here. The others (W3C, brat, doccano, Label Studio,
//! Prodigy, CoNLL) run in the formats worker (`src/bin/formats_worker.rs`, its own
//! wasm), which is started on first use and then reused, so that the main bundle
//! does not carry them. The document travels to it and back as native JSON.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::shared::Shared;

use super::dom;
use crate::formats::native::{self, Imported};
use crate::formats::{self, Format, ItemRefusal, MAX_IMPORT_BYTES};
use crate::model::{AnnotationSet, Document, Schema};
use crate::storage::browser::js_message;

/// The formats worker's loader, next to index.html: index.html copies it from
/// `src/bin/formats_worker_loader.js`, and it starts the wasm that
/// `<link data-trunk rel="rust" data-bin="formats_worker" data-type="worker">` builds.
/// A same-origin script, so the page's `script-src 'self'` lets it run.
const WORKER_URL: &str = "formats_worker_loader.js";

/// The running formats worker, and the requests waiting for it.
struct Remote {
    worker: web_sys::Worker,
    /// The worker has posted `{ready}`: its message handler is listening.
    ready: Cell<bool>,
    /// Requests made before it was ready.
    queue: RefCell<Vec<JsValue>>,
    /// Requests sent, by id, with the function that resolves each one's promise.
    waiting: RefCell<Vec<(u32, js_sys::Function)>>,
    next_id: Cell<u32>,
}

thread_local! {
    static REMOTE: RefCell<Option<Rc<Remote>>> = const { RefCell::new(None) };
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &JsValue, key: &str, v: &JsValue) {
    let _ = Reflect::set(o, &key.into(), v);
}

/// The worker, started on first use.
fn remote() -> Result<Rc<Remote>, String> {
    if let Some(r) = REMOTE.with(|r| r.borrow().clone()) {
        return Ok(r);
    }
    let worker = web_sys::Worker::new(WORKER_URL).map_err(|e| js_message(&e))?;
    // The handlers live as long as the page: they find the worker through REMOTE.
    let onmessage = Closure::<dyn Fn(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| on_message(e.data()));
    let onerror = Closure::<dyn Fn(web_sys::Event)>::new(on_error);
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onmessage.forget();
    onerror.forget();
    let r = Rc::new(Remote { worker, ready: Cell::new(false), queue: RefCell::default(), waiting: RefCell::default(), next_id: Cell::new(0) });
    REMOTE.with(|slot| *slot.borrow_mut() = Some(r.clone()));
    Ok(r)
}

fn on_message(data: JsValue) {
    if let Some(why) = get(&data, "failed").as_string() {
        fail(format!("the formats worker could not start ({why})"));
        return;
    }
    let Some(r) = REMOTE.with(|r| r.borrow().clone()) else { return };
    if get(&data, "ready").is_truthy() {
        r.ready.set(true);
        for req in r.queue.take() {
            let _ = r.worker.post_message(&req);
        }
        return;
    }
    let id = get(&data, "id").as_f64();
    let resolve = {
        let mut waiting = r.waiting.borrow_mut();
        let Some(at) = waiting.iter().position(|(i, _)| Some(f64::from(*i)) == id) else { return };
        waiting.swap_remove(at).1
    };
    let _ = resolve.call1(&JsValue::NULL, &data);
}

/// The worker could not load, or failed: its error event.
fn on_error(e: web_sys::Event) {
    e.prevent_default();
    let why = e.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty());
    fail(match why {
        Some(why) => format!("the formats worker failed ({why})"),
        None => format!("the formats worker ({WORKER_URL}) could not be loaded"),
    });
}

/// Every waiting request gets `why` as its error, and the next request starts a
/// fresh worker.
fn fail(why: String) {
    let Some(r) = REMOTE.with(|r| r.borrow_mut().take()) else { return };
    r.worker.terminate();
    let reply = Object::new();
    set(&reply, "error", &why.into());
    for (_, resolve) in r.waiting.take() {
        let _ = resolve.call1(&JsValue::NULL, &reply);
    }
}

/// Sends `req` to the worker and waits for its reply.
///
/// # Errors
/// The worker's sentence, or why the worker could not be reached.
async fn call(req: Object) -> Result<JsValue, String> {
    let r = remote()?;
    let id = r.next_id.get() + 1;
    r.next_id.set(id);
    set(&req, "id", &id.into());
    let promise = js_sys::Promise::new(&mut |resolve, _reject| r.waiting.borrow_mut().push((id, resolve)));
    if r.ready.get() {
        if let Err(e) = r.worker.post_message(&req) {
            r.waiting.borrow_mut().retain(|(i, _)| *i != id);
            return Err(js_message(&e));
        }
    } else {
        r.queue.borrow_mut().push(req.into());
    }
    drop(r);
    let reply = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| js_message(&e))?;
    match get(&reply, "error").as_string() {
        Some(why) => Err(why),
        None => Ok(reply),
    }
}

/// A refusal's kind as the static word [`ItemRefusal`] holds.
fn kind_word(kind: &str) -> &'static str {
    ["annotation", "relation", "entity", "span", "line", "document", "attribute", "result", "note"]
        .into_iter()
        .find(|k| *k == kind)
        .unwrap_or("item")
}

/// Exports in a format other than the native one, in the worker: the files, and
/// what the format left out.
async fn export_remote(format: Format, native_json: String) -> Result<(Vec<(String, String, Vec<u8>)>, Vec<String>), String> {
    let req = Object::new();
    set(&req, "op", &"export".into());
    set(&req, "format", &format.id().into());
    set(&req, "native", &native_json.into());
    let reply = call(req).await?;
    let files = Array::from(&get(&reply, "files"))
        .iter()
        .map(|f| {
            let bytes = get(&f, "bytes").dyn_into::<Uint8Array>().map(|b| b.to_vec()).unwrap_or_default();
            (get(&f, "name").as_string().unwrap_or_default(), get(&f, "mime").as_string().unwrap_or_default(), bytes)
        })
        .collect();
    let notes = Array::from(&get(&reply, "notes")).iter().filter_map(|n| n.as_string()).collect();
    Ok((files, notes))
}

/// Imports a file in a format other than the native one, in the worker, against
/// the open document. The worker answers with native JSON, read here as any
/// native file is; what the worker refused comes first in [`Imported::refused`].
async fn import_remote(bytes: &[u8], name: &str, doc: &Document, schema: &Rc<Schema>) -> Result<Imported, String> {
    let req = Object::new();
    set(&req, "op", &"import".into());
    set(&req, "name", &name.into());
    set(&req, "bytes", &Uint8Array::from(bytes));
    set(&req, "title", &doc.title().into());
    set(&req, "text", &doc.text().as_str().into());
    let reply = call(req).await?;
    let json = get(&reply, "native").as_string().ok_or("the formats worker gave no document")?;
    let mut imported = native::import(&json, schema).map_err(|e| e.to_string())?;
    let mut refused: Vec<ItemRefusal> = Array::from(&get(&reply, "refused"))
        .iter()
        .map(|r| ItemRefusal {
            kind: kind_word(&get(&r, "kind").as_string().unwrap_or_default()),
            index: get(&r, "index").as_f64().unwrap_or(0.0) as usize,
            id: get(&r, "id").as_string(),
            reason: get(&r, "reason").as_string().unwrap_or_default(),
        })
        .collect();
    refused.append(&mut imported.refused);
    imported.refused = refused;
    Ok(imported)
}

/// Downloads the files, then reports them and what the format left out.
fn deliver(format: Format, files: &[(String, String, Vec<u8>)], notes: Vec<String>, onnotice: &Callback<(bool, String, Vec<String>)>) {
    for (name, mime, bytes) in files {
        if let Err(e) = dom::download_bytes(name, mime, bytes) {
            onnotice.emit((true, format!("Export failed: {e}"), Vec::new()));
            return;
        }
    }
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    let text = if notes.is_empty() {
        format!("Exported {} as {}.", names.join(" and "), format.name())
    } else {
        format!("Exported {} as {}. What the format could not hold:", names.join(" and "), format.name())
    };
    onnotice.emit((false, text, notes));
}

/// Properties of [`FormatsMenu`].
#[derive(Properties, PartialEq)]
pub struct FormatsMenuProps {
    /// The document.
    pub doc: Rc<Document>,
    /// Its annotations.
    pub anns: Shared<AnnotationSet>,
    /// An import was read: the file name, and what it holds or why it was refused.
    pub onimport: Callback<(String, Result<Imported, String>)>,
    /// A message for the person: whether it is an error, the sentence, and the
    /// itemised details (what an export left out).
    pub onnotice: Callback<(bool, String, Vec<String>)>,
}

/// The export menu and button, and the import input for every format.
#[component]
pub fn FormatsMenu(props: &FormatsMenuProps) -> Html {
    let chosen = use_state(|| Format::W3c);
    let onselect = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(f) = Format::from_id(&select.value()) {
                chosen.set(f);
            }
        })
    };
    let onexport = {
        let (doc, anns, onnotice, format) = (props.doc.clone(), props.anns.clone(), props.onnotice.clone(), *chosen);
        Callback::from(move |_: MouseEvent| {
            let json = native::export(&doc, &anns);
            if format == Format::Native {
                let name = format.file_names(&doc.slug()).swap_remove(0);
                deliver(format, &[(name, format.info().files[0].mime.to_owned(), json.into_bytes())], Vec::new(), &onnotice);
                return;
            }
            let onnotice = onnotice.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match export_remote(format, json).await {
                    Ok((files, notes)) => deliver(format, &files, notes, &onnotice),
                    Err(e) => onnotice.emit((true, format!("Export failed: {e}."), Vec::new())),
                }
            });
        })
    };
    let onfile = {
        let (doc, anns, onimport) = (props.doc.clone(), props.anns.clone(), props.onimport.clone());
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let name = file.name();
            let size = file.size() as usize;
            if size > MAX_IMPORT_BYTES {
                // Tenths of a MB in integers: "{:.1}" of an f64 would link float formatting.
                let why = format!("{name} is {} MB; spantag reads files up to {} MB.", crate::formats::megabytes(size), MAX_IMPORT_BYTES / 1_048_576);
                onimport.emit((name, Err(why)));
                return;
            }
            let (doc, schema, onimport) = (doc.clone(), anns.schema().clone(), onimport.clone());
            let file = gloo_file::File::from(file);
            wasm_bindgen_futures::spawn_local(async move {
                let result = match gloo_file::futures::read_as_bytes(&file).await {
                    Err(e) => Err(format!("{name} could not be read: {e}")),
                    Ok(bytes) => match formats::sniff(&bytes, &name) {
                        Err(e) => Err(e.to_string()),
                        Ok(Format::Native) => formats::import_native(&bytes, &schema).map_err(|e| e.to_string()),
                        Ok(_) => import_remote(&bytes, &name, &doc, &schema).await,
                    }
                    .map_err(|e| format!("{name}: {e}.")),
                };
                onimport.emit((name, result));
            });
        })
    };
    html! {
        <div class="formats" role="group" aria-label="Other formats">
            <select aria-label="Export format" onchange={onselect}>
                { for Format::ALL.iter().map(|f| html! {
                    <option value={f.id()} selected={*f == *chosen}>{ f.name() }</option>
                }) }
            </select>
            <button type="button" onclick={onexport}>{ "Export" }</button>
            <label class="file-btn">
                { "Import other format" }
                <input type="file" accept={Format::ACCEPT} aria-label="Import other format" onchange={onfile} />
            </label>
        </div>
    }
}
