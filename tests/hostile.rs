//! Hostile input, cases 1–10 of the "trustworthy with the user's work" issue, natively:
//! against the native importer, the model and the server-side rendering of the app.
//! The same cases in the browser are in `e2e/tests/hostile.test.mjs`; cases 11–13
//! (storage faults and tabs) are with the storage tests. Regression tests for what
//! fuzzing found are at the end, each named after its bug, followed by hostile
//! files in the other formats (reversed offsets, files that are not UTF-8).
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;
use std::time::Instant;

use serde_json::{json, Value};
use spantag::formats::native::{export, import, ImportError};
use spantag::formats::MAX_IMPORT_BYTES;
use spantag::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Schema, Span, Timestamp};
use spantag::ui::app::{App, AppProps};
use spantag::ui::state::{AppState, Notice};

const XSS: &str = "<img src=x onerror=alert(1)>";
const XSS_TEXT: &str = "&lt;img src=x onerror=alert(1)&gt;";

fn id(s: &str) -> AnnId {
    AnnId::new(s).unwrap()
}

/// The code point range of the first `needle` in `text`.
fn find(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let start = text[..byte].chars().count();
    (start, start + needle.chars().count())
}

fn add(set: &mut AnnotationSet, text: &str, needle: &str, label: &str, ann_id: &str) {
    let (s, e) = find(text, needle);
    set.apply(Action::Add(Annotation::new(id(ann_id), label, Span::new(s, e, set.len_cp()).unwrap(), Timestamp(1)))).unwrap();
}

async fn render(state: AppState) -> String {
    yew::LocalServerRenderer::<App>::with_props(AppProps { initial: Rc::new(state), kv: None }).hydratable(false).render().await
}

/// A native file for `text` whose annotations are the given JSON objects, each
/// completed with a quote of its range (when in range) and times.
fn file_with(text: &str, items: Vec<Value>) -> Value {
    let doc = Document::from_text(text);
    let mut v: Value = serde_json::from_str(&export(&doc, &AnnotationSet::new(doc.len_cp(), Schema::news()))).unwrap();
    let cps: Vec<char> = text.chars().collect();
    let sl = |a: i64, b: i64| -> String {
        let (a, b) = (a.clamp(0, cps.len() as i64) as usize, b.clamp(0, cps.len() as i64) as usize);
        if a >= b { String::new() } else { cps[a..b].iter().collect() }
    };
    v["annotations"] = items
        .into_iter()
        .map(|mut a| {
            let (s, e) = (a["start"].as_i64().unwrap_or(0), a["end"].as_i64().unwrap_or(0));
            if a.get("quote").is_none() {
                a["quote"] = json!({"exact": sl(s, e), "prefix": sl(s.saturating_sub(32), s), "suffix": sl(e, e.saturating_add(32))});
            }
            for t in ["created", "modified"] {
                if a.get(t).is_none() {
                    a[t] = json!("2024-03-26T10:00:00Z");
                }
            }
            a
        })
        .collect();
    v
}

fn reasons(imported: &spantag::formats::native::Imported) -> Vec<String> {
    imported.refused.iter().map(ToString::to_string).collect()
}

