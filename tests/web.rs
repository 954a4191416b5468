//! wasm-bindgen tests in headless Chromium: browser storage round trips, and real DOM
//! selections over emoji, CJK and combining marks mapped to code points through
//! the rendered article.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use spantag::formats::native;
use spantag::model::offsets::cp_len;
use spantag::model::{Action, AnnId, Annotation, AnnotationSet, Document, Schema, Span, Timestamp};
use spantag::storage::browser::BrowserStore;
use spantag::storage::idb::IdbStore;
use spantag::storage::{self, Kv, Saved};
use spantag::ui::app::{App, AppProps};
use spantag::ui::dom;
use spantag::ui::state::AppState;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TEXT: &str = "Leaders 👩‍👩‍👧 met in 北京 🇺🇦 today.\n\nZelenskyy 👍🏽 said the cafe\u{301} talks “went well”.";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn cp_of(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).unwrap();
    let start = cp_len(&text[..byte]);
    (start, start + cp_len(needle))
}

#[wasm_bindgen_test]
async fn indexeddb_storage_round_trip() {
    let doc = Document::from_text(TEXT);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    let (s, e) = cp_of(TEXT, "北京");
    set.apply(Action::Add(Annotation::new(AnnId::new("x1").unwrap(), "Actor", Span::new(s, e, doc.len_cp()).unwrap(), Timestamp(1)))).unwrap();
    let kv = IdbStore::open().await.unwrap();
    // Start from whatever an earlier run left: take its revision.
    let base = kv.get(&storage::doc_key(doc.id())).await.unwrap().as_deref().and_then(storage::record_revision);
    let rev = match storage::save(&kv, &doc, &set, base, true, 10).await.unwrap() {
        Saved::At(rev) => rev,
        other => panic!("{other:?}"),
    };
    assert_eq!(rev, base.map_or(1, |b| b + 1));
    // A stale write is refused by the transaction.
    assert!(matches!(storage::save(&kv, &doc, &set, base, false, 11).await.unwrap(), Saved::Conflict(Some(_))));
    let seed = Document::from_text("something else");
    let opened = storage::open(&kv, &BrowserStore, &seed, &Schema::news(), 5).await;
    assert_eq!(opened.document, doc, "the current document is reopened, not the seed");
    assert_eq!(opened.annotations, set);
    assert_eq!(opened.revision, Some(rev));
    assert!(opened.notices.is_empty(), "{:?}", opened.notices);

    // A damaged value is kept aside, the backup is loaded and the person is told.
    kv.put(&storage::doc_key(doc.id()), "{\"schema\":3,\"revision\":").await.unwrap();
    let opened = storage::open(&kv, &BrowserStore, &seed, &Schema::news(), 6).await;
    assert!(!opened.notices.is_empty());
    assert_eq!(opened.annotations, set, "restored from the backup");
    let aside = opened.damaged_key.unwrap();
    assert_eq!(kv.get(&aside).await.unwrap().unwrap(), "{\"schema\":3,\"revision\":");
}

/// The store remembers the string it wrote last, so that the next compare-and-swap
/// and the read-back compare JavaScript strings instead of copying megabytes into
/// wasm. What another writer left, or a damaged value, must still be seen as such.
#[wasm_bindgen_test]
async fn indexeddb_saves_in_a_row_and_sees_every_other_writer() {
    let doc = Document::from_text("Second store test: 北京 🇺🇦 and cafe\u{301}.");
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    let key = storage::doc_key(doc.id());
    let (kv, other) = (IdbStore::open().await.unwrap(), IdbStore::open().await.unwrap());
    let base = kv.get(&key).await.unwrap().as_deref().and_then(storage::record_revision);
    let mut rev = base;
    for i in 0..3 {
        let (s, e) = cp_of("Second store test: 北京 🇺🇦 and cafe\u{301}.", ["Second", "北京", "🇺🇦"][i]);
        set.apply(Action::Add(Annotation::new(AnnId::new(format!("y{i}")).unwrap(), "Actor", Span::new(s, e, doc.len_cp()).unwrap(), Timestamp(1)))).unwrap();
        match storage::save(&kv, &doc, &set, rev, i == 0, 20 + i as i64).await.unwrap() {
            Saved::At(r) => rev = Some(r),
            other => panic!("save {i}: {other:?}"),
        }
        let stored = other.get(&key).await.unwrap().unwrap();
        assert_eq!(storage::record_revision(&stored), rev, "what the other connection reads is the record written");
        assert_eq!(native::import(&storage::Record::decode(&stored).unwrap().payload, &Schema::news()).unwrap().annotations, set);
    }
    // Another writer saves revision n+1: this store's write based on n is stale.
    assert!(matches!(storage::save(&other, &doc, &set, rev, false, 30).await.unwrap(), Saved::At(_)));
    match storage::save(&kv, &doc, &set, rev, false, 31).await.unwrap() {
        Saved::Conflict(Some(current)) => assert_eq!(storage::record_revision(&current), rev.map(|r| r + 1)),
        other => panic!("{other:?}"),
    }
    // A damaged value under the key is never taken for the record written last.
    let damaged = "{\"schema\":3,\"revision\":";
    kv.put(&key, damaged).await.unwrap();
    assert!(matches!(storage::save(&kv, &doc, &set, rev.map(|r| r + 1), false, 32).await.unwrap(), Saved::Conflict(Some(ref v)) if v == damaged));
}

