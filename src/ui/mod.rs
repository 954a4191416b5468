//! Thin yew components over the model.
//!
//! [`state`] is the only place the UI changes the model; [`dom`] is the only place
//! DOM offsets (UTF-16) are converted. Components render text as text nodes only:
//! nothing from a document, a label or an import is ever parsed as HTML.

pub mod api;
pub mod app;
pub mod article;
pub mod autosave;
pub mod dom;
pub mod events_table;
pub mod formats_menu;
pub mod links;
pub mod list;
pub mod inspector;
pub mod panel;
pub mod panic;
pub mod picker;
pub mod shared;
pub mod state;
