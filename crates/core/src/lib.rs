//! spantag-core: everything of spantag that is not the web page.
//!
//! # Brief overview
//! - [`model`] is the pure core: the document, labels as data, annotations with
//!   half-open **code point** spans, the one `apply` through which state changes,
//!   segmentation into render runs, and the offset conversions.
//! - [`formats`] turns the model into files and back: the native JSON format and the
//!   formats of the other tools.
//! - [`storage`] is the storage protocol over the [`storage::Kv`] trait: records with
//!   revisions and checksums, compare-and-swap writes, backups, rebasing across tabs,
//!   and the journal that keeps unsaved edits through a closed tab.
//! - [`session`] is the editing session of one open document: history, the edit
//!   builders, and the [`session::Saver`] that drives the storage protocol.
//!
//! This crate depends on no web API (no yew, web-sys, gloo, js-sys or wasm-bindgen),
//! so that all of it is tested natively; the web app in the root package adds the
//! browser around it.
//!
//! The hard part, everywhere: offsets. The model and the native format count
//! Unicode scalar values; the DOM counts UTF-16 code units and Rust `str` counts
//! bytes. Conversions happen only in [`model::offsets`] (and, in the web app, at the
//! DOM boundary in `ui::dom`).
#![deny(missing_docs)]

pub mod formats;
pub mod model;
pub mod session;
pub mod storage;
