#![allow(dead_code)]
// Shared checks for every fuzz target: an import that succeeds must give a model that
// keeps its invariants, and its native export must read back.
use std::rc::Rc;

use spantag_core::formats::native::{self, ImportError, Imported};
use spantag_core::model::{Document, Schema};

thread_local! {
    pub static SCHEMA: Rc<Schema> = Schema::news();
}

/// The document that formats without their own text are read against.
pub fn current() -> Document {
    Document::new("Fuzz", "Israeli Prime Minister Benjamin Netanyahu canceled a visit, Kirby said. café 👍🏽 北京 🇺🇦\n\nSecond paragraph.")
}

/// Checks an import's result. `lossless`: the input was the native format, so its own
/// export must read back with nothing refused and export the same bytes again.
pub fn check(result: Result<Imported, ImportError>, lossless: bool) {
    let Ok(imported) = result else { return };
    imported.annotations.check_invariants().expect("an import keeps the model's invariants");
    let json = native::export(&imported.document, &imported.annotations);
    let back = SCHEMA.with(|s| native::import(&json, s)).expect("a native export always reads back");
    if lossless {
        assert!(back.refused.is_empty(), "a native export reads back whole: {:?}", back.refused);
        assert_eq!(back.annotations, imported.annotations, "native round trip");
        assert_eq!(native::export(&back.document, &back.annotations), json, "export is deterministic");
    }
}
