//! spantag: a span annotator for news, built as a Rust → WebAssembly widget.
//!
//! # Brief overview
//! - The core crate, `spantag-core`, holds everything that is not the web page and
//!   is tested natively: [`model`], [`formats`], the storage protocol ([`storage`],
//!   re-exported here) and the editing session. It depends on no web API.
//! - [`storage`] adds the browser's stores to the protocol: IndexedDB
//!   ([`storage::idb`]) and `localStorage` ([`storage::browser`]).
//! - [`ui`] holds thin yew components over the core.
//!
//! The hard part, everywhere: offsets. The model and the native format count
//! Unicode scalar values; the DOM counts UTF-16 code units and Rust `str` counts
//! bytes. Conversions happen only in [`model::offsets`] and at the DOM boundary in
//! `ui::dom`.
#![deny(missing_docs)]

pub use spantag_core::{formats, model};

pub mod storage;
pub mod ui;
