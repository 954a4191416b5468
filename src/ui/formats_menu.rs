//! The export and import controls for every interchange format.
//!
//! Export: a menu of formats and an "Export" button that downloads the format's
//! file(s) and reports, through `onnotice`, everything the format had to leave out.
//! Import: one file input that accepts every format; the format is detected from
//! the file, and the result (or a sentence saying why the whole file was refused)
//! goes to `onimport`, so that the app can ask before it replaces or merges.
//! The component changes nothing itself.

use std::rc::Rc;

use yew::prelude::*;

use super::dom;
use crate::formats::native::Imported;
use crate::formats::{self, Format, MAX_IMPORT_BYTES};
use crate::model::{AnnotationSet, Document};

/// Properties of [`FormatsMenu`].
#[derive(Properties, PartialEq)]
pub struct FormatsMenuProps {
    /// The document.
    pub doc: Rc<Document>,
    /// Its annotations.
    pub anns: Rc<AnnotationSet>,
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
            let out = formats::export(format, &doc, &anns);
            let names: Vec<&str> = out.files.iter().map(|f| f.0.as_str()).collect();
            for (name, mime, bytes) in &out.files {
                if let Err(e) = dom::download_bytes(name, mime, bytes) {
                    onnotice.emit((true, format!("Export failed: {e}"), Vec::new()));
                    return;
                }
            }
            let text = if out.notes.is_empty() {
                format!("Exported {} as {}.", names.join(" and "), format.name())
            } else {
                format!("Exported {} as {}. What the format could not hold:", names.join(" and "), format.name())
            };
            onnotice.emit((false, text, out.notes));
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
                let why = format!("{name} is {:.1} MB; spantag reads files up to {} MB.", size as f64 / 1_048_576.0, MAX_IMPORT_BYTES / 1_048_576);
                onimport.emit((name, Err(why)));
                return;
            }
            let (doc, schema, onimport) = (doc.clone(), anns.schema().clone(), onimport.clone());
            let file = gloo_file::File::from(file);
            wasm_bindgen_futures::spawn_local(async move {
                let result = match gloo_file::futures::read_as_bytes(&file).await {
                    Err(e) => Err(format!("{name} could not be read: {e}")),
                    Ok(bytes) => formats::import(&bytes, &name, &schema, &doc).map_err(|e| format!("{name}: {e}.")),
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
