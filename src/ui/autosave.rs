//! Autosave and the tabs: every change is written to IndexedDB about 300 ms after it
//! is made (at once when the page is hidden), with a compare-and-swap on the
//! revision, and announced to the other tabs on a `BroadcastChannel`.
//!
//! When another tab saved first, the stored record is read, this tab's unsaved
//! actions are replayed on it (`Msg::Rebase`), and the save is tried again: no tab
//! overwrites newer work, and no tab's work is lost. A tab that sees a record or a
//! message from a newer storage schema stops writing and asks for a reload. When the
//! store was wiped while the page was open, the next write rebuilds it from memory.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::Callback;

use super::dom;
use super::state::{AppState, Msg, Notice, SaveStatus};
use crate::formats::native;
use crate::storage::idb::IdbStore;
use crate::storage::{self, damaged_prefix, Kv, Record, RecordError, Saved, StoreError, SCHEMA};

/// The message a tab posts after each save.
#[derive(Serialize, Deserialize)]
struct SavedNote {
    doc: String,
    revision: u64,
    schema: u32,
}

/// The autosaver of one tab.
pub struct Autosave {
    kv: Option<Rc<IdbStore>>,
    latest: Rc<RefCell<Rc<AppState>>>,
    dispatch: Callback<Msg>,
    timer: RefCell<Option<Timeout>>,
    busy: Cell<bool>,
    again: Cell<bool>,
    first: Cell<bool>,
    channel: Option<web_sys::BroadcastChannel>,
    _onmessage: RefCell<Option<OnMessage>>,
}

/// The BroadcastChannel listener, kept alive with the autosave.
type OnMessage = Closure<dyn FnMut(web_sys::MessageEvent)>;

/// Gives the browser a turn (to paint, to handle input) if the page is visible. A
/// hidden page has nothing to paint, and its timers are throttled to a second or
/// more, which would only hold back a save that may be the last before it closes.
async fn yield_if_visible() {
    let visible = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
    if visible {
        TimeoutFuture::new(0).await;
    }
}

fn notify(dispatch: &Callback<Msg>, is_error: bool, text: String) {
    dispatch.emit(Msg::Notify(Notice { is_error, text, details: vec![] }));
}

