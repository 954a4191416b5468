//! spantag: a span annotator for news, built as a Rust → WebAssembly widget.
//!
//! # Brief overview
//! - [`model`] is the pure core: the document, labels as data, annotations with
//!   half-open **code point** spans, the one `apply` through which state changes,
//!   segmentation into render runs, and the offset conversions. It uses no web API
//!   and is tested natively.
//! - [`formats`] turns the model into files and back (the native JSON format).
//! - [`storage`] keeps work in the browser behind the [`storage::Store`] trait.
//! - [`ui`] holds thin yew components over the model.
//!
//! The hard part, everywhere: offsets. The model and the native format count
//! Unicode scalar values; the DOM counts UTF-16 code units and Rust `str` counts
//! bytes. Conversions happen only in [`model::offsets`] and at the DOM boundary in
//! `ui::dom`.
#![deny(missing_docs)]

pub mod formats;
pub mod model;
pub mod storage;
pub mod ui;