// 1. A label, note or attribute value of `<img src=x onerror=alert(1)>` shows as
//    literal text. No element is created and no script runs.
#[tokio::test]
async fn case_01_markup_in_a_label_note_or_attribute_is_literal_text() {
    let text = "Officials met in Geneva on Monday, the ministry said.";
    let doc = Document::from_text(text);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    add(&mut set, text, "met in Geneva", "Event", "ev");
    add(&mut set, text, "Officials", "Actor", "ac");
    set.apply(Action::SetNote { id: id("ev"), note: XSS.into(), at: Timestamp(2) }).unwrap();
    set.apply(Action::SetAttr { id: id("ev"), key: "place".into(), value: Some(XSS.into()), at: Timestamp(3) }).unwrap();
    set.apply(Action::PutEntity(Entity { id: id("E1"), name: XSS.into(), kind: "government official".into(), members: vec![id("ac")] })).unwrap();
    // The file round-trips the values as data.
    let json = export(&doc, &set);
    let back = import(&json, &Schema::news()).unwrap();
    assert_eq!(back.annotations, set);
    assert_eq!(back.annotations.get(&id("ev")).unwrap().note, XSS);

    for selected in ["ev", "ac"] {
        let mut state = AppState::new(doc.clone(), set.clone());
        state.selected = Some(id(selected));
        // A refusal reason quoting a hostile label is shown too.
        state.notice = Some(Notice { is_error: true, text: format!("unknown label \"{XSS}\""), details: vec![XSS.into()] });
        let html = render(state).await;
        assert!(!html.contains("<img"), "no element from a value: {html}");
        assert!(!html.contains("onerror=alert(1)>"), "{html}");
        assert!(html.contains(XSS_TEXT), "the value is shown as text");
    }

    // A label is never taken from a file: the file's own label list is ignored, and an
    // annotation with an unknown label is refused with the label quoted as text.
    let mut v = file_with(text, vec![json!({"id": "x", "label": XSS, "start": 0, "end": 9}), json!({"id": "ok", "label": "Actor", "start": 0, "end": 9})]);
    v["labels"] = json!([{"id": XSS, "color": "red;} body{display:none", "keys": ["1"], "description": XSS}]);
    let back = import(&v.to_string(), &Schema::news()).unwrap();
    assert_eq!(back.annotations.len(), 1);
    assert!(back.annotations.labels().get(XSS).is_none());
    assert!(reasons(&back)[0].contains(&format!("unknown label \"{XSS}\"")), "{:?}", reasons(&back));
}

// 2. Article text containing `<script>`, `<svg onload=…>` or `&lt;` renders as text.
//    It round-trips byte for byte.
#[tokio::test]
async fn case_02_markup_in_the_article_renders_as_text_and_round_trips_byte_for_byte() {
    let text = "Title <script>alert(1)</script>\n\nA <svg onload=alert(1)> tag, &lt; &amp;lt; &#60; \"quotes\" 'and' </article> \u{0} end.";
    let doc = Document::from_text(text);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    add(&mut set, text, "<svg onload=alert(1)>", "Claim", "c1");
    add(&mut set, text, "&lt;", "Cue", "q1");
    let json = export(&doc, &set);
    let back = import(&json, &Schema::news()).unwrap();
    assert_eq!(back.document.text().as_str().as_bytes(), text.as_bytes(), "byte for byte");
    assert_eq!(export(&back.document, &back.annotations), json, "export → import → export is identical");
    let html = render(AppState::new(back.document, back.annotations)).await;
    for bad in ["<script", "<svg onload", "onload=alert(1)>"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;svg onload=alert(1)&gt;"));
    assert!(html.contains("&amp;lt;"), "an entity in the text stays literal");
}

// 3. A note containing `javascript:` or `data:` links never becomes a clickable link.
#[tokio::test]
async fn case_03_urls_in_notes_never_become_links() {
    let text = "The spokesperson said the talks went well.";
    let doc = Document::from_text(text);
    let notes = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "https://example.com/x", "<a href=\"javascript:alert(1)\">click</a>"];
    for note in notes {
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        add(&mut set, text, "the talks went well", "Claim", "c");
        set.apply(Action::SetNote { id: id("c"), note: note.into(), at: Timestamp(2) }).unwrap();
        let mut state = AppState::new(doc.clone(), set);
        state.selected = Some(id("c"));
        let html = render(state).await;
        assert!(!html.contains("<a "), "no anchor for {note}: {html}");
        // Where the note is shown (as escaped text), it is text; nowhere else is there an href.
        let text = note.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let stripped = html.replace(&text, "").replace(&text.replace('"', "&quot;"), "");
        assert!(html.len() > stripped.len(), "the note is shown");
        assert!(!stripped.contains("href"), "no href attribute anywhere for {note}");
        assert!(!html.contains("<script"), "{note}");
    }
}

