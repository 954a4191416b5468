//! The import of any format (format detection, then the format's importer), as the
//! app's import button calls it, with the file name chosen by the first byte.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const NAMES: [&str; 10] = [
    "x.spantag.json", "x.jsonld", "x.json", "x.jsonl", "x.zip", "x.ann", "x.conll", "x.bio", "x.txt", "x",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let current = common::current();
    let native = name.ends_with(".spantag.json");
    let result = common::SCHEMA.with(|s| spantag_core::formats::import(bytes, name, s, &current));
    let _ = native; // the native importer has its own, lossless, target
    common::check(result, false);
});
