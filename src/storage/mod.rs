//! The storage protocol of `spantag-core` (re-exported whole), plus the browser's
//! stores: IndexedDB behind [`Kv`] and `localStorage` behind [`Store`].

pub use spantag_core::storage::*;

pub mod browser;
pub mod idb;
