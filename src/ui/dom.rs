//! The DOM boundary: selections to code points, scrolling, downloads, label styles.
//!
//! This is the only place UTF-16 offsets from the DOM enter. Every rendered run of
//! text sits in an element carrying `data-s`, its first code point in the document,
//! and holds exactly one text node with exactly the run's text. A DOM boundary
//! point `(node, offset)` therefore maps to `data-s + utf16_to_cp(run, offset)`.
//! An offset inside a surrogate pair is moved outward (start back, end forward), so
//! a selection never splits a character.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Node};

use crate::model::offsets::{cp_len, utf16_to_cp, Bias};
use crate::model::LabelSet;

/// The code point where a run element starts.
fn run_start(el: &Element) -> Option<usize> {
    el.get_attribute("data-s")?.parse().ok()
}

/// The first run element at or after `node` (in document order) inside `root`.
fn first_run_in(node: &Node) -> Option<Element> {
    let el = node.dyn_ref::<Element>()?;
    if el.has_attribute("data-s") {
        return Some(el.clone());
    }
    el.query_selector("[data-s]").ok().flatten()
}

/// The last run element inside `node`.
fn last_run_in(node: &Node) -> Option<Element> {
    let el = node.dyn_ref::<Element>()?;
    if el.has_attribute("data-s") {
        return Some(el.clone());
    }
    let all = el.query_selector_all("[data-s]").ok()?;
    all.item(all.length().checked_sub(1)?).and_then(|n| n.dyn_into::<Element>().ok())
}

fn run_end(el: &Element) -> Option<usize> {
    Some(run_start(el)? + cp_len(&el.text_content().unwrap_or_default()))
}

/// Maps a DOM boundary point to a code point offset in the document.
/// `is_end` chooses which way to resolve a point between runs or inside a pair.
pub fn boundary_to_cp(node: &Node, offset: u32, is_end: bool) -> Option<usize> {
    if node.node_type() == Node::TEXT_NODE {
        let parent = node.parent_element()?;
        let run = parent.closest("[data-s]").ok().flatten()?;
        let text = node.text_content().unwrap_or_default();
        let bias = if is_end { Bias::After } else { Bias::Before };
        return Some(run_start(&run)? + utf16_to_cp(&text, offset as usize, bias)?);
    }
    let children = node.child_nodes();
    if !is_end {
        // The first run at or after child `offset`.
        for i in offset..children.length() {
            if let Some(run) = children.item(i).as_ref().and_then(first_run_in) {
                return run_start(&run);
            }
        }
        None
    } else {
        // The end of the last run before child `offset`.
        for i in (0..offset.min(children.length())).rev() {
            if let Some(run) = children.item(i).as_ref().and_then(last_run_in) {
                return run_end(&run);
            }
        }
        None
    }
}

/// The current text selection inside `root`, in code points, if it is not collapsed.
pub fn selection_in(root: &Element) -> Option<(usize, usize)> {
    let sel = web_sys::window()?.get_selection().ok().flatten()?;
    if sel.range_count() == 0 || sel.is_collapsed() {
        return None;
    }
    let range = sel.get_range_at(0).ok()?;
    let root_node: &Node = root.as_ref();
    let start_node = range.start_container().ok()?;
    let end_node = range.end_container().ok()?;
    if !root_node.contains(Some(&start_node)) || !root_node.contains(Some(&end_node)) {
        return None;
    }
    let start = boundary_to_cp(&start_node, range.start_offset().ok()?, false)?;
    let end = boundary_to_cp(&end_node, range.end_offset().ok()?, true)?;
    (start < end).then_some((start, end))
}

/// Clears the browser's text selection.
pub fn clear_selection() {
    if let Some(sel) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) {
        let _ = sel.remove_all_ranges();
    }
}

