//! The native importer on arbitrary text: never panics; whatever it accepts keeps the
//! model's invariants and round-trips byte for byte through export.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    common::check(common::SCHEMA.with(|s| spantag_core::formats::native::import(text, s)), true);
});
