//! Storage tests over [`MemoryStore`]: round trips, stale writes, damaged and
//! truncated records, wiped storage, newer schemas, quota, migrations from every
//! earlier stored version (fixtures), and two tabs editing at once.

use super::*;
use crate::model::{Action, AnnId, Annotation, Span, Timestamp};

const SEED: &str = include_str!("../../../../seeds/000_b394ad186b713fdd.txt");

fn seed() -> Document {
    Document::from_text(SEED)
}

fn seeded() -> (Document, AnnotationSet) {
    let doc = seed();
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    let ann = Annotation::new(AnnId::new("a1").unwrap(), "Actor", Span::new(40, 58, doc.len_cp()).unwrap(), Timestamp(5));
    set.apply(Action::Add(ann)).unwrap();
    (doc, set)
}

fn no_legacy() -> MemoryStore {
    MemoryStore::new()
}

#[test]
fn a_record_is_stored_as_ascii_and_reads_back_exactly() {
    // Emoji (a flag, a skin tone, a family with joiners), CJK, a combining mark,
    // quotes, a backslash, controls and a character past U+FFFF on its own.
    let text = "Zelenskyy 👍🏽 said 🇺🇦 👩‍👩‍👧 北京 cafe\u{301} “went well” \\ \"q\" \t\n\u{7f}\u{80}\u{10ffff} end";
    let doc = Document::from_text(text);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    set.apply(Action::Add(Annotation::new(AnnId::new("a1").unwrap(), "Actor", Span::new(0, 9, doc.len_cp()).unwrap(), Timestamp(5)))).unwrap();
    let record = Record::new(7, 42, native::export(&doc, &set));
    let stored = record.encode();
    assert!(stored.is_ascii(), "{stored}");
    assert!(stored.contains("\\ud83d\\udc4d"), "U+1F44D as a surrogate pair");
    assert_eq!(Record::decode(&stored), Ok(record.clone()));
    assert_eq!(serde_json::from_str::<Record>(&stored).unwrap(), record, "any JSON reader reads it");
    assert_eq!(native::import(&Record::decode(&stored).unwrap().payload, &Schema::news()).unwrap().document.text().as_str(), text);
}

#[test]
fn a_record_encoded_in_its_payloads_buffer_is_the_same_bytes() {
    // Every ASCII character (controls, quote, backslash, DEL), then the non-ASCII
    // characters of the test above, then pseudo-random mixes of them.
    let ascii: String = (0u8..0x80).map(char::from).collect();
    let rich = "Zelenskyy 👍🏽 said 🇺🇦 👩‍👩‍👧 北京 cafe\u{301} “went well” \\ \"q\" \t\n\u{7f}\u{80}\u{10ffff} end";
    let pool: Vec<char> = ascii.chars().chain(rich.chars()).collect();
    let mut seed = 3u64;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut payloads = vec![String::new(), ascii.clone(), rich.to_owned()];
    for _ in 0..200 {
        payloads.push((0..next() % 80).map(|_| pool[next() % pool.len()]).collect());
    }
    let (doc, set) = seeded();
    payloads.push(native::export(&doc, &set));
    for p in payloads {
        let want = Record::new(12, -5, p.clone()).encode();
        assert_eq!(Record::encode_payload(12, -5, p.clone()), want, "{p:?}");
        // Also when the buffer has no room to spare, and when it has plenty.
        let mut tight = String::with_capacity(p.len());
        tight.push_str(&p);
        assert_eq!(Record::encode_payload(12, -5, tight), want);
        let mut roomy = String::with_capacity(4 * p.len() + 200);
        roomy.push_str(&p);
        assert_eq!(Record::encode_payload(12, -5, roomy), want);
    }
}

#[tokio::test]
async fn save_then_open_round_trips_with_revisions() {
    let (doc, set) = seeded();
    let kv = MemoryStore::new();
    let first = open(&kv, &no_legacy(), &doc, &Schema::news(), 1).await;
    assert!(first.annotations.is_empty() && first.notices.is_empty() && first.revision.is_none());
    assert_eq!(save(&kv, &doc, &set, None, true, 10).await, Ok(Saved::At(1)));
    assert_eq!(save(&kv, &doc, &set, Some(1), false, 11).await, Ok(Saved::At(2)));
    let again = open(&kv, &no_legacy(), &doc, &Schema::news(), 2).await;
    assert_eq!(again.annotations, set);
    assert_eq!(again.revision, Some(2));
    assert!(again.notices.is_empty());
}