/// Scrolls the first element matching `selector` into view.
pub fn scroll_to(selector: &str, center: bool) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Ok(Some(el)) = doc.query_selector(selector) {
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(if center { web_sys::ScrollLogicalPosition::Center } else { web_sys::ScrollLogicalPosition::Nearest });
        el.scroll_into_view_with_scroll_into_view_options(&opts);
    }
}

/// Offers `content` as a file download named `file_name`.
///
/// # Errors
/// The browser's message if the file could not be made.
pub fn download(file_name: &str, mime: &str, content: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    let props = web_sys::BlobPropertyBag::new();
    props.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &props).map_err(|e| crate::storage::browser::js_message(&e))?;
    download_blob(file_name, &blob)
}

/// Offers a blob as a file download named `file_name`.
fn download_blob(file_name: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let err = |e: JsValue| crate::storage::browser::js_message(&e);
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(err)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.set_rel("noopener");
    document.body().ok_or("no body")?.append_child(&a).map_err(err)?;
    a.click();
    a.remove();
    // Revoke later: revoking at once can cancel the download in some browsers.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Adds one CSS rule per label (`.l<i>` sets `--c`, the label colour) to the page's
/// own stylesheet, through the CSSOM, which a strict Content-Security-Policy allows.
pub fn install_label_styles(labels: &LabelSet) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let sheets = doc.style_sheets();
    let Some(sheet) = sheets.item(0).and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok()) else { return };
    for (i, label) in labels.iter().enumerate() {
        let rule = format!(".l{i} {{ --c: {}; }}", label.color);
        let _ = sheet.insert_rule_with_index(&rule, sheet.css_rules().map(|r| r.length()).unwrap_or(0));
    }
}

/// Runs `f` once when the page is next idle (`requestIdleCallback`, at most `within_ms`
/// later), or after `within_ms` where the browser has no idle callbacks (Safari).
pub fn when_idle(within_ms: u32, f: impl FnOnce() + 'static) {
    let window = web_sys::window().expect("a window");
    if js_sys::Reflect::has(&window, &JsValue::from_str("requestIdleCallback")).unwrap_or(false) {
        let opts = web_sys::IdleRequestOptions::new();
        opts.set_timeout(within_ms);
        let _ = window.request_idle_callback_with_options(wasm_bindgen::closure::Closure::once_into_js(f).unchecked_ref(), &opts);
    } else {
        gloo_timers::callback::Timeout::new(within_ms, f).forget();
    }
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh annotation id: time plus randomness, so ids from two tabs do not clash.
pub fn fresh_id() -> crate::model::AnnId {
    let t = js_sys::Date::now() as u64;
    let r = (js_sys::Math::random() * 1_679_616.0) as u64; // 36^4
    crate::model::AnnId::new(format!("a{}{}", radix36(t), radix36(r))).expect("radix-36 ids are valid")
}

fn radix36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

/// The text node and UTF-16 offset of code point `cp` inside `root`'s runs.
fn cp_to_boundary(root: &Element, cp: usize, is_end: bool) -> Option<(Node, u32)> {
    let runs = root.query_selector_all("[data-s]").ok()?;
    // Runs are in document order with increasing starts: binary search the last run
    // starting at or before cp (or before it, for an end).
    let (mut lo, mut hi) = (0u32, runs.length());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let start = runs.item(mid).and_then(|n| n.dyn_into::<Element>().ok()).as_ref().and_then(run_start)?;
        if start < cp || (!is_end && start == cp) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let run: Element = runs.item(lo.checked_sub(1)?)?.dyn_into().ok()?;
    let start = run_start(&run)?;
    let node = run.first_child()?;
    let text = node.text_content().unwrap_or_default();
    let u16_off: usize = text.chars().take(cp - start).map(char::len_utf16).sum();
    Some((node, u16_off as u32))
}

/// Sets the browser's text selection to `[start, end)` of the document (code points),
/// and scrolls it into view. Used by the keyboard "find" to select text without a mouse.
pub fn select_range(root: &Element, start: usize, end: usize) -> bool {
    let (Some((sn, so)), Some((en, eo))) = (cp_to_boundary(root, start, false), cp_to_boundary(root, end, true)) else {
        return false;
    };
    let Some(window) = web_sys::window() else { return false };
    let Some(document) = window.document() else { return false };
    let Ok(range) = document.create_range() else { return false };
    if range.set_start(&sn, so).is_err() || range.set_end(&en, eo).is_err() {
        return false;
    }
    if let Some(el) = sn.parent_element() {
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(web_sys::ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&opts);
    }
    match window.get_selection() {
        Ok(Some(sel)) => sel.remove_all_ranges().is_ok() && sel.add_range(&range).is_ok(),
        _ => false,
    }
}

/// Focuses the element with this id, if it exists; returns whether it did.
pub fn focus_id(id: &str) -> bool {
    let el = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    match el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(e) => e.focus().is_ok(),
        None => false,
    }
}

