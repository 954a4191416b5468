//! The panic hook: no panic reaches the person as a frozen or blank page.
//!
//! [`install`] (called once by `main`, before the app is mounted, through
//! `yew::set_custom_panic_hook` so that yew keeps it) keeps `console_error_panic_hook`'s message in
//! the console, then draws an overlay over the page with plain DOM calls (elements
//! and text nodes only, never HTML parsing) that says what happened, that the saved
//! work is safe, and offers two buttons: **Export JSON backup** and **Reload**.
//!
//! Release builds use `panic = "abort"`: the hook still runs, before the abort traps
//! the wasm instance. Since the instance may be in a broken state after that, the
//! overlay's buttons call no Rust at all: the backup is read and turned into a Blob
//! URL *inside* the hook, and each button's click listener is a plain JavaScript
//! function bound in the hook (`HTMLAnchorElement.prototype.click` bound to a
//! detached `<a download>`, and `Location.prototype.reload` bound to `location`).
//! Nothing is evaluated from strings, so this works under the page's strict CSP; the
//! overlay is styled through the CSSOM, which `style-src 'self'` allows.
//!
//! The backup is what [`set_backup_source`] returns (the app's in-memory state, when
//! the app has registered it), else the stored native JSON of the current document
//! in localStorage (`spantag:v2:current` → `spantag:v2:doc:<id>`, or version 1's
//! keys), offered byte for byte as it is stored.
//!
//! [`has_panicked`] tells other code (autosave) that it must not write any more:
//! after a panic the in-memory state is not trusted over what is stored.
//!
//! For tests: `window.dispatchEvent(new Event("spantag-test-panic"))` panics on
//! purpose (only script already running in the page can do this; no URL can).

use std::cell::{Cell, RefCell};

use wasm_bindgen::{JsCast, JsValue};

use crate::storage;

/// A source of the backup: the file name and the JSON to offer.
pub type BackupSource = Box<dyn Fn() -> Option<(String, String)>>;

thread_local! {
    static BACKUP: RefCell<Option<BackupSource>> = RefCell::new(None);
    static PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// The id of the overlay element.
pub const OVERLAY_ID: &str = "spantag-panic";
/// The event that makes the app panic on purpose, for tests.
pub const TEST_EVENT: &str = "spantag-test-panic";
/// The first sentence the overlay shows.
pub const HEADLINE: &str = "spantag hit an internal error and stopped. Your saved work is safe.";

/// Registers where the backup comes from after a panic: a function returning the
/// file name and the JSON (for example the native export of the in-memory state).
/// It is called inside the panic hook, so it must not panic itself: use
/// `try_borrow` on any `RefCell`, and return `None` when in doubt (the stored copy
/// is then offered instead).
pub fn set_backup_source(f: BackupSource) {
    BACKUP.with(|b| {
        if let Ok(mut slot) = b.try_borrow_mut() {
            *slot = Some(f);
        }
    });
}

/// Whether a panic has happened in this page. Once it has, nothing may be saved.
pub fn has_panicked() -> bool {
    PANICKED.with(Cell::get)
}

/// Installs the panic hook, and the test event listener. Call once, first thing.
pub fn install() {
    // Through yew, or yew's Renderer replaces the hook with its own when it mounts.
    yew::set_custom_panic_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let first = !PANICKED.with(|p| p.replace(true));
        if first {
            show(&info.to_string());
        }
    }));
    if let Some(window) = web_sys::window() {
        gloo_events::EventListener::new(&window, TEST_EVENT, |_| {
            panic!("a test panic, requested with the \"{TEST_EVENT}\" event");
        })
        .forget();
    }
}

/// The backup to offer: the registered source's, else the stored copy.
fn backup() -> Option<(String, String)> {
    let registered = BACKUP.with(|b| b.try_borrow().ok().and_then(|slot| slot.as_ref().and_then(|f| f())));
    registered.or_else(stored_backup)
}

/// The stored native JSON of the current document, as it is in localStorage.
fn stored_backup() -> Option<(String, String)> {
    let ls = web_sys::window()?.local_storage().ok()??;
    let get = |k: &str| ls.get_item(k).ok().flatten();
    let (id, value) = match get(storage::CURRENT_KEY) {
        Some(id) => {
            let value = get(&storage::doc_key(&id)).or_else(|| get(&storage::v1_doc_key(&id)))?;
            (id, value)
        }
        None => {
            let id = get(storage::V1_CURRENT_KEY)?;
            let value = get(&storage::v1_doc_key(&id))?;
            (id, value)
        }
    };
    let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).take(32).collect();
    Some((format!("spantag-backup-{safe}.spantag.json"), value))
}