/// The text node holding the document text at code point `cp`, and the UTF-16 offset in it.
fn dom_point(article: &web_sys::Element, cp: usize) -> (web_sys::Node, u32) {
    let runs = article.query_selector_all("[data-s]").unwrap();
    for i in (0..runs.length()).rev() {
        let run: web_sys::Element = runs.item(i).unwrap().dyn_into().unwrap();
        let start: usize = run.get_attribute("data-s").unwrap().parse().unwrap();
        if start <= cp {
            let node = run.first_child().unwrap();
            let text = node.text_content().unwrap();
            let u16: usize = text.chars().take(cp - start).map(char::len_utf16).sum();
            return (node, u16 as u32);
        }
    }
    panic!("no run before {cp}");
}

fn select(article: &web_sys::Element, from: (web_sys::Node, u32), to: (web_sys::Node, u32)) -> Option<(usize, usize)> {
    let range = document().create_range().unwrap();
    range.set_start(&from.0, from.1).unwrap();
    range.set_end(&to.0, to.1).unwrap();
    let sel = web_sys::window().unwrap().get_selection().unwrap().unwrap();
    sel.remove_all_ranges().unwrap();
    sel.add_range(&range).unwrap();
    dom::selection_in(article)
}

#[wasm_bindgen_test]
async fn dom_selection_maps_to_code_points_over_emoji() {
    let doc = Document::from_text(TEXT);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    // An annotation splits the text into several runs, so boundaries cross elements.
    let (s, e) = cp_of(TEXT, "met in 北京");
    set.apply(Action::Add(Annotation::new(AnnId::new("m").unwrap(), "Event", Span::new(s, e, doc.len_cp()).unwrap(), Timestamp(1)))).unwrap();
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let state = AppState::new(doc, set);
    yew::Renderer::<App>::with_root_and_props(root.clone(), AppProps { initial: Rc::new(state), kv: None }).render();
    yew::scheduler::flush().await;
    let article = root.query_selector("article").unwrap().unwrap();

    for needle in ["👩‍👩‍👧", "北京", "🇺🇦", "Zelenskyy 👍🏽", "👍🏽", "cafe\u{301}", "“went well”", "in 北京 🇺🇦 today"] {
        let (s, e) = cp_of(TEXT, needle);
        let got = select(&article, dom_point(&article, s), dom_point(&article, e));
        assert_eq!(got, Some((s, e)), "selecting {needle:?}");
        let sliced: String = TEXT.chars().skip(s).take(e - s).collect();
        assert_eq!(sliced, needle);
    }

    // A boundary inside a surrogate pair moves outward, never splitting the emoji.
    let (s, e) = cp_of(TEXT, "🇺🇦");
    let (node, off) = dom_point(&article, s);
    let got = select(&article, (node.clone(), off + 1), dom_point(&article, e));
    assert_eq!(got, Some((s, e)), "start inside the first regional indicator's pair snaps back");

    // Element boundaries (as a triple click makes) map to block starts and ends.
    let p = article.query_selector("p").unwrap().unwrap();
    let range = document().create_range().unwrap();
    range.select_node_contents(&p).unwrap();
    let sel = web_sys::window().unwrap().get_selection().unwrap().unwrap();
    sel.remove_all_ranges().unwrap();
    sel.add_range(&range).unwrap();
    let first_block_end = cp_len(TEXT.split("\n\n").next().unwrap());
    assert_eq!(dom::selection_in(&article), Some((0, first_block_end)));
    root.remove();
}

/// The browser's lowercasing, used by the wasm instead of linking Rust's case tables,
/// is Rust's: for every character alone, and for a string with a final sigma.
#[wasm_bindgen_test]
fn lowercase_matches_rust() {
    let differ: Vec<char> = (0..=0x10FFFF_u32)
        .filter_map(char::from_u32)
        .filter(|c| dom::lowercase(c.encode_utf8(&mut [0; 4])) != c.to_lowercase().collect::<String>())
        .collect();
    assert!(differ.is_empty(), "{} characters lowercase differently, first {:?}", differ.len(), &differ[..differ.len().min(20)]);
    for s in ["ΟΔΟΣ ΣΑΣ, Σ.", "Élysée İstanbul ǅ", "ΑΣ\u{301}Σ"] {
        assert_eq!(dom::lowercase(s), s.to_lowercase(), "{s}");
        let each: Vec<char> = s.chars().flat_map(char::to_lowercase).collect();
        assert_eq!(dom::lowercase_each(s), (each.len() == s.chars().count()).then_some(each), "{s}");
    }
}
