//! The stored-state parser: `storage::open` over a store holding arbitrary values
//! under the keys it reads (the document's record, two of its backups, and the
//! localStorage value of the earlier versions). It never panics, and what it opens
//! keeps the model's invariants. `Record::decode` is fuzzed on every value too.
//!
//! Input: a flag byte, then up to four values separated by NUL bytes. If the flag is
//! even, every value that is a record gets its checksum fixed, so that the fuzzer also
//! reaches the payload parser behind the checksum.
#![no_main]
use libfuzzer_sys::fuzz_target;
use spantag_core::model::document::content_id;
use spantag_core::model::Document;
use spantag_core::storage::{self, MemoryStore, Record, Store};

#[path = "common.rs"]
mod common;

const SEED: &str = include_str!("../../seeds/000_b394ad186b713fdd.txt");

thread_local! {
    static DOC: Document = Document::from_text(SEED);
}

fuzz_target!(|data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let seed = DOC.with(Clone::clone);
    let id = seed.id().to_owned();
    let keys = [storage::doc_key(&id), storage::backup_key(&id, 0), storage::backup_key(&id, 1), storage::doc_key(&id)];
    let kv = MemoryStore::new();
    let mut legacy = MemoryStore::new();
    for (i, value) in text.split('\0').take(4).enumerate() {
        let _ = Record::decode(value);
        let mut value = value.to_owned();
        if flag % 2 == 0 {
            if let Ok(mut rec) = serde_json::from_str::<Record>(&value) {
                rec.checksum = content_id(&rec.payload);
                value = rec.encode();
            }
        }
        let store = if i == 3 { &mut legacy } else { &mut kv.clone() };
        let _ = store.set(&keys[i], &value);
    }
    let opened = common::SCHEMA.with(|s| futures_executor::block_on(storage::open(&kv, &legacy, &seed, s, 1_700_000_000_000)));
    opened.annotations.check_invariants().expect("what storage opens keeps the model's invariants");
    assert_eq!(opened.document.len_cp(), opened.annotations.len_cp());
});
