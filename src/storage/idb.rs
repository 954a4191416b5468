//! IndexedDB as a [`Kv`], through the `idb` crate.
//!
//! One database (`spantag`), one object store (`kv`) of strings. A compare-and-swap
//! reads the stored revision and writes in one read-write transaction, which
//! IndexedDB runs atomically with respect to every other tab.

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

use super::{record_revision, Cas, Kv, StoreError};
use crate::storage::browser::js_message;

const DB: &str = "spantag";
const STORE: &str = "kv";

/// The spantag IndexedDB database.
pub struct IdbStore {
    db: Database,
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
        Ok(IdbStore { db })
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

    async fn cas(&self, key: &str, expected: Option<u64>, value: &str, also: &[(String, String)]) -> Result<Cas, StoreError> {
        let tx = self.db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(err)?;
        let store = tx.object_store(STORE).map_err(err)?;
        let current: Option<String> = store.get(JsValue::from_str(key)).map_err(err)?.await.map_err(err)?.and_then(|v| v.as_string());
        if current.as_deref().and_then(record_revision) != expected {
            let _ = tx.abort();
            return Ok(Cas::Stale(current));
        }
        store.put(&JsValue::from_str(value), Some(&JsValue::from_str(key))).map_err(err)?;
        for (k, v) in also {
            store.put(&JsValue::from_str(v), Some(&JsValue::from_str(k))).map_err(err)?;
        }
        match tx.commit().map_err(err)?.await.map_err(err)? {
            TransactionResult::Committed => Ok(Cas::Written),
            TransactionResult::Aborted => Err(StoreError::Failed("the write was aborted".into())),
        }
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