// 4. Imported JSON with unknown fields, an `html` field, or keys `__proto__` /
//    `constructor` is rejected or ignored as plain data. Nothing is rendered as HTML
//    and nothing is polluted.
#[tokio::test]
async fn case_04_unknown_html_proto_and_constructor_keys_are_plain_data() {
    let text = "Kirby said the policy has not changed.";
    let mut v = file_with(
        text,
        vec![
            json!({"id": "a1", "label": "Actor", "start": 0, "end": 5, "html": XSS, "__proto__": {"isAdmin": true}, "constructor": {"prototype": {"polluted": 1}}}),
            json!({"id": "e1", "label": "Event", "start": 27, "end": 37, "attributes": {"__proto__": "occurred"}}),
            json!({"id": "e2", "label": "Event", "start": 6, "end": 10, "attributes": {"constructor": "x"}}),
        ],
    );
    v["html"] = json!(XSS);
    v["__proto__"] = json!({"polluted": true});
    v["constructor"] = json!({"prototype": {"polluted": true}});
    v["document"]["html"] = json!(XSS);
    let back = import(&v.to_string(), &Schema::news()).unwrap();
    let kept: Vec<&str> = back.annotations.items().iter().map(|a| a.id.as_str()).collect();
    assert_eq!(kept, ["a1"], "{:?}", reasons(&back));
    let r = reasons(&back);
    assert!(r[0].contains("has no attribute \"__proto__\""), "{r:?}");
    assert!(r[1].contains("has no attribute \"constructor\""), "{r:?}");
    let out = export(&back.document, &back.annotations);
    for gone in ["html", "__proto__", "constructor", "polluted", "isAdmin", "<img"] {
        assert!(!out.contains(gone), "{gone} is not kept");
    }
    let html = render(AppState::new(back.document, back.annotations)).await;
    assert!(!html.contains("<img"));
}

// 5. Duplicate annotation ids, or duplicate JSON keys, give a clear error. Nothing is
//    silently overwritten. The same for the other formats' importers is in
//    `tests/formats.rs` (`*_duplicate_*` tests).
#[test]
fn case_05_duplicate_ids_and_duplicate_keys_are_clear_errors() {
    let text = "Kirby said the policy has not changed.";
    // Duplicate ids: the first is kept, the second refused with a reason.
    let v = file_with(text, vec![json!({"id": "a1", "label": "Actor", "start": 0, "end": 5}), json!({"id": "a1", "label": "Claim", "start": 11, "end": 37})]);
    let back = import(&v.to_string(), &Schema::news()).unwrap();
    assert_eq!(back.annotations.len(), 1);
    assert_eq!(back.annotations.get(&id("a1")).unwrap().label, "Actor", "not overwritten");
    assert!(reasons(&back)[0].contains("annotation 2 (\"a1\")") && reasons(&back)[0].contains("used twice"), "{:?}", reasons(&back));
    // An entity or relation id that an annotation already has.
    let mut v = file_with(text, vec![json!({"id": "a1", "label": "Actor", "start": 0, "end": 5})]);
    v["entities"] = json!([{"id": "a1", "name": "Kirby", "type": "government official", "members": ["a1"]}]);
    let back = import(&v.to_string(), &Schema::news()).unwrap();
    assert!(back.annotations.entities().is_empty());
    assert!(reasons(&back)[0].contains("entity 1 (\"a1\")"), "{:?}", reasons(&back));

    // Duplicate keys: in the header, a document, an annotation, a quote, attributes.
    let base = file_with(text, vec![json!({"id": "e1", "label": "Event", "start": 27, "end": 37, "attributes": {"modality": "occurred"}})]).to_string();
    assert!(import(&base, &Schema::news()).is_ok());
    let cases = [
        ("version", base.replacen("\"version\":2", "\"version\":2,\"version\":1", 1)),
        ("text", base.replacen("\"text\":", "\"text\":\"evil\",\"text\":", 1)),
        ("start", base.replacen("\"start\":27", "\"start\":27,\"start\":0", 1)),
        ("exact", base.replacen("\"exact\":", "\"exact\":\"x\",\"exact\":", 1)),
        ("modality", base.replacen("\"modality\":\"occurred\"", "\"modality\":\"occurred\",\"modality\":\"threatened\"", 1)),
    ];
    for (key, json) in cases {
        assert_ne!(json, base, "the {key} case changes the file");
        let err = import(&json, &Schema::news()).unwrap_err();
        assert!(matches!(err, ImportError::BadShape(_)), "{key}: {err:?}");
        assert!(err.to_string().contains(&format!("the key \"{key}\" appears twice in one object")), "{key}: {err}");
    }
}

