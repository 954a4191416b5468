//! spantag's entry point: wiring only. Opens the stored work and mounts the app.

use std::rc::Rc;

use spantag::model::{Document, Schema};
use spantag::storage::browser::BrowserStore;
use spantag::storage::idb::IdbStore;
use spantag::storage::{self, MemoryStore};
use spantag::ui::app::{App, AppProps};
use spantag::ui::dom;
use spantag::ui::state::{AppState, Notice, SaveStatus};

/// The article shipped with the widget, byte for byte.
const SEED: &str = include_str!("../seeds/000_b394ad186b713fdd.txt");

fn main() {
    spantag::ui::panic::install(); // keeps console_error_panic_hook's output, and adds the recoverable overlay
    wasm_bindgen_futures::spawn_local(start());
}

async fn start() {
    let seed = Document::from_text(SEED);
    let schema = Schema::news();
    let kv = IdbStore::open().await.map(Rc::new);
    let (opened, kv) = match kv {
        Ok(kv) => (storage::open(kv.as_ref(), &BrowserStore, &seed, &schema, dom::now_ms()).await, Some(kv)),
        Err(e) => {
            let mut o = storage::open(&MemoryStore::new(), &BrowserStore, &seed, &schema, dom::now_ms()).await;
            o.notices.push(format!("Your work cannot be kept in this browser ({e}). Export it before you leave."));
            (o, None)
        }
    };
    let mut state = AppState::new(opened.document, opened.annotations);
    state.revision = opened.revision;
    state.damaged_key = opened.damaged_key;
    state.id_seed = Rc::from(dom::fresh_id().as_str().trim_start_matches('a'));
    if opened.write_blocked {
        state.save = SaveStatus::Blocked;
    } else if opened.revision.is_none() && !state.anns.is_empty() {
        // Restored from a backup or migrated from localStorage: write it to IndexedDB.
        state.full_write = true;
        state.save = SaveStatus::Saving;
        state.n_edits = 1;
    }
    if !opened.notices.is_empty() {
        state.notice = Some(Notice { is_error: true, text: opened.notices.join(" "), details: vec![] });
    }
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app")).expect("index.html has #app");
    root.set_text_content(None);
    yew::Renderer::<App>::with_root_and_props(root, AppProps { initial: Rc::new(state), kv }).render();
}