#[tokio::test]
async fn a_write_against_a_stale_revision_is_refused() {
    let (doc, set) = seeded();
    let kv = MemoryStore::new();
    save(&kv, &doc, &set, None, true, 1).await.unwrap();
    save(&kv, &doc, &set, Some(1), false, 2).await.unwrap();
    let before = Kv::get(&kv, &doc_key(doc.id())).await.unwrap();
    let stale = save(&kv, &doc, &AnnotationSet::new(doc.len_cp(), Schema::news()), Some(1), false, 3).await.unwrap();
    assert_eq!(stale, Saved::Conflict(before.clone()));
    assert_eq!(Kv::get(&kv, &doc_key(doc.id())).await.unwrap(), before, "nothing was written");
}

#[tokio::test]
async fn a_truncated_record_falls_back_to_the_last_good_backup() {
    let (doc, set) = seeded();
    let kv = MemoryStore::new();
    save(&kv, &doc, &set, None, true, 1).await.unwrap();
    let good = Kv::get(&kv, &doc_key(doc.id())).await.unwrap().unwrap();
    // A tab killed mid-save leaves half a record.
    kv.put(&doc_key(doc.id()), &good[..good.len() / 2]).await.unwrap();
    let opened = open(&kv, &no_legacy(), &doc, &Schema::news(), 77).await;
    assert_eq!(opened.annotations, set, "the backup is loaded");
    assert!(opened.notices.iter().any(|n| n.contains("restored from the last good backup")), "{:?}", opened.notices);
    let aside = opened.damaged_key.clone().unwrap();
    assert_eq!(Kv::get(&kv, &aside).await.unwrap().unwrap(), &good[..good.len() / 2], "the damaged copy is kept");
    assert_eq!(opened.revision, None);
    // The next save replaces the damaged record (its revision is unreadable).
    assert_eq!(save(&kv, &opened.document, &opened.annotations, opened.revision, true, 78).await, Ok(Saved::At(1)));
}

#[tokio::test]
async fn the_work_stored_for_a_document_is_found_for_an_import_and_an_unreadable_record_is_kept_aside() {
    let (doc, set) = seeded();
    let kv = MemoryStore::new();
    assert!(matches!(stored_work(&kv, doc.id(), &Schema::news(), 1).await, StoredWork::Nothing));
    save(&kv, &doc, &set, None, true, 1).await.unwrap();
    save(&kv, &doc, &set, Some(1), false, 2).await.unwrap();
    match stored_work(&kv, doc.id(), &Schema::news(), 3).await {
        StoredWork::Work { annotations, revision } => assert_eq!((&*annotations, revision), (&set, 2)),
        other => panic!("expected the stored work, got {other:?}"),
    }
    // Half a record: reported, and a copy kept aside before anything writes over it.
    let good = Kv::get(&kv, &doc_key(doc.id())).await.unwrap().unwrap();
    kv.put(&doc_key(doc.id()), &good[..good.len() / 2]).await.unwrap();
    match stored_work(&kv, doc.id(), &Schema::news(), 4).await {
        StoredWork::Unreadable { why, kept: Ok(key) } => {
            assert!(!why.is_empty());
            assert_eq!(Kv::get(&kv, &key).await.unwrap().unwrap(), &good[..good.len() / 2]);
        }
        other => panic!("expected an unreadable record kept aside, got {other:?}"),
    }
}

#[tokio::test]
async fn a_checksum_mismatch_is_damage() {
    let (doc, set) = seeded();
    let kv = MemoryStore::new();
    save(&kv, &doc, &set, None, true, 1).await.unwrap();
    let good = Kv::get(&kv, &doc_key(doc.id())).await.unwrap().unwrap();
    let flipped = good.replacen("Actor", "Event", 1);
    kv.put(&doc_key(doc.id()), &flipped).await.unwrap();
    let err = Record::decode(&flipped).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    let opened = open(&kv, &no_legacy(), &doc, &Schema::news(), 2).await;
    assert_eq!(opened.annotations, set);
}