// 6. An older schema version migrates. A newer one is refused with a message (stored
//    data untouched: the storage tests and e2e/tests/hostile.test.mjs check that part).
#[test]
fn case_06_older_version_migrates_newer_is_refused() {
    let v1 = include_str!("../crates/core/tests/fixtures/v1/seed.spantag.json");
    let back = import(v1, &Schema::news()).unwrap();
    assert_eq!(back.version, 1);
    assert_eq!(back.annotations.len(), 7);
    assert!(export(&back.document, &back.annotations).contains("\"version\": 2"));
    let newer = v1.replacen("\"version\": 1", "\"version\": 3", 1);
    let err = import(&newer, &Schema::news()).unwrap_err();
    assert_eq!(err, ImportError::NewerVersion(3));
    assert!(err.to_string().contains("newer than this spantag reads"), "{err}");
    let huge = v1.replacen("\"version\": 1", "\"version\": 18446744073709551615", 1);
    assert!(matches!(import(&huge, &Schema::news()), Err(ImportError::NewerVersion(_))));
    for bad in ["0", "-1", "1.5", "\"2\"", "null"] {
        let f = v1.replacen("\"version\": 1", &format!("\"version\": {bad}"), 1);
        assert!(import(&f, &Schema::news()).is_err(), "version {bad}");
    }
}

// 7. Negative offsets, start ≥ end, offsets past the end, or a quote that does not
//    match: those items are refused with a reason, and the rest import.
#[test]
fn case_07_bad_offsets_and_quotes_are_refused_item_by_item() {
    let text = "Kirby said the policy has not changed.";
    let n = text.chars().count() as i64;
    let mut items = vec![json!({"id": "good", "label": "Actor", "start": 0, "end": 5})];
    let bad = [
        (json!({"start": -1, "end": 5}), "negative offset"),
        (json!({"start": 5, "end": -3}), "negative offset"),
        (json!({"start": 5, "end": 5}), "not before end"),
        (json!({"start": 9, "end": 3}), "not before end"),
        (json!({"start": 0, "end": n + 1}), "past the end"),
        (json!({"start": n + 5, "end": n + 9}), "past the end"),
        (json!({"start": 0, "end": i64::MAX}), "past the end"),
        (json!({"start": 0, "end": 5, "quote": {"exact": "Biden", "prefix": "", "suffix": ""}}), "does not match the text"),
        (json!({"start": 0, "end": 5, "quote": {"exact": "Kirby", "prefix": "", "suffix": " lied"}}), "context does not match"),
        (json!({"start": 0.5, "end": 5}), "not a valid annotation"),
        (json!({"start": "0", "end": 5}), "not a valid annotation"),
        (json!({"start": 1e300, "end": 5}), "not a valid annotation"),
    ];
    for (i, (fields, _)) in bad.iter().enumerate() {
        let mut a = json!({"id": format!("bad{i}"), "label": "Claim"});
        for (k, v) in fields.as_object().unwrap() {
            a[k] = v.clone();
        }
        items.push(a);
    }
    items.push(json!({"id": "also-good", "label": "Claim", "start": 6, "end": 37}));
    let back = import(&file_with(text, items).to_string(), &Schema::news()).unwrap();
    let kept: Vec<&str> = back.annotations.items().iter().map(|a| a.id.as_str()).collect();
    assert_eq!(kept, ["good", "also-good"]);
    let r = reasons(&back);
    assert_eq!(r.len(), bad.len(), "{r:#?}");
    for ((_, why), reason) in bad.iter().zip(&r) {
        assert!(reason.contains(why), "expected {why:?} in {reason:?}");
    }
}

