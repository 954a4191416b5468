//! The session and the real save protocol over [`MemoryStore`]: stale writes and
//! rebasing, a wiped store, quota, a damaged record, a newer schema, and the journal
//! that keeps the last edits of a tab closed before its save landed, with two tabs
//! and closes mixed in.

use std::collections::BTreeMap;

use super::*;
use crate::formats::native;
use crate::model::{Schema, Span};
use crate::storage::journal::{self, Journal, Journaler};
use crate::storage::{doc_key, open, Kv, MemoryStore, Record, Store, StoreError, SCHEMA};

const SEED: &str = include_str!("../../../../seeds/000_b394ad186b713fdd.txt");

fn seed() -> Document {
    Document::from_text(SEED)
}

fn fresh(doc: &Document, seed: &str) -> Session {
    Session::new(doc.clone(), AnnotationSet::new(doc.len_cp(), Schema::news()), None, seed)
}

fn span(s: &Session, start: usize, end: usize) -> Span {
    Span::new(start, end, s.doc().len_cp()).unwrap()
}

fn id(s: &str) -> AnnId {
    AnnId::new(s).unwrap()
}

async fn no_pause() {}

/// Saves `s` as the page's autosave does: until it is stored, rebasing on conflicts.
async fn settle(saver: &Saver<MemoryStore>, s: &mut Session, now: i64) {
    for _ in 0..10 {
        match saver.save(s, now, no_pause).await {
            SaveOutcome::Nothing => return,
            SaveOutcome::Saved { doc_id, revision, n_saved, full } => {
                if s.saved(&doc_id, revision, n_saved, full) {
                    return;
                }
            }
            SaveOutcome::Rebase { doc_id, base, revision, .. } => {
                s.rebase(&doc_id, base, revision).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("a save that never settles");
}

/// Opens the document as a fresh page load does: the stored work, plus the journals.
async fn reopen(kv: &MemoryStore, local: &MemoryStore, tab: &str, now: i64) -> (Session, Journaler) {
    let o = open(kv, local, &seed(), &Schema::news(), now).await;
    let mut s = Session::new(o.document, o.annotations, o.revision, tab);
    s.recovered(o.recovered.applied, o.recovered.full);
    (s, Journaler::new(tab, o.recovered.keys))
}

#[test]
fn edits_undo_redo_and_their_unsaved_actions() {
    let doc = seed();
    let mut s = fresh(&doc, "t");
    s.tag(id("a"), "Actor", span(&s, 40, 58), Timestamp(1)).unwrap();
    assert_eq!(s.relabel(&id("a"), "Event", Timestamp(2)), Ok(Relabelled::default()));
    assert_eq!(s.relabel(&id("a"), "Event", Timestamp(3)), Err(Refusal::Unchanged));
    assert_eq!((s.unsaved().len(), s.n_edits()), (2, 2));
    assert_eq!(s.undo(), Some(Ok(Some(id("a")))));
    assert_eq!(s.anns().items()[0].label, "Actor");
    assert_eq!(s.redo(), Some(Ok(Some(id("a")))));
    assert_eq!(s.anns().items()[0].label, "Event");
    assert_eq!(s.redo(), None);
    assert_eq!(s.unsaved().len(), 4, "undo and redo are unsaved actions too");
    assert!(s.saved(doc.id(), 1, 3, false) == false && s.unsaved().len() == 1);
    assert!(s.saved(doc.id(), 2, 1, false));
    assert_eq!(s.revision(), Some(2));
}

#[test]
fn slot_filling_and_same_actor_build_one_undoable_action_each() {
    let doc = seed();
    let mut s = fresh(&doc, "t");
    s.tag(id("ev"), "Event", span(&s, 59, 98), Timestamp(1)).unwrap();
    s.tag(id("bn"), "Actor", span(&s, 40, 58), Timestamp(1)).unwrap();
    s.tag(id("full"), "Actor", span(&s, 17, 58), Timestamp(1)).unwrap();
    let source = s.anns().schema().role("source").unwrap().clone();
    let a = s.fill_slot(&source, &id("ev"), id("bn"));
    s.edit(a).unwrap();
    // A single-value slot gives way: one action unlinks the old value and links the new.
    let a = s.tag_into_slot(&source, &id("ev"), id("new"), span(&s, 102, 106), Timestamp(2));
    s.edit(a).unwrap();
    let sources: Vec<_> = s.anns().relations_from(&id("ev")).filter(|r| r.kind == "source").map(|r| r.to.as_str().to_owned()).collect();
    assert_eq!(sources, ["new"]);
    assert_eq!(s.anns().get(&id("new")).unwrap().label, "Actor");
    s.undo().unwrap().unwrap();
    assert!(s.anns().get(&id("new")).is_none() && s.anns().relations().len() == 1);
    // Same actor: a new entity named after the longer mention.
    let a = s.same_actor(&id("bn"), id("full")).unwrap();
    s.edit(a).unwrap();
    assert_eq!(s.anns().entities()[0].name, "Israeli Prime Minister Benjamin Netanyahu");
    assert!(s.same_actor(&id("bn"), id("full")).is_none(), "already one entity");
    assert_eq!(s.leave_entity(&id("bn")), Ok(0));
    assert_eq!(s.leave_entity(&id("bn")), Err(Refusal::Unchanged));
    s.anns().check_invariants().unwrap();
}

#[tokio::test]
async fn a_stale_write_rebases_on_the_other_tabs_work_and_saves_again() {
    let doc = seed();
    let kv = MemoryStore::new();
    let (a_saver, b_saver) = (Saver::new(kv.clone()), Saver::new(kv.clone()));
    let (mut a, mut b) = (fresh(&doc, "a"), fresh(&doc, "b"));
    a.tag(id("a1"), "Actor", span(&a, 40, 58), Timestamp(1)).unwrap();
    b.tag(id("b1"), "Event", span(&b, 59, 98), Timestamp(1)).unwrap();
    settle(&a_saver, &mut a, 1).await;
    // B's write is against nothing stored, but A stored revision 1: refused, rebased.
    match b_saver.save(&b, 2, no_pause).await {
        SaveOutcome::Rebase { doc_id, base, revision, notice } => {
            assert_eq!((revision, notice), (Some(1), None));
            assert_eq!(b.rebase(&doc_id, base, revision), Some(Rebased { n_dropped: 0, needs_save: true }));
        }
        other => panic!("{other:?}"),
    }
    settle(&b_saver, &mut b, 3).await;
    assert_eq!(b.revision(), Some(2));
    let stored = open(&kv, &MemoryStore::new(), &doc, &Schema::news(), 4).await.annotations;
    assert_eq!(stored.len(), 2, "both tabs' work is stored");
    // A hears of B's save and takes its work; nothing of its own is pending.
    let note = RemoteSaved { doc_id: doc.id().to_owned(), revision: 2, schema: SCHEMA };
    match a_saver.remote(&a, &note).await {
        Some(SaveOutcome::Rebase { doc_id, base, revision, .. }) => {
            assert_eq!(a.rebase(&doc_id, base, revision), Some(Rebased { n_dropped: 0, needs_save: false }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.anns().len(), 2);
    assert!(a_saver.remote(&a, &note).await.is_none(), "an old note changes nothing");
    let newer = RemoteSaved { schema: SCHEMA + 1, ..note };
    assert!(matches!(a_saver.remote(&a, &newer).await, Some(SaveOutcome::Blocked { .. })));
}

#[tokio::test]
async fn a_wiped_store_is_rebuilt_from_the_session_and_says_so() {
    let doc = seed();
    let kv = MemoryStore::new();
    let saver = Saver::new(kv.clone());
    let mut s = fresh(&doc, "t");
    s.tag(id("a1"), "Actor", span(&s, 40, 58), Timestamp(1)).unwrap();
    settle(&saver, &mut s, 1).await;
    kv.wipe();
    s.tag(id("a2"), "Actor", span(&s, 0, 5), Timestamp(2)).unwrap();
    match saver.save(&s, 2, no_pause).await {
        SaveOutcome::Rebase { doc_id, base: None, revision: None, notice: Some(n) } => {
            assert!(n.contains("cleared spantag's storage"), "{n}");
            assert_eq!(s.rebase(&doc_id, None, None).map(|r| r.needs_save), Some(true));
        }
        other => panic!("{other:?}"),
    }
    settle(&saver, &mut s, 3).await;
    assert_eq!(open(&kv, &MemoryStore::new(), &doc, &Schema::news(), 4).await.annotations.len(), 2);
}

#[tokio::test]
async fn a_full_store_fails_the_save_and_keeps_the_work_in_the_session() {
    let doc = seed();
    let saver = Saver::new(MemoryStore::with_quota(100));
    let mut s = fresh(&doc, "t");
    s.tag(id("a1"), "Actor", span(&s, 40, 58), Timestamp(1)).unwrap();
    match saver.save(&s, 1, no_pause).await {
        SaveOutcome::Failed { error: StoreError::QuotaExceeded, notice: Some(n) } => assert!(n.contains("Export JSON"), "{n}"),
        other => panic!("{other:?}"),
    }
    assert!(s.has_unsaved() && s.anns().len() == 1);
}

#[tokio::test]
async fn a_damaged_record_is_kept_aside_before_it_is_written_over_and_a_newer_one_blocks() {
    let doc = seed();
    let kv = MemoryStore::new();
    let saver = Saver::new(kv.clone());
    let mut s = fresh(&doc, "t");
    s.tag(id("a1"), "Actor", span(&s, 40, 58), Timestamp(1)).unwrap();
    settle(&saver, &mut s, 1).await;
    // A tab killed mid-save (of another build) leaves half a record after ours.
    kv.put(&doc_key(doc.id()), "{\"schema\":3,\"revision\":4,\"trunc").await.unwrap();
    s.tag(id("a2"), "Actor", span(&s, 0, 5), Timestamp(2)).unwrap();
    match saver.save(&s, 9, no_pause).await {
        SaveOutcome::Rebase { base: None, revision: None, notice: Some(n), .. } => assert!(n.contains("kept aside"), "{n}"),
        other => panic!("{other:?}"),
    }
    let aside = crate::storage::damaged_prefix(doc.id()) + "9";
    assert!(Kv::get(&kv, &aside).await.unwrap().unwrap().contains("trunc"));
    let newer = Record { schema: SCHEMA + 1, ..Record::new(9, 1, native::export(&doc, s.anns())) }.encode();
    kv.put(&doc_key(doc.id()), &newer).await.unwrap();
    s.rebase(doc.id(), None, Some(3));
    assert!(matches!(saver.save(&s, 10, no_pause).await, SaveOutcome::Blocked { .. }));
    assert_eq!(Kv::get(&kv, &doc_key(doc.id())).await.unwrap().unwrap(), newer, "untouched");
}

#[test]
fn a_journal_round_trips_every_kind_of_action_and_refuses_a_bad_one() {
    let doc = Document::new("J", "Zelenskyy 👍🏽 said 🇺🇦 北京 cafe\u{301} went well");
    let mut s = fresh(&doc, "t");
    s.tag(id("z"), "Actor", span(&s, 0, 9), Timestamp(1)).unwrap();
    s.tag(id("e"), "Event", span(&s, 12, 16), Timestamp(1)).unwrap();
    s.edit(Action::SetNote { id: id("z"), note: "“note” 🇺🇦".into(), at: Timestamp(2) }).unwrap();
    let source = s.anns().schema().role("source").unwrap().clone();
    let a = s.fill_slot(&source, &id("e"), id("z"));
    s.edit(a).unwrap();
    let a = s.make_entity(&id("z")).unwrap();
    s.edit(a).unwrap();
    s.edit(Action::Remove { id: id("e") }).unwrap();
    let j = Journal { doc: doc.id().to_owned(), base: Some(3), at: 5, full: false, actions: s.unsaved().to_vec() };
    assert_eq!(Journal::decode(&j.encode(), doc.len_cp()), Ok(j.clone()));
    // A span past the end of the text (a journal of another text) is no action.
    let err = Journal::decode(&j.encode(), 5).unwrap_err();
    assert!(err.contains("not one"), "{err}");
    assert!(Journal::decode("{\"v\":99,\"doc\":\"x\",\"base\":null,\"at\":1,\"actions\":[]}", 5).unwrap_err().contains("newer spantag"));
}

/// The bug this fixes: tag, then close the tab before the IndexedDB save lands. The
/// journal written in the same turn brings the edit back on the next load.
#[tokio::test]
async fn an_edit_made_just_before_the_tab_closed_is_back_after_reopening() {
    let kv = MemoryStore::new();
    let mut local = MemoryStore::new();
    let (mut s, mut j) = reopen(&kv, &local, "t1", 1).await;
    let saver = Saver::new(kv.clone());
    settle(&saver, &mut s, 1).await;
    s.tag(id("a1"), "Actor", span(&s, 40, 58), Timestamp(2)).unwrap();
    j.record(&mut local, &s.unsaved_work(), 2).unwrap();
    assert!(j.holds_work());
    drop(s); // the tab closes; its save never ran
    let (mut s, mut j) = reopen(&kv, &local, "t2", 3).await;
    assert_eq!(s.anns().len(), 1, "the edit is back");
    assert!(s.has_unsaved(), "and it is saved next");
    settle(&Saver::new(kv.clone()), &mut s, 4).await;
    j.record(&mut local, &s.unsaved_work(), 4).unwrap();
    assert!(local.keys_with_prefix("spantag:v2:journal").unwrap().is_empty(), "the replayed journal is gone once saved");
    let (s, _) = reopen(&kv, &local, "t3", 5).await;
    assert_eq!((s.anns().len(), s.has_unsaved()), (1, false));
}

/// A save landed but the tab closed before the journal was trimmed: replaying it
/// adds nothing twice and brings nothing removed back.
#[tokio::test]
async fn a_journal_whose_save_landed_replays_as_nothing() {
    let kv = MemoryStore::new();
    let mut local = MemoryStore::new();
    let (mut s, mut j) = reopen(&kv, &local, "t1", 1).await;
    s.tag(id("a1"), "Actor", span(&s, 40, 58), Timestamp(2)).unwrap();
    s.tag(id("a2"), "Actor", span(&s, 0, 5), Timestamp(2)).unwrap();
    s.edit(Action::Remove { id: id("a2") }).unwrap();
    s.relabel(&id("a1"), "Claim", Timestamp(3)).unwrap();
    j.record(&mut local, &s.unsaved_work(), 3).unwrap();
    settle(&Saver::new(kv.clone()), &mut s, 4).await;
    let want = (**s.anns()).clone();
    let (s, _) = reopen(&kv, &local, "t2", 5).await;
    assert_eq!(**s.anns(), want);
}

/// An import of another document whose save never landed: the next load opens that
/// document with the imported work, not the one before.
#[tokio::test]
async fn an_import_that_was_never_saved_opens_again() {
    let kv = MemoryStore::new();
    let mut local = MemoryStore::new();
    let (mut s, mut j) = reopen(&kv, &local, "t1", 1).await;
    settle(&Saver::new(kv.clone()), &mut s, 1).await;
    let x = Document::new("X", "Alice met Bob in Kyiv. 🇺🇦 Carol said so.");
    let mut file = AnnotationSet::new(x.len_cp(), Schema::news());
    file.apply(Action::Add(Annotation::new(id("alice"), "Actor", Span::new(0, 5, x.len_cp()).unwrap(), Timestamp(1)))).unwrap();
    let imported = native::import(&native::export(&x, &file), &Schema::news()).unwrap();
    let report = s.import(&imported, &crate::storage::StoredWork::Nothing, ImportMode::Replace, "x.json");
    assert!(report.switched && report.text.starts_with("Imported 1 annotation from x.json"), "{report:?}");
    s.tag(id("bob"), "Actor", Span::new(10, 13, x.len_cp()).unwrap(), Timestamp(2)).unwrap();
    j.record(&mut local, &s.unsaved_work(), 2).unwrap();
    let (s, _) = reopen(&kv, &local, "t2", 3).await;
    assert_eq!(s.doc().id(), x.id());
    let ids: Vec<_> = s.anns().items().iter().map(|a| a.id.as_str().to_owned()).collect();
    assert_eq!(ids, ["alice", "bob"]);
    assert!(s.full_write());
}

/// Two tabs share one store and one localStorage and make 1,000 interleaved random
/// edits, each saving now and then with compare-and-swap and rebasing on conflict,
/// and each closed now and then at once after an edit, before any save (then
/// reopened from the store and the journals): no edit is lost, and no removed
/// annotation comes back.
#[tokio::test]
async fn two_tabs_1000_interleaved_edits_with_closes_lose_nothing() {
    let doc = seed();
    let kv = MemoryStore::new();
    let mut local = MemoryStore::new();
    let mut n_tabs = 0;
    let mut tabs = Vec::new();
    for _ in 0..2 {
        n_tabs += 1;
        let (s, j) = reopen(&kv, &local, &format!("t{n_tabs}"), 0).await;
        tabs.push((s, j, Saver::new(kv.clone())));
    }
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut expected: BTreeMap<AnnId, (usize, usize)> = BTreeMap::new();
    let mut used = std::collections::BTreeSet::new();
    let mut n_closes = 0;
    for i in 0..1000 {
        let t = (next() % 2) as usize;
        let (s, j, saver) = &mut tabs[t];
        let action = if next() % 5 == 0 && !s.anns().is_empty() {
            let victim = s.anns().items()[(next() as usize) % s.anns().len()].id.clone();
            expected.remove(&victim);
            Action::Remove { id: victim }
        } else {
            let (start, len) = loop {
                let st = (next() as usize) % (doc.len_cp() - 20);
                let l = 1 + (next() as usize) % 15;
                if used.insert((st, l)) {
                    break (st, l);
                }
            };
            let id = AnnId::new(format!("t{t}-{i}")).unwrap();
            expected.insert(id.clone(), (start, start + len));
            Action::Add(Annotation::new(id, "Actor", Span::new(start, start + len, doc.len_cp()).unwrap(), Timestamp(i)))
        };
        s.edit(action).unwrap();
        // The page writes the journal in the same turn as the edit.
        j.record(&mut local, &s.unsaved_work(), i as i64).unwrap();
        match next() % 10 {
            // Each tab saves now and then; the other may have saved since.
            0..=2 => {
                settle(saver, s, i as i64).await;
                j.record(&mut local, &s.unsaved_work(), i as i64).unwrap();
            }
            // Closed at once after the edit, before any save; reopened.
            3 => {
                n_closes += 1;
                n_tabs += 1;
                let (s2, j2) = reopen(&kv, &local, &format!("t{n_tabs}"), i as i64).await;
                tabs[t] = (s2, j2, Saver::new(kv.clone()));
            }
            _ => {}
        }
    }
    // Both tabs save their last work.
    for (s, j, saver) in &mut tabs {
        settle(saver, s, 5000).await;
        j.record(&mut local, &s.unsaved_work(), 5000).unwrap();
    }
    let stored = open(&kv, &MemoryStore::new(), &doc, &Schema::news(), 1).await.annotations;
    stored.check_invariants().unwrap();
    let got: BTreeMap<AnnId, (usize, usize)> = stored.items().iter().map(|a| (a.id.clone(), (a.span.start(), a.span.end()))).collect();
    let lost: Vec<_> = expected.keys().filter(|id| !got.contains_key(*id)).collect();
    let extra: Vec<_> = got.keys().filter(|id| !expected.contains_key(*id)).collect();
    assert!(lost.is_empty(), "{} edits lost: {lost:?}", lost.len());
    assert!(extra.is_empty(), "{} removed annotations came back: {extra:?}", extra.len());
    assert!(got.len() > 300, "the test made real work: {}", got.len());
    assert!(n_closes > 50, "the test closed tabs: {n_closes}");
    let _ = journal::ALL_FULL_PREFIX;
}