impl Autosave {
    /// An autosaver writing to `kv` (or nowhere, if IndexedDB is unavailable).
    pub fn new(kv: Option<Rc<IdbStore>>, latest: Rc<RefCell<Rc<AppState>>>, dispatch: Callback<Msg>) -> Rc<Autosave> {
        // Not during server-side rendering (render tests), where there is no browser.
        let channel = if cfg!(target_arch = "wasm32") { web_sys::BroadcastChannel::new("spantag").ok() } else { None };
        let me = Rc::new(Autosave {
            kv,
            latest,
            dispatch,
            timer: RefCell::new(None),
            busy: Cell::new(false),
            again: Cell::new(false),
            first: Cell::new(true),
            channel,
            _onmessage: RefCell::new(None),
        });
        if let Some(ch) = &me.channel {
            let weak = Rc::downgrade(&me);
            let onmessage = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                if let (Some(me), Ok(note)) = (weak.upgrade(), serde_wasm_bindgen::from_value::<SavedNote>(e.data())) {
                    wasm_bindgen_futures::spawn_local(me.on_remote(note));
                }
            });
            ch.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
            *me._onmessage.borrow_mut() = Some(onmessage);
        }
        me
    }

    /// Saves after `delay_ms` (later calls push it back).
    pub fn schedule(self: &Rc<Self>, delay_ms: u32) {
        let me = self.clone();
        *self.timer.borrow_mut() = Some(Timeout::new(delay_ms, move || me.flush()));
    }

    /// Saves now.
    pub fn flush(self: &Rc<Self>) {
        self.timer.borrow_mut().take();
        if self.busy.get() {
            self.again.set(true);
            return;
        }
        wasm_bindgen_futures::spawn_local(self.clone().run());
    }

    /// Saves now and waits until nothing is left to save (or saving failed).
    pub async fn settle(self: &Rc<Self>) {
        self.flush();
        // Let the save that `flush` spawned begin (it marks itself busy before its
        // first wait), then look at once: with nothing to save, opening another
        // document does not wait for a timer.
        let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&wasm_bindgen::JsValue::UNDEFINED)).await;
        // Looked at every millisecond or so (a save takes a few), for five seconds at most.
        let deadline = dom::now_ms() + 5000;
        while dom::now_ms() < deadline {
            let st = self.latest.borrow().clone();
            let done = st.unsaved.is_empty() && !st.full_write;
            if self.idle() && (done || st.save != SaveStatus::Saving) {
                return;
            }
            TimeoutFuture::new(1).await;
        }
    }

    /// Whether a save is running or waiting.
    pub fn idle(&self) -> bool {
        !self.busy.get() && self.timer.borrow().is_none()
    }

    async fn run(self: Rc<Self>) {
        let Some(kv) = self.kv.clone() else {
            self.dispatch.emit(Msg::SaveResult(Err("IndexedDB is not available in this browser".into())));
            return;
        };
        self.busy.set(true);
        loop {
            self.again.set(false);
            let st = self.latest.borrow().clone();
            // After a panic the state may be inconsistent: never write it.
            if st.save == SaveStatus::Blocked || super::panic::has_panicked() {
                break;
            }
            let nothing_new = st.unsaved.is_empty() && !st.full_write && st.revision.is_some();
            if nothing_new && st.save == SaveStatus::Saved {
                break;
            }
            let (n, full) = (st.unsaved.len(), st.full_write);
            let doc_id = st.doc.id().to_owned();
            // A long document's save is tens of milliseconds of work: let the browser
            // paint between its parts while the page is visible.
            let payload = native::export(&st.doc, &st.anns);
            yield_if_visible().await;
            let prepared = storage::prepare_save(&st.doc, payload, st.revision, self.first.get(), dom::now_ms());
            yield_if_visible().await;
            match storage::write_save(kv.as_ref(), &prepared).await {
                Ok(Saved::At(revision)) => {
                    self.first.set(false);
                    self.dispatch.emit(Msg::Saved { doc_id: doc_id.clone(), revision, n_saved: n, full });
                    if let Some(ch) = &self.channel {
                        if let Ok(v) = serde_wasm_bindgen::to_value(&SavedNote { doc: doc_id, revision, schema: SCHEMA }) {
                            let _ = ch.post_message(&v);
                        }
                    }
                }
                Ok(Saved::Conflict(current)) => {
                    if !self.resolve(kv.as_ref(), &st, current).await {
                        break;
                    }
                    self.again.set(true);
                }
                Err(e) => {
                    if e == StoreError::QuotaExceeded {
                        notify(&self.dispatch, true, "Browser storage is full, so this change is not saved. Your work is still on this page: use Export JSON to keep it, then free some space.".into());
                    }
                    self.dispatch.emit(Msg::SaveResult(Err(e.to_string())));
                    break;
                }
            }
            // Let the reducer and the render catch up before looking again.
            TimeoutFuture::new(0).await;
            if !self.again.get() {
                break;
            }
        }
        self.busy.set(false);
    }

    /// Handles a refused write; returns whether to try again.
    async fn resolve(&self, kv: &IdbStore, st: &AppState, current: Option<String>) -> bool {
        let doc_id = st.doc.id().to_owned();
        let (base, revision) = match current {
            None => {
                if st.revision.is_some() {
                    notify(&self.dispatch, false, "The browser cleared spantag's storage while the page was open; it was rebuilt from the work on this page.".into());
                }
                (None, None)
            }
            Some(raw) => match Record::decode(&raw) {
                Err(RecordError::Newer(v)) => {
                    self.dispatch.emit(Msg::SetBlocked(true));
                    notify(&self.dispatch, true, format!("A newer spantag (storage schema {v}) saved this document. This page stopped saving so as not to overwrite it: reload it. Export JSON keeps your work."));
                    return false;
                }
                Err(RecordError::Damaged(why)) => {
                    let key = format!("{}{}", damaged_prefix(&doc_id), dom::now_ms());
                    if kv.put(&key, &raw).await.is_err() {
                        self.dispatch.emit(Msg::SetBlocked(true));
                        return false;
                    }
                    notify(&self.dispatch, true, format!("The stored copy of this document was damaged ({why}); it was kept aside and rebuilt from this page."));
                    (None, None)
                }
                Ok(rec) if st.full_write => (None, Some(rec.revision)),
                Ok(rec) => match native::import(&rec.payload, st.anns.schema()) {
                    Ok(imp) if imp.document.id() == doc_id => (Some(Rc::new(imp.annotations)), Some(rec.revision)),
                    _ => (None, Some(rec.revision)),
                },
            },
        };
        self.dispatch.emit(Msg::Rebase { doc_id, base, revision });
        true
    }

    /// Another tab saved: take its work (and replay ours on it).
    async fn on_remote(self: Rc<Self>, note: SavedNote) {
        if note.schema > SCHEMA {
            self.dispatch.emit(Msg::SetBlocked(true));
            notify(&self.dispatch, true, "A newer version of spantag is open in another tab. This tab stopped saving: reload it to keep working.".into());
            return;
        }
        let st = self.latest.borrow().clone();
        if note.doc != st.doc.id() || st.revision.is_some_and(|r| r >= note.revision) {
            return;
        }
        let Some(kv) = self.kv.clone() else { return };
        if let Ok(Some(raw)) = kv.get(&storage::doc_key(&note.doc)).await {
            let st = self.latest.borrow().clone();
            if let Ok(rec) = Record::decode(&raw) {
                if st.revision.is_some_and(|r| r >= rec.revision) {
                    return;
                }
                if let Ok(imp) = native::import(&rec.payload, st.anns.schema()) {
                    if imp.document.id() == st.doc.id() {
                        self.dispatch.emit(Msg::Rebase { doc_id: note.doc, base: Some(Rc::new(imp.annotations)), revision: Some(rec.revision) });
                    }
                }
            }
        }
    }
}
