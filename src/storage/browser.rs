//! The browser's `localStorage` as a [`Store`].
//!
//! Values are stored raw (not JSON-encoded again), so a stored document is exactly
//! its native export. Quota errors from every engine (`QuotaExceededError`,
//! Firefox's `NS_ERROR_DOM_QUOTA_REACHED`) become [`StoreError::QuotaExceeded`].

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen::{JsCast, JsValue};

use super::{Store, StoreError};

/// `window.localStorage`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserStore;

fn storage() -> Result<web_sys::Storage, StoreError> {
    // `LocalStorage::raw` panics when storage is missing; check first.
    let window = web_sys::window().ok_or_else(|| StoreError::Unavailable("no window".into()))?;
    match window.local_storage() {
        Ok(Some(_)) => Ok(LocalStorage::raw()),
        Ok(None) => Err(StoreError::Unavailable("localStorage is missing".into())),
        Err(e) => Err(StoreError::Unavailable(js_message(&e))),
    }
}

/// The name and message of a JS error value.
pub fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        format!("{}: {}", String::from(err.name()), String::from(err.message()))
    } else {
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }
}

fn classify(e: &JsValue) -> StoreError {
    let msg = js_message(e);
    if msg.contains("QuotaExceeded") || msg.contains("NS_ERROR_DOM_QUOTA_REACHED") || msg.contains("quota") {
        StoreError::QuotaExceeded
    } else {
        StoreError::Failed(msg)
    }
}

impl Store for BrowserStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        storage()?.get_item(key).map_err(|e| classify(&e))
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let s = storage()?;
        s.set_item(key, value).map_err(|e| classify(&e))?;
        // Read back: a write that did not land is a failure, not a success.
        match s.get_item(key).map_err(|e| classify(&e))? {
            Some(v) if v.len() == value.len() => Ok(()),
            _ => Err(StoreError::Failed("the value read back differs from the value written".into())),
        }
    }

    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let s = storage()?;
        let n = s.length().map_err(|e| classify(&e))?;
        let mut keys = Vec::new();
        for i in 0..n {
            if let Ok(Some(k)) = s.key(i) {
                if k.starts_with(prefix) {
                    keys.push(k);
                }
            }
        }
        Ok(keys)
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        storage()?.remove_item(key).map_err(|e| classify(&e))
    }
}