/// Focuses the first element matching `selector`, if any; returns whether it did.
pub fn focus_selector(selector: &str) -> bool {
    let el = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten());
    match el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(e) => e.focus().is_ok(),
        None => false,
    }
}

/// The focused element, if it is not the page's body.
pub fn active_element() -> Option<web_sys::HtmlElement> {
    let d = web_sys::window().and_then(|w| w.document())?;
    let el = d.active_element()?.dyn_into::<web_sys::HtmlElement>().ok()?;
    (Some(&el) != d.body().as_ref()).then_some(el)
}

/// Offers `bytes` as a file download named `file_name` (for binary files such as
/// a zip; [`download`] takes text).
///
/// # Errors
/// The browser's message if the file could not be made.
pub fn download_bytes(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let props = web_sys::BlobPropertyBag::new();
    props.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &props).map_err(|e| crate::storage::browser::js_message(&e))?;
    download_blob(file_name, &blob)
}

/// `s.to_lowercase()`, the default (locale-free) Unicode lowercase, Final_Sigma included.
/// In the browser it is `String.prototype.toLowerCase`, which is the same mapping, so
/// the wasm links no case tables of its own (about 8 KB less gzip); natively (tests,
/// server-side rendering) it is Rust's.
pub fn lowercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        // ASCII (most quotes a picker filters, one call per choice) needs no trip to
        // JavaScript and back.
        if s.is_ascii() {
            return s.to_ascii_lowercase();
        }
        String::from(js_sys::JsString::from(s).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

/// `s.chars().flat_map(char::to_lowercase)`: each character lowercased on its own, as a
/// list of characters, when that gives one character for each (`None` when some
/// character lowercases to several, as `İ` does).
///
/// Lowercasing a whole string differs from lowercasing each character only by
/// Final_Sigma (`Σ` at the end of a word becomes `ς`, on its own `σ`), the one rule of
/// the default mapping that depends on context; so when the lengths match, position by
/// position, every `Σ` is given back `σ`.
pub fn lowercase_each(s: &str) -> Option<Vec<char>> {
    let mut lower: Vec<char> = lowercase(s).chars().collect();
    if lower.len() != s.chars().count() {
        return None;
    }
    for (l, c) in lower.iter_mut().zip(s.chars()) {
        if c == 'Σ' {
            *l = 'σ';
        }
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_each_is_per_character() {
        // Whole-string lowercasing ends the word with ς; each character alone gives σ.
        assert_eq!(lowercase("ΟΔΟΣ"), "οδος");
        assert_eq!(lowercase_each("ΟΔΟΣ Élysée"), Some("οδοσ élysée".chars().collect()));
        assert_eq!(lowercase_each("ΟΔΟΣ"), Some("ΟΔΟΣ".chars().flat_map(char::to_lowercase).collect()));
        // İ lowercases to two characters: no position-by-position mapping.
        assert_eq!(lowercase_each("İstanbul"), None);
    }
}
