//! The brat importer on arbitrary bytes (a zip, or a lone .ann), under each file name
//! kind it treats differently.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = ["news.brat.zip", "news.ann", "news.zip"][usize::from(pick) % 3];
    let current = common::current();
    common::check(common::SCHEMA.with(|s| spantag_core::formats::brat::import(bytes, name, s, &current)), false);
});
