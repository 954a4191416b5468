//! spantag's entry point: wiring only. Opens the stored work and mounts the app.

use std::rc::Rc;

use spantag::model::{Document, Schema};
use spantag::storage::browser::BrowserStore;
use spantag::storage::idb::IdbStore;
use spantag::storage::{self, Cas, Kv, MemoryStore, StoreError};
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
    let (from, kv, failed) = match IdbStore::open().await.map(Rc::new) {
        Ok(kv) => (OpenFrom::Idb(kv.clone()), Some(kv), None),
        Err(e) => (OpenFrom::Memory(MemoryStore::new()), None, Some(e)),
    };
    let mut opened = storage::open(&from, &BrowserStore, &seed, &schema, dom::now_ms()).await;
    if let Some(e) = failed {
        opened.notices.push(format!("Your work cannot be kept in this browser ({e}). Export it before you leave."));
    }
    let mut state = AppState::new(opened.document, opened.annotations);
    state.revision = opened.revision;
    state.damaged_key = opened.damaged_key;
    state.id_seed = Rc::from(dom::fresh_id().as_str().trim_start_matches('a'));
    // Unsaved changes of closed tabs, replayed from their journals: saved next.
    let recovered = std::mem::take(&mut opened.recovered);
    if !recovered.applied.is_empty() || recovered.full {
        state.unsaved = Rc::new(recovered.applied);
        state.full_write = recovered.full;
        state.save = SaveStatus::Saving;
        state.n_edits = 1;
    }
    state.adopted_journals = Rc::new(recovered.keys);
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

/// Where `storage::open` reads: IndexedDB, or an empty store in memory when IndexedDB
/// cannot be opened. One type for both, so that the large `storage::open` is compiled
/// once rather than once per store (a smaller wasm).
enum OpenFrom {
    Idb(Rc<IdbStore>),
    Memory(MemoryStore),
}

impl Kv for OpenFrom {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            OpenFrom::Idb(s) => s.get(key).await,
            OpenFrom::Memory(s) => Kv::get(s, key).await,
        }
    }

    async fn cas(&self, key: &str, expected: Option<u64>, value: &str, revision: u64, also: &[(String, Option<String>)]) -> Result<Cas, StoreError> {
        match self {
            OpenFrom::Idb(s) => s.cas(key, expected, value, revision, also).await,
            OpenFrom::Memory(s) => s.cas(key, expected, value, revision, also).await,
        }
    }

    async fn put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        match self {
            OpenFrom::Idb(s) => s.put(key, value).await,
            OpenFrom::Memory(s) => s.put(key, value).await,
        }
    }
}