// 8. An offset inside a surrogate pair, an emoji sequence or a combining sequence is
//    refused (with a reason). It never panics and never produces U+FFFD. Code point
//    offsets cannot split a surrogate pair; they can split a grapheme cluster, and
//    the native importer refuses that (src/model/snap.rs: `is_cluster_boundary`).
#[test]
fn case_08_offsets_inside_a_character_are_refused_never_a_panic_or_fffd() {
    let text = "e\u{301}👍🏽x👩‍👩‍👧🇺🇦🇫🇷 Zoë 가\u{11A8} ok";
    let cps: Vec<char> = text.chars().collect();
    let n = cps.len();
    // Cluster boundaries, by hand: é | 👍🏽 | x | 👩‍👩‍👧 | 🇺🇦 | 🇫🇷 | ' ' | Z | o | ë | ' ' | 각 | ' ' | o | k
    let boundaries: Vec<usize> = {
        use unicode_segmentation::UnicodeSegmentation;
        let mut at = 0;
        let mut b = vec![0];
        for g in text.graphemes(true) {
            at += g.chars().count();
            b.push(at);
        }
        b
    };
    let mut n_kept = 0;
    let mut n_refused = 0;
    for start in 0..n {
        for end in start + 1..=n {
            let v = file_with(text, vec![json!({"id": "x", "label": "Claim", "start": start, "end": end})]);
            let back = import(&v.to_string(), &Schema::news()).unwrap();
            let whole = boundaries.contains(&start) && boundaries.contains(&end);
            if whole && cps[start..end].iter().any(|c| !c.is_whitespace()) {
                assert_eq!(back.annotations.len(), 1, "{start}..{end}: {:?}", reasons(&back));
                n_kept += 1;
            } else if !whole {
                assert!(back.annotations.is_empty(), "{start}..{end} splits a character");
                assert!(reasons(&back)[0].contains("falls inside a character"), "{:?}", reasons(&back));
                n_refused += 1;
            }
            let out = export(&back.document, &back.annotations);
            assert!(!out.contains('\u{FFFD}'), "no U+FFFD");
            assert_eq!(import(&out, &Schema::news()).unwrap().annotations, back.annotations);
        }
    }
    assert!(n_kept > 50 && n_refused > 100, "{n_kept} kept, {n_refused} refused");
}

// 9. A lone `\uD800` escape in a string gives a parse error. Current state is
//    untouched (import is pure; the browser test checks the page's state).
#[test]
fn case_09_a_lone_surrogate_escape_is_a_parse_error() {
    let text = "Kirby said so.";
    let good = file_with(text, vec![json!({"id": "a1", "label": "Actor", "start": 0, "end": 5, "note": "NOTE"})]).to_string();
    assert!(import(&good, &Schema::news()).is_ok());
    for lone in ["\\ud800", "\\uD800", "\\udc00", "\\uDBFF\\u0041", "\\ud800\\ud800"] {
        for (what, json) in [
            ("text", good.replacen("Kirby said so.", &format!("Kirby{lone} said so."), 1)),
            ("note", good.replacen("NOTE", lone, 1)),
            ("key", good.replacen("\"note\"", &format!("\"n{lone}\""), 1)),
        ] {
            let err = import(&json, &Schema::news()).unwrap_err();
            assert!(matches!(err, ImportError::NotJson(_)), "{lone} in the {what}: {err:?}");
            assert!(err.to_string().starts_with("the file is not valid JSON ("), "{err}");
        }
    }
    // A proper pair in an escape is fine.
    let pair = good.replacen("NOTE", "\\ud83d\\udc4d", 1);
    assert_eq!(import(&pair, &Schema::news()).unwrap().annotations.items()[0].note, "👍");
}

