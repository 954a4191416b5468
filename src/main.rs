//! spantag's entry point: wiring only. Opens the stored work and mounts the app.

use std::rc::Rc;

use spantag::model::{Document, Schema};
use spantag::storage::{self, browser::BrowserStore};
use spantag::ui::app::{App, AppProps};
use spantag::ui::state::{AppState, Notice, SaveStatus};
use spantag::ui::dom;

/// The article shipped with the widget, byte for byte.
const SEED: &str = include_str!("../seeds/000_b394ad186b713fdd.txt");

fn main() {
    console_error_panic_hook::set_once();
    let seed = Document::from_text(SEED);
    let labels = Schema::news();
    let opened = storage::open(&mut BrowserStore, &seed, &labels, dom::now_ms());
    let mut state = AppState::new(opened.document, opened.annotations);
    state.damaged_key = opened.damaged_key;
    if opened.write_blocked {
        state.save = SaveStatus::Blocked;
    }
    if !opened.notices.is_empty() {
        state.notice = Some(Notice { is_error: true, text: opened.notices.join(" "), details: vec![] });
    }
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app")).expect("index.html has #app");
    yew::Renderer::<App>::with_root_and_props(root, AppProps { initial: Rc::new(state) }).render();
}