/// Draws the overlay (once). Best effort: any DOM failure leaves what was drawn.
fn show(detail: &str) {
    let _ = try_show(detail);
}

fn try_show(detail: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    if doc.get_element_by_id(OVERLAY_ID).is_some() {
        return Ok(());
    }
    let body = doc.body().ok_or("no body")?;
    let el = |tag: &str| -> Result<web_sys::HtmlElement, JsValue> { Ok(doc.create_element(tag)?.unchecked_into()) };
    let css = |e: &web_sys::HtmlElement, rules: &[(&str, &str)]| {
        let s = e.style();
        for (k, v) in rules {
            let _ = s.set_property(k, v);
        }
    };

    // First the message and Reload, which need nothing from the app's state.
    let overlay = el("div")?;
    overlay.set_id(OVERLAY_ID);
    overlay.set_attribute("role", "alertdialog")?;
    overlay.set_attribute("aria-modal", "true")?;
    overlay.set_attribute("aria-labelledby", "spantag-panic-title")?;
    css(
        &overlay,
        &[
            ("position", "fixed"),
            ("inset", "0"),
            ("z-index", "2147483647"),
            ("display", "flex"),
            ("align-items", "center"),
            ("justify-content", "center"),
            ("background", "rgba(20, 20, 20, 0.55)"),
        ],
    );
    let boxed = el("div")?;
    css(
        &boxed,
        &[
            ("max-width", "34rem"),
            ("margin", "1rem"),
            ("padding", "1.25rem 1.5rem"),
            ("background", "#fff"),
            ("color", "#111"),
            ("border-radius", "8px"),
            ("font", "16px/1.45 system-ui, sans-serif"),
            ("box-shadow", "0 10px 40px rgba(0, 0, 0, 0.35)"),
        ],
    );
    let title = el("h2")?;
    title.set_id("spantag-panic-title");
    title.set_text_content(Some("spantag hit an internal error"));
    css(&title, &[("margin", "0 0 0.5rem"), ("font-size", "1.25rem")]);
    let text = el("p")?;
    text.set_text_content(Some(&format!(
        "{HEADLINE} To be sure, export a JSON backup of your work, then reload the page."
    )));
    let details = el("details")?;
    let summary = el("summary")?;
    summary.set_text_content(Some("Technical details"));
    let pre = el("pre")?;
    pre.set_text_content(Some(detail));
    css(&pre, &[("white-space", "pre-wrap"), ("font-size", "0.8rem"), ("max-height", "10rem"), ("overflow", "auto")]);
    details.append_child(&summary)?;
    details.append_child(&pre)?;
    let buttons = el("div")?;
    css(&buttons, &[("display", "flex"), ("gap", "0.75rem"), ("margin-top", "1rem")]);
    let export = el("button")?;
    export.set_attribute("type", "button")?;
    export.set_text_content(Some("Export JSON backup"));
    let reload = el("button")?;
    reload.set_attribute("type", "button")?;
    reload.set_text_content(Some("Reload"));
    let location: JsValue = window.location().into();
    let reload_fn: js_sys::Function = js_sys::Reflect::get(&location, &"reload".into())?.dyn_into()?;
    reload.add_event_listener_with_callback("click", &reload_fn.bind0(&location))?;
    buttons.append_child(&export)?;
    buttons.append_child(&reload)?;
    boxed.append_child(&title)?;
    boxed.append_child(&text)?;
    boxed.append_child(&buttons)?;
    boxed.append_child(&details)?;
    overlay.append_child(&boxed)?;
    body.append_child(&overlay)?;

    // Then the backup, which reads the app's state or storage.
    match backup() {
        Some((name, json)) => {
            let parts = js_sys::Array::of1(&JsValue::from_str(&json));
            let props = web_sys::BlobPropertyBag::new();
            props.set_type("application/json");
            let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &props)?;
            let url = web_sys::Url::create_object_url_with_blob(&blob)?;
            // A detached anchor: clicking it downloads the Blob. It is never revoked,
            // since the page is going to be reloaded anyway.
            let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.unchecked_into();
            a.set_href(&url);
            a.set_download(&name);
            let click: js_sys::Function = js_sys::Reflect::get(&a, &"click".into())?.dyn_into()?;
            export.add_event_listener_with_callback("click", &click.bind0(&a))?;
            export.set_title(&format!("Downloads {name}"));
            let _ = export.focus();
        }
        None => {
            export.set_attribute("disabled", "")?;
            export.set_title("No stored copy of your work was found in this browser.");
            let _ = reload.focus();
        }
    }
    Ok(())
}