// 10. A 50 MB file, or 10,000 levels of nesting: the size cap is checked before
//     parsing and there is a depth error. No freeze, no out-of-memory, no stack
//     overflow. Files that are large but legitimate (the L case) still import.
#[test]
fn case_10_size_cap_and_depth_limit_and_the_l_case_imports() {
    let schema = Schema::news();
    // 50 MB of what would parse as JSON: refused at once by its size.
    let mut big = String::with_capacity(50 * 1024 * 1024);
    big.push_str("{\"format\":\"spantag\",\"version\":2,\"pad\":\"");
    big.push_str(&"x".repeat(50 * 1024 * 1024 - 60));
    big.push_str("\"}");
    let t = Instant::now();
    assert_eq!(import(&big, &schema).unwrap_err(), ImportError::TooLarge { n_bytes: big.len() });
    assert!(t.elapsed().as_millis() < 50, "the cap is checked before parsing ({:?})", t.elapsed());
    assert!(import(&big, &schema).unwrap_err().to_string().contains("spantag reads files up to 32 MB"));
    drop(big);
    // The dispatcher of every format checks the cap first too.
    let current = Document::from_text("x");
    let bytes = vec![b'['; MAX_IMPORT_BYTES + 1];
    assert!(matches!(spantag::formats::import(&bytes, "big.json", &schema, &current), Err(ImportError::TooLarge { .. })));

    // 10,000 levels, in each place a parser would recurse.
    for deep in [
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
        format!("{{\"format\":\"spantag\",\"version\":2,\"annotations\":[{}{}]}}", "[".repeat(10_000), "]".repeat(10_000)),
        "[".repeat(10_000),
    ] {
        let err = import(&deep, &schema).unwrap_err();
        assert!(err.to_string().contains("nested deeper than 64 levels"), "{err}");
    }

    // The L case: 1M characters and 10,000 annotations.
    let mut text = String::new();
    let words = ["Netanyahu", "canceled", "the", "visit,", "Kirby", "said;", "Zoë", "北京", "👍🏽", "café"];
    let (mut i, mut n_cp) = (0, 0);
    while n_cp < 1_000_000 {
        text.push_str(words[i % words.len()]);
        text.push(if i % 17 == 16 { '\n' } else { ' ' });
        n_cp += words[i % words.len()].chars().count() + 1;
        i += 1;
    }
    let doc = Document::from_text(text.clone());
    let mut set = AnnotationSet::new(doc.len_cp(), schema.clone());
    let labels = ["Actor", "Event", "Claim", "Cue"];
    let starts: Vec<usize> = text.split(' ').scan(0usize, |cp, w| {
        let s = *cp;
        *cp += w.chars().count() + 1;
        Some(s)
    }).collect();
    for k in 0..10_000 {
        let s = starts[k * 10];
        let e = starts[k * 10 + 3] - 1;
        set.apply(Action::Add(Annotation::new(id(&format!("a{k}")), labels[k % 4], Span::new(s, e, doc.len_cp()).unwrap(), Timestamp(k as i64)))).unwrap();
    }
    let json = export(&doc, &set);
    assert!(json.len() < MAX_IMPORT_BYTES);
    let t = Instant::now();
    let back = import(&json, &schema).unwrap();
    let took = t.elapsed();
    assert!(back.refused.is_empty(), "{:?}", &reasons(&back)[..3.min(back.refused.len())]);
    assert_eq!(back.annotations.len(), 10_000);
    assert_eq!(back.document.len_cp(), doc.len_cp());
    assert!(took.as_secs() < 60, "the L case imports in {took:?} (debug build)");
}