#[tokio::test]
async fn wiped_storage_is_rebuilt_and_an_empty_store_never_overwrites_a_backup() {
    let (doc, set) = seeded();
    let kv = MemoryStore::new();
    save(&kv, &doc, &set, None, true, 1).await.unwrap();
    // Only the main record disappears: the backup is loaded, not an empty document.
    let backup = Kv::get(&kv, &backup_key(doc.id(), 0)).await.unwrap();
    kv.map.borrow_mut().remove(&doc_key(doc.id()));
    let opened = open(&kv, &no_legacy(), &doc, &Schema::news(), 2).await;
    assert_eq!(opened.annotations, set);
    assert_eq!(Kv::get(&kv, &backup_key(doc.id(), 0)).await.unwrap(), backup);
    // Everything wiped while the page is open: the next write sees no record and
    // the caller rebuilds from memory.
    kv.wipe();
    assert_eq!(save(&kv, &doc, &set, Some(1), false, 3).await, Ok(Saved::Conflict(None)));
    assert_eq!(save(&kv, &doc, &set, None, true, 4).await, Ok(Saved::At(1)));
    assert_eq!(open(&kv, &no_legacy(), &doc, &Schema::news(), 5).await.annotations, set);
}

#[tokio::test]
async fn a_newer_schema_is_refused_and_left_untouched() {
    let (doc, set) = seeded();
    let kv = MemoryStore::new();
    let newer = Record { schema: SCHEMA + 1, ..Record::new(9, 1, native::export(&doc, &set)) }.encode();
    kv.put(&doc_key(doc.id()), &newer).await.unwrap();
    let opened = open(&kv, &no_legacy(), &doc, &Schema::news(), 2).await;
    assert!(opened.write_blocked);
    assert!(opened.notices[0].contains("newer spantag"), "{:?}", opened.notices);
    assert_eq!(Kv::get(&kv, &doc_key(doc.id())).await.unwrap().unwrap(), newer);
}

#[tokio::test]
async fn quota_errors_are_reported_and_change_nothing() {
    let (doc, set) = seeded();
    let kv = MemoryStore::with_quota(100);
    assert_eq!(save(&kv, &doc, &set, None, true, 1).await, Err(StoreError::QuotaExceeded));
    assert_eq!(Kv::get(&kv, &doc_key(doc.id())).await.unwrap(), None);
}

async fn migrate(fixture: &str, n_annotations: usize, n_relations: usize) {
    let snapshot: BTreeMap<String, String> = serde_json::from_str(fixture).unwrap();
    let mut legacy = MemoryStore::new();
    for (k, v) in &snapshot {
        legacy.set(k, v).unwrap();
    }
    let kv = MemoryStore::new();
    let opened = open(&kv, &legacy, &seed(), &Schema::news(), 1).await;
    assert!(opened.notices.is_empty(), "{:?}", opened.notices);
    assert_eq!(opened.annotations.len(), n_annotations);
    assert_eq!(opened.annotations.relations().len(), n_relations);
    assert_eq!(opened.document.text().as_str(), SEED);
    assert_eq!(save(&kv, &opened.document, &opened.annotations, opened.revision, true, 2).await, Ok(Saved::At(1)));
    let again = open(&kv, &MemoryStore::new(), &seed(), &Schema::news(), 3).await;
    assert_eq!(again.annotations, opened.annotations, "IndexedDB now holds it");
    for (k, v) in &snapshot {
        assert_eq!(Store::get(&legacy, k).unwrap().as_ref(), Some(v), "{k} is kept in localStorage as a backup");
    }
}

#[tokio::test]
async fn v1_local_storage_migrates() {
    migrate(include_str!("../../tests/fixtures/v1/localstorage.json"), 7, 0).await;
}

#[tokio::test]
async fn v2_local_storage_migrates() {
    migrate(include_str!("../../tests/fixtures/v2/localstorage.json"), 3, 1).await;
}

#[tokio::test]
async fn v3_indexeddb_record_fixture_reads() {
    let snapshot: BTreeMap<String, String> = serde_json::from_str(include_str!("../../tests/fixtures/v3/indexeddb.json")).unwrap();
    let kv = MemoryStore::new();
    for (k, v) in &snapshot {
        kv.put(k, v).await.unwrap();
    }
    let opened = open(&kv, &MemoryStore::new(), &seed(), &Schema::news(), 1).await;
    assert!(opened.notices.is_empty(), "{:?}", opened.notices);
    assert!(opened.revision.is_some());
    assert!(!opened.annotations.is_empty());
}

// Two tabs editing at once, with closes mixed in, are tested through the real
// session and saver in `session::tests` (`two_tabs_1000_interleaved_edits_with_closes_lose_nothing`).
