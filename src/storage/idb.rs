//! IndexedDB as a [`Kv`], through the `idb` crate.
//!
//! One database (`spantag`), one object store (`kv`) of strings. A compare-and-swap
//! reads the stored revision and writes in one read-write transaction, which
//! IndexedDB runs atomically with respect to every other tab.
//!
//! The hard part is cost, not logic: a long document's record is megabytes, and
//! copying a string into wasm costs about as much as building it. So the store
//! keeps the JavaScript string of the record it wrote last ([`Written`]). The
//! read-back after a write compares the stored value with that string (JavaScript
//! `===`, outside wasm); and when the next compare-and-swap finds that very string
//! stored, its revision is the one written, with nothing copied into wasm or parsed. Anything else (another tab's write, a wiped or damaged store, a
//! first write) takes the full path: copy, parse, compare.

use std::cell::RefCell;

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

use super::{read_back_differs, record_revision, Cas, Kv, StoreError};
use crate::storage::browser::js_message;

const DB: &str = "spantag";
const STORE: &str = "kv";

/// The spantag IndexedDB database.
pub struct IdbStore {
    db: Database,
    last: RefCell<Option<Written>>,
}

/// The last record this store wrote.
struct Written {
    key: String,
    /// The value as the JavaScript string that was put.
    js: JsValue,
    /// Its revision.
    revision: u64,
}

fn err(e: idb::Error) -> StoreError {
    let msg = e.to_string();
    if msg.contains("QuotaExceeded") || msg.contains("NS_ERROR_DOM_QUOTA_REACHED") || msg.to_ascii_lowercase().contains("quota") {
        StoreError::QuotaExceeded
    } else {
        StoreError::Failed(msg)
    }
}

impl IdbStore {
    /// Opens (creating if needed) the database.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if IndexedDB cannot be used here.
    pub async fn open() -> Result<IdbStore, StoreError> {
        let factory = Factory::new().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut request = factory.open(DB, Some(1)).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                if !db.store_names().iter().any(|s| s == STORE) {
                    let _ = db.create_object_store(STORE, ObjectStoreParams::new());
                }
            }
        });
        let db = request.await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(IdbStore { db, last: RefCell::new(None) })
    }

    async fn read(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(err)?;
        let store = tx.object_store(STORE).map_err(err)?;
        let value: Option<JsValue> = store.get(JsValue::from_str(key)).map_err(err)?.await.map_err(err)?;
        Ok(value.and_then(|v| v.as_string()))
    }
}

impl Kv for IdbStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(key).await
    }

    async fn cas(&self, key: &str, expected: Option<u64>, value: &str, revision: u64, also: &[(String, Option<String>)]) -> Result<Cas, StoreError> {
        // Copied out of wasm before the transaction starts, so that the copy is not
        // part of the task that reads the current value and writes.
        let js = JsValue::from_str(value);
        let tx = self.db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(err)?;
        let store = tx.object_store(STORE).map_err(err)?;
        let current: Option<JsValue> = store.get(JsValue::from_str(key)).map_err(err)?.await.map_err(err)?;
        let known = self.last.borrow().as_ref().filter(|w| w.key == key && current.as_ref() == Some(&w.js)).map(|w| w.revision);
        let current_revision = match known {
            Some(r) => Some(r),
            None => current.as_ref().and_then(JsValue::as_string).as_deref().and_then(record_revision),
        };
        if current_revision != expected {
            let _ = tx.abort();
            return Ok(Cas::Stale(current.and_then(|v| v.as_string())));
        }
        store.put(&js, Some(&JsValue::from_str(key))).map_err(err)?;
        for (k, v) in also {
            // A backup of the record is the same string: no second copy out of wasm.
            let v = v.as_deref().map_or_else(|| js.clone(), JsValue::from_str);
            store.put(&v, Some(&JsValue::from_str(k))).map_err(err)?;
        }
        if tx.commit().map_err(err)?.await.map_err(err)? == TransactionResult::Aborted {
            self.last.take();
            return Err(StoreError::Failed("the write was aborted".into()));
        }
        // The read-back, in a transaction of its own after the commit.
        let tx = self.db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(err)?;
        let back: Option<JsValue> = tx.object_store(STORE).map_err(err)?.get(JsValue::from_str(key)).map_err(err)?.await.map_err(err)?;
        if back.as_ref() != Some(&js) {
            self.last.take();
            return Err(read_back_differs());
        }
        *self.last.borrow_mut() = Some(Written { key: key.to_owned(), js, revision });
        Ok(Cas::Written)
    }

    async fn put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(err)?;
        let store = tx.object_store(STORE).map_err(err)?;
        store.put(&JsValue::from_str(value), Some(&JsValue::from_str(key))).map_err(err)?;
        match tx.commit().map_err(err)?.await.map_err(err)? {
            TransactionResult::Committed => Ok(()),
            TransactionResult::Aborted => Err(StoreError::Failed("the write was aborted".into())),
        }
    }
}

/// Asks the browser to keep this site's storage (`navigator.storage.persist()`).
/// Returns whether it agreed; `None` if the API is missing.
pub async fn request_persistence() -> Option<bool> {
    let navigator = web_sys::window()?.navigator();
    let storage = js_sys::Reflect::get(&navigator, &JsValue::from_str("storage")).ok()?;
    let persist = js_sys::Reflect::get(&storage, &JsValue::from_str("persist")).ok()?;
    let persist: js_sys::Function = persist.dyn_into().ok()?;
    let promise: js_sys::Promise = persist.call0(&storage).ok()?.dyn_into().ok()?;
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(v) => v.as_bool(),
        Err(e) => {
            web_sys::console::warn_1(&JsValue::from_str(&js_message(&e)));
            None
        }
    }
}

use wasm_bindgen::JsCast;