// Hostile files in the other formats (the formats reviewer's cases).

fn import_any(bytes: &[u8], name: &str, current: &Document) -> Result<spantag::formats::native::Imported, ImportError> {
    spantag::formats::import(bytes, name, &Schema::news(), current)
}

/// A span whose start is after its end is refused for that reason, not taken for
/// a sign that the file is about another document, even when it is the file's only span.
#[test]
fn reversed_offsets_are_invalid_offsets_not_a_different_document() {
    let text = "Zelenskyy 🇺🇦 met 習近平 in Kyiv.";
    let doc = Document::from_text(text);
    let w3c = |start: i64, end: i64| {
        json!({"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation", "id": "https://x.example/1",
            "body": [{"type": "TextualBody", "purpose": "tagging", "value": "Actor"}],
            "target": {"source": "https://x.example/doc", "selector": [
                {"type": "TextQuoteSelector", "exact": "Zelenskyy"}, {"type": "TextPositionSelector", "start": start, "end": end}]}})
        .to_string()
    };
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("brat .ann, start after end", b"T1\tActor 9 0\tZelenskyy\n".to_vec(), "x.ann"),
        ("brat .ann, empty span", b"T1\tActor 9 9\t\n".to_vec(), "x.ann"),
        ("brat .ann, negative", b"T1\tActor -1 9\tZelenskyy\n".to_vec(), "x.ann"),
        ("W3C, start after end", w3c(9, 0).into_bytes(), "x.jsonld"),
    ];
    for (what, bytes, name) in cases {
        let msg = match import_any(&bytes, name, &doc) {
            Ok(back) => {
                assert!(back.annotations.is_empty(), "{what}");
                assert_eq!(back.refused.len(), 1, "{what}: {:?}", back.refused);
                back.refused[0].to_string()
            }
            Err(e) => e.to_string(),
        };
        assert!(!msg.contains("different document"), "{what}: {msg}");
        assert!(msg.contains("invalid"), "{what}: {msg}");
    }
    let back = import_any(b"T1\tActor 9 0\tZelenskyy\n", "x.ann", &doc).unwrap();
    assert_eq!(back.refused[0].to_string(), "line 1 (\"T1\"): its offsets 9..0 are invalid: the start is after the end");
}

/// A file that is not UTF-8 is refused as such, saying where, whatever its name
/// says it is; never as a file in no format spantag knows.
#[test]
fn a_file_that_is_not_utf8_says_so_and_where() {
    let doc = Document::from_text("Zelenskyy met 習近平 in Kyiv.");
    let bad = b"{\"\xff\xfe\"}\n";
    for name in ["x.jsonl", "x.json", "x.w3c.jsonld", "x.doccano.jsonl", "x.conll", "x.ann", "notes.txt"] {
        let e = import_any(bad, name, &doc).unwrap_err().to_string();
        assert!(e.contains("not UTF-8") && e.contains("byte offset 2"), "{name}: {e}");
        assert!(!e.contains("does not recognise"), "{name}: {e}");
        // The formats worker gives the same sentence.
        let w = spantag::formats::import_to_native(bad, name, doc.title(), doc.text().as_str()).unwrap_err();
        assert_eq!(w, e, "{name}");
    }
    // A valid multi-byte character before the bad byte: the offset counts bytes.
    let mut bytes = "[\"習\u{1F44D}".as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\"]");
    let e = import_any(&bytes, "x.json", &doc).unwrap_err().to_string();
    assert!(e.contains("byte offset 9"), "{e}");
    // A file saved as UTF-16 (Windows' "Unicode") is named as such.
    let utf16: Vec<u8> = [0xfeff_u16].into_iter().chain("[{\"text\": \"a\"}]".encode_utf16()).flat_map(u16::to_le_bytes).collect();
    let e = import_any(&utf16, "x.json", &doc).unwrap_err().to_string();
    assert!(e.contains("byte offset 0") && e.contains("looks like UTF-16"), "{e}");
}
