//! The doccano importer on arbitrary text, against a fixed current document.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let current = common::current();
    common::check(common::SCHEMA.with(|s| spantag_core::formats::doccano::import(text, s, &current)), false);
});
