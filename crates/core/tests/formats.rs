//! Interchange formats: round trips through every format, asserting exactly what
//! each loses; offsets on emoji, CJK and combining-mark text, checked in each
//! format's own unit; bad files; files written by the real tools.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use serde_json::Value;
use spantag_core::formats::native::{ImportError, Imported};
use spantag_core::formats::{self, brat, Format};
use spantag_core::model::offsets::{cp_len, slice_cp};
use spantag_core::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Relation, Schema, Span, Timestamp};

/// Emoji (a flag, a ZWJ family), CJK, a combining accent, a paragraph break.
const TEXT: &str = "Zelenskyy 🇺🇦 met 習近平 in Kyiv; the cafe\u{301} owner said talks failed.\n\n\
Israeli PM Netanyahu 👩\u{200d}👩\u{200d}👧 canceled the visit, Netanyahu's office said.";

fn id(s: &str) -> AnnId {
    AnnId::new(s).unwrap()
}

/// The code point range of the `nth` occurrence of `needle`.
fn find(needle: &str, nth: usize) -> (usize, usize) {
    let byte = TEXT.match_indices(needle).nth(nth).unwrap().0;
    let start = cp_len(&TEXT[..byte]);
    (start, start + cp_len(needle))
}

fn add(set: &mut AnnotationSet, i: &str, label: &str, needle: &str, nth: usize) {
    let (s, e) = find(needle, nth);
    let mut a = Annotation::new(id(i), label, Span::new(s, e, usize::MAX).unwrap(), Timestamp(1_711_447_200_000));
    a.modified = Timestamp(1_711_447_260_500);
    set.apply(Action::Add(a)).unwrap();
}

fn set_attr(set: &mut AnnotationSet, i: &str, k: &str, v: &str) {
    let at = set.get(&id(i)).unwrap().modified;
    set.apply(Action::SetAttr { id: id(i), key: k.into(), value: Some(v.into()), at }).unwrap();
}

fn link(set: &mut AnnotationSet, i: &str, kind: &str, from: &str, to: &str) {
    set.apply(Action::Link(Relation { id: id(i), kind: kind.into(), from: id(from), to: id(to) })).unwrap();
}

/// A document using everything the model has: labels, attributes (a choice and
/// free text with a space), notes (one with a line break), relations (one to an
/// entity), an entity, a nested span and an overlapping span.
fn rich() -> (Document, AnnotationSet) {
    let doc = Document::from_text(TEXT);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    add(&mut set, "zel", "Actor", "Zelenskyy", 0);
    add(&mut set, "met", "Event", "met", 0);
    add(&mut set, "xi", "Actor", "習近平", 0);
    add(&mut set, "owner", "Actor", "the cafe\u{301} owner", 0);
    add(&mut set, "said1", "Cue", "said", 0);
    add(&mut set, "claim1", "Claim", "talks failed", 0);
    add(&mut set, "pm", "Actor", "Israeli PM Netanyahu", 0);
    add(&mut set, "bibi", "Actor", "Netanyahu", 0);
    add(&mut set, "office", "Actor", "Netanyahu's office", 0);
    add(&mut set, "cancel", "Event", "canceled the visit", 0);
    add(&mut set, "claim2", "Claim", "the visit, Netanyahu's office said", 0);
    set_attr(&mut set, "met", "modality", "occurred");
    set_attr(&mut set, "met", "place", "Kyiv city, 100% sure");
    set_attr(&mut set, "claim1", "stance", "affirm");
    let at = set.get(&id("met")).unwrap().modified;
    set.apply(Action::SetNote { id: id("met"), note: "first line\nsecond 👍".into(), at }).unwrap();
    let at = set.get(&id("claim1")).unwrap().modified;
    set.apply(Action::SetNote { id: id("claim1"), note: "second-hand 🇨🇳".into(), at }).unwrap();
    set.apply(Action::PutEntity(Entity { id: id("E1"), name: "Benjamin Netanyahu".into(), kind: "government official".into(), members: vec![id("bibi"), id("office")] })).unwrap();
    link(&mut set, "r1", "source", "met", "zel");
    link(&mut set, "r2", "target", "met", "xi");
    link(&mut set, "r3", "claimer", "claim1", "owner");
    link(&mut set, "r4", "cue", "claim1", "said1");
    link(&mut set, "r5", "about", "claim1", "met");
    link(&mut set, "r6", "source", "cancel", "E1");
    set.check_invariants().unwrap();
    (doc, set)
}

fn import(bytes: &[u8], name: &str, current: &Document) -> Result<Imported, ImportError> {
    formats::import(bytes, name, &Schema::news(), current)
}

/// Exports in `format` and imports the main file back, against `doc` as the open document.
fn round_trip(format: Format, doc: &Document, set: &AnnotationSet) -> (formats::Exported, Imported) {
    let out = formats::export(format, doc, set);
    let (name, _, bytes) = &out.files[0];
    let back = import(bytes, name, doc).unwrap_or_else(|e| panic!("{format:?}: {e}"));
    assert!(back.refused.is_empty(), "{format:?} refused its own export: {:#?}", back.refused);
    back.annotations.check_invariants().unwrap();
    (out, back)
}

/// A set as lines that name annotations by span and label, not by id, so that
/// two sets compare by content. Each line's first word says what it is.
fn view(doc: &Document, set: &AnnotationSet) -> BTreeSet<String> {
    let span = |i: &AnnId| -> String {
        match (set.get(i), set.entity(i)) {
            (Some(a), _) => format!("{} {}..{} {:?}", a.label, a.span.start(), a.span.end(), doc.text().slice(a.span.start(), a.span.end()).unwrap()),
            (_, Some(e)) => format!("entity {:?}", e.name),
            _ => "?".into(),
        }
    };
    let mut out = BTreeSet::new();
    for a in set.items() {
        out.insert(format!("span {}", span(&a.id)));
        out.insert(format!("id {} = {}", span(&a.id), a.id));
        out.insert(format!("time {} {:?} {:?}", span(&a.id), a.created, a.modified));
        for (k, v) in &a.attrs {
            out.insert(format!("attr {} {k}={v:?}", span(&a.id)));
        }
        if !a.note.is_empty() {
            out.insert(format!("note {} {:?}", span(&a.id), a.note));
        }
    }
    for r in set.relations() {
        out.insert(format!("rel {} {} -> {}", r.kind, span(&r.from), span(&r.to)));
    }
    for e in set.entities() {
        let mut members: Vec<String> = e.members.iter().map(&span).collect();
        members.sort();
        out.insert(format!("entity {:?} {:?} {members:?}", e.name, e.kind));
    }
    out
}

/// Asserts that going through a format lost exactly the lines `lost` selects and
/// gained exactly `gained`.
fn assert_loss(format: Format, before: &BTreeSet<String>, after: &BTreeSet<String>, lost: impl Fn(&str) -> bool, gained: &[&str]) {
    let really_lost: Vec<&String> = before.difference(after).collect();
    let expected_lost: Vec<&String> = before.iter().filter(|l| lost(l)).collect();
    assert_eq!(really_lost, expected_lost, "{format:?}: what was lost");
    // Lost ids and times come back as new ids and zero times: not a gain to list.
    let renewed = |l: &str| ["id ", "time "].iter().any(|p| l.starts_with(p) && expected_lost.iter().any(|x| x.starts_with(p)));
    let really_gained: Vec<&str> = after.difference(before).map(String::as_str).filter(|l| !renewed(l)).collect();
    let mut gained: Vec<&str> = gained.to_vec();
    gained.sort();
    assert_eq!(really_gained, gained, "{format:?}: what changed");
}

/// A span as [`view`] names it.
fn named(label: &str, needle: &str) -> String {
    let (s, e) = find(needle, 0);
    format!("{label} {s}..{e} {needle:?}")
}

/// The relation to the entity, as the model holds it.
fn to_entity() -> String {
    format!("rel source {} -> entity \"Benjamin Netanyahu\"", named("Event", "canceled the visit"))
}

/// The same relation in a format without entities: it points at the first mention.
fn to_mention() -> String {
    format!("rel source {} -> {}", named("Event", "canceled the visit"), named("Actor", "Netanyahu"))
}

fn starts(prefixes: &'static [&'static str]) -> impl Fn(&str) -> bool {
    move |l: &str| prefixes.iter().any(|p| l.starts_with(p))
}

#[test]
fn native_round_trip_loses_nothing() {
    let (doc, set) = rich();
    let (out, back) = round_trip(Format::Native, &doc, &set);
    assert!(out.notes.is_empty());
    assert_eq!(back.annotations, set);
    assert_eq!(out.files[0].0, format!("{}.spantag.json", doc.slug()));
}

#[test]
fn w3c_round_trip_loses_nothing_but_needs_the_document() {
    let (doc, set) = rich();
    let (out, back) = round_trip(Format::W3c, &doc, &set);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    assert_eq!(back.annotations, set, "ids, times, attributes, notes, relations and entities all survive");
    assert_eq!(back.document, doc);
    assert!(out.files[0].0.ends_with(".w3c.jsonld"));
}

#[test]
fn brat_round_trip_loses_ids_times_entity_names_and_note_line_breaks() {
    let (doc, set) = rich();
    let (out, back) = round_trip(Format::Brat, &doc, &set);
    assert_eq!(back.document, doc, "the zip carries the exact text");
    let (before, after) = (view(&doc, &set), view(&doc, &back.annotations));
    let lost = |l: &str| {
        starts(&["id ", "time ", "entity "])(l) || l == to_entity() || l.starts_with("note Event 13..16")
    };
    let entity = format!("entity \"Netanyahu\" \"\" {:?}", [named("Actor", "Netanyahu's office"), named("Actor", "Netanyahu")]);
    let note = "note Event 13..16 \"met\" \"first line second 👍\"";
    assert_loss(Format::Brat, &before, &after, lost, &[&to_mention(), &entity, note]);
    let notes = out.notes.join("\n");
    assert!(notes.contains("Equiv") && notes.contains("line breaks"), "{notes}");
    assert!(out.files[0].0.ends_with(".brat.zip"));
}

#[test]
fn doccano_round_trips_lose_what_doccano_cannot_hold() {
    let (doc, set) = rich();
    let before = view(&doc, &set);
    let (out, back) = round_trip(Format::Doccano, &doc, &set);
    let lost = |l: &str| starts(&["id ", "time ", "entity ", "attr ", "note "])(l) || l == to_entity();
    assert_loss(Format::Doccano, &before, &view(&doc, &back.annotations), lost, &[&to_mention()]);
    assert!(out.notes.iter().any(|n| n.contains("attributes: 3 left out")), "{:?}", out.notes);
    let (out, back) = round_trip(Format::DoccanoSeq, &doc, &set);
    let lost = |l: &str| starts(&["id ", "time ", "entity ", "attr ", "note ", "rel "])(l);
    assert_loss(Format::DoccanoSeq, &before, &view(&doc, &back.annotations), lost, &[]);
    assert!(out.notes.iter().any(|n| n.contains("relations: 6 left out")), "{:?}", out.notes);
    assert!(out.files[0].0.ends_with(".doccano-seq.jsonl"));
}

#[test]
fn label_studio_round_trip_keeps_ids_attributes_and_notes_and_writes_the_config() {
    let (doc, set) = rich();
    let (out, back) = round_trip(Format::LabelStudio, &doc, &set);
    let lost = |l: &str| starts(&["time ", "entity "])(l) || l == to_entity();
    assert_loss(Format::LabelStudio, &view(&doc, &set), &view(&doc, &back.annotations), lost, &[&to_mention()]);
    let (name, mime, xml) = &out.files[1];
    assert!(name.ends_with(".labelstudio-config.xml") && *mime == "application/xml");
    let xml = String::from_utf8(xml.clone()).unwrap();
    for needle in ["<Labels name=\"label\" toName=\"text\">", "<Label value=\"Actor\" background=\"#2563eb\"/>", "<Relation value=\"claimer\"/>", "<Choices name=\"modality\"", "<TextArea name=\"note\"", "<Text name=\"text\" value=\"$text\"/>"] {
        assert!(xml.contains(needle), "{needle} in {xml}");
    }
}

#[test]
fn prodigy_round_trip_keeps_spans_and_relations() {
    let (doc, set) = rich();
    let (_, back) = round_trip(Format::Prodigy, &doc, &set);
    let lost = |l: &str| starts(&["id ", "time ", "entity ", "attr ", "note "])(l) || l == to_entity();
    assert_loss(Format::Prodigy, &view(&doc, &set), &view(&doc, &back.annotations), lost, &[&to_mention()]);
}

#[test]
fn conll_names_every_span_it_leaves_out_and_why() {
    let (doc, set) = rich();
    let (out, back) = round_trip(Format::Conll, &doc, &set);
    let lost = |l: &str| {
        starts(&["id ", "time ", "entity ", "attr ", "note ", "rel "])(l)
            || l.contains(&named("Actor", "Netanyahu"))
            || l.contains(&named("Claim", "the visit, Netanyahu's office said"))
    };
    assert_loss(Format::Conll, &view(&doc, &set), &view(&doc, &back.annotations), lost, &[]);
    let left_out: Vec<&String> = out.notes.iter().filter(|n| n.starts_with("Left out")).collect();
    assert_eq!(left_out.len(), 2, "{:#?}", out.notes);
    let (bibi, pm, claim, cancel) = (find("Netanyahu", 0), find("Israeli PM Netanyahu", 0), find("the visit, Netanyahu's office said", 0), find("canceled the visit", 0));
    let want = format!("Left out Actor “Netanyahu” ({}–{}): it is nested in Actor “Israeli PM Netanyahu” ({}–{}), which is kept", bibi.0, bibi.1, pm.0, pm.1);
    assert!(left_out[0].starts_with(&want), "{}", left_out[0]);
    let want = format!("Left out Claim “the visit, Netanyahu's office said” ({}–{}): it overlaps Event “canceled the visit” ({}–{})", claim.0, claim.1, cancel.0, cancel.1);
    assert!(left_out[1].starts_with(&want), "{}", left_out[1]);
    assert!(out.notes[0].starts_with("2 of 11 spans are left out"), "{:?}", out.notes);
    assert!(out.notes.iter().any(|n| n.contains("relations: 6 left out")));
}

/// Each exported quote equals the text sliced in the format's own offset unit.
#[test]
fn offsets_are_right_in_each_format_unit_on_emoji_cjk_and_combining_marks() {
    let (doc, set) = rich();
    let quotes: BTreeSet<String> = set.items().iter().map(|a| doc.text().slice(a.span.start(), a.span.end()).unwrap().to_owned()).collect();
    let main = |f: Format| String::from_utf8(formats::export(f, &doc, &set).files[0].2.clone()).unwrap();
    let utf16: Vec<u16> = TEXT.encode_utf16().collect();
    let slice16 = |s: u64, e: u64| String::from_utf16(&utf16[s as usize..e as usize]).unwrap();
    let cp = |s: &Value, e: &Value| slice_cp(TEXT, s.as_u64().unwrap() as usize, e.as_u64().unwrap() as usize).unwrap().to_owned();

    // W3C: TextPositionSelector in code points, against the TextQuoteSelector.
    let w3c: Value = serde_json::from_str(&main(Format::W3c)).unwrap();
    let mut n = 0;
    for item in w3c["first"]["items"].as_array().unwrap().iter().filter(|i| i["motivation"] == "tagging") {
        let sel = &item["target"]["selector"];
        assert_eq!(cp(&sel[1]["start"], &sel[1]["end"]), sel[0]["exact"].as_str().unwrap());
        n += 1;
    }
    assert_eq!(n, set.len());

    // brat: T lines in code points against their text (fragments joined by a space).
    let zip = formats::export(Format::Brat, &doc, &set).files[0].2.clone();
    let files = brat::unzip(&zip).unwrap();
    assert_eq!(files[0].1, TEXT.as_bytes(), "the .txt is the exact text");
    let ann = String::from_utf8(files[1].1.clone()).unwrap();
    for line in ann.lines().filter(|l| l.starts_with('T')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let offsets = cols[1].split_once(' ').unwrap().1;
        let parts: Vec<&str> = offsets.split(';').map(|f| {
            let (s, e) = f.split_once(' ').unwrap();
            slice_cp(TEXT, s.parse().unwrap(), e.parse().unwrap()).unwrap()
        }).collect();
        assert_eq!(parts.join(" "), cols[2]);
        assert!(quotes.contains(&parts.join(" ")) || quotes.iter().any(|q| q.replace('\n', " ") == cols[2]));
    }

    // doccano: UTF-16 code units.
    for f in [Format::Doccano, Format::DoccanoSeq] {
        let line: Value = serde_json::from_str(main(f).trim()).unwrap();
        let got: BTreeSet<String> = if f == Format::Doccano {
            line["entities"].as_array().unwrap().iter().map(|e| slice16(e["start_offset"].as_u64().unwrap(), e["end_offset"].as_u64().unwrap())).collect()
        } else {
            line["label"].as_array().unwrap().iter().map(|e| slice16(e[0].as_u64().unwrap(), e[1].as_u64().unwrap())).collect()
        };
        assert_eq!(got, quotes, "{f:?}");
    }
    let doccano: Value = serde_json::from_str(main(Format::Doccano).trim()).unwrap();
    let xi = doccano["entities"].as_array().unwrap().iter().find(|e| slice16(e["start_offset"].as_u64().unwrap(), e["end_offset"].as_u64().unwrap()) == "習近平").unwrap();
    assert_eq!((xi["start_offset"].as_u64(), find("習近平", 0).0), (Some(19), 17), "the flag is 2 code points but 4 UTF-16 units");

    // Label Studio: code points, against value.text.
    let ls: Value = serde_json::from_str(&main(Format::LabelStudio)).unwrap();
    let mut got = BTreeSet::new();
    for r in ls[0]["annotations"][0]["result"].as_array().unwrap().iter().filter(|r| r["type"] == "labels") {
        assert_eq!(cp(&r["value"]["start"], &r["value"]["end"]), r["value"]["text"].as_str().unwrap());
        got.insert(r["value"]["text"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, quotes);

    // Prodigy: code points; tokens are slices too, spans sit on token edges, token_end is inclusive.
    let p: Value = serde_json::from_str(main(Format::Prodigy).trim()).unwrap();
    let tokens = p["tokens"].as_array().unwrap();
    for t in tokens {
        assert_eq!(cp(&t["start"], &t["end"]), t["text"].as_str().unwrap());
    }
    assert!(tokens.iter().any(|t| t["text"] == "👩\u{200d}👩\u{200d}👧"), "a ZWJ family is one token");
    assert!(tokens.iter().any(|t| t["text"] == "cafe\u{301}"), "a combining mark stays with its letter");
    let mut got = BTreeSet::new();
    for s in p["spans"].as_array().unwrap() {
        let (ts, te) = (&tokens[s["token_start"].as_u64().unwrap() as usize], &tokens[s["token_end"].as_u64().unwrap() as usize]);
        assert_eq!((&ts["start"], &te["end"]), (&s["start"], &s["end"]), "token_end is inclusive");
        got.insert(cp(&s["start"], &s["end"]));
    }
    assert_eq!(got, quotes);

    // CoNLL: the tokens of each B-/I- run, rejoined with the text between them, are a kept span.
    let conll = main(Format::Conll);
    let (mut pos, mut runs, mut cur): (usize, Vec<String>, Option<(usize, usize)>) = (0, Vec::new(), None);
    for line in conll.lines().filter(|l| !l.is_empty()) {
        let (tok, tag) = line.split_once('\t').unwrap();
        let at = pos + TEXT[pos..].find(tok).unwrap();
        pos = at + tok.len();
        match (tag.chars().next(), cur) {
            (Some('I'), Some((s, _))) => cur = Some((s, pos)),
            (Some('B'), _) => {
                runs.extend(cur.map(|(s, e)| TEXT[s..e].to_owned()));
                cur = Some((at, pos));
            }
            _ => runs.extend(cur.take().map(|(s, e)| TEXT[s..e].to_owned())),
        }
    }
    runs.extend(cur.map(|(s, e)| TEXT[s..e].to_owned()));
    let kept: BTreeSet<String> = quotes.iter().filter(|q| *q != "Netanyahu" && !q.starts_with("the visit")).cloned().collect();
    assert_eq!(runs.iter().cloned().collect::<BTreeSet<_>>(), kept);
}

#[test]
fn w3c_export_validates_against_the_w3c_schemas() {
    let (doc, set) = rich();
    let out = formats::export(Format::W3c, &doc, &set);
    let path = std::env::temp_dir().join(format!("spantag-w3c-{}.jsonld", std::process::id()));
    std::fs::write(&path, &out.files[0].2).unwrap();
    let run = std::process::Command::new("python3").arg("tests/w3c_validate.py").arg(&path).output().expect("python3 runs");
    let _ = std::fs::remove_file(&path);
    assert!(run.status.success(), "W3C validation failed:\n{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    // The validator does reject a broken annotation.
    let mut v: Value = serde_json::from_slice(&out.files[0].2).unwrap();
    v["first"]["items"][0]["target"]["selector"][1]["start"] = "zero".into();
    v["first"]["items"][1]["id"] = "not a uri".into();
    let path = std::env::temp_dir().join(format!("spantag-w3c-bad-{}.jsonld", std::process::id()));
    std::fs::write(&path, v.to_string()).unwrap();
    let run = std::process::Command::new("python3").arg("tests/w3c_validate.py").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(!run.status.success() && report.contains("TextPositionSelector") && report.contains("3.1-annotationIdValidated"), "{report}");
}

#[test]
fn every_format_has_a_name_an_id_and_a_file_name_that_says_the_format() {
    for f in Format::ALL {
        assert_eq!(Format::from_id(f.id()), Some(f));
        let names = f.file_names("story");
        assert!(names[0].starts_with("story.") && names[0].len() > "story.".len());
        let (doc, set) = rich();
        let out = formats::export(f, &doc, &set);
        assert_eq!(out.files.iter().map(|x| x.0.clone()).collect::<Vec<_>>(), f.file_names(&doc.slug()));
        assert_eq!(formats::detect(&out.files[0].2, &out.files[0].0), Some(if f == Format::DoccanoSeq { Format::DoccanoSeq } else { f }), "{f:?}");
    }
    assert_eq!(Format::W3c.name(), "W3C Web Annotation");
    assert_eq!(Format::Brat.name(), "brat standoff (zip)");
}

// Bad files: a clear, itemised report, and nothing half-imported.

fn err(bytes: &[u8], name: &str, current: &Document) -> String {
    import(bytes, name, current).map(|i| format!("imported {} annotations", i.annotations.len())).unwrap_or_else(|e| e.to_string())
}

#[test]
fn wrong_shapes_are_refused_whole_with_a_reason() {
    let doc = Document::from_text(TEXT);
    assert!(err(br#"{"@context":"http://www.w3.org/ns/anno.jsonld","type":"Thing"}"#, "x.jsonld", &doc).contains("not a valid W3C Web Annotation file"));
    assert!(err(b"{\"entities\": 5}\n", "x.jsonl", &doc).contains("no \"text\""));
    assert!(err(b"{\"text\": \"abc\", \"entities\": [}\n", "x.jsonl", &doc).contains("line 1 is not JSON"));
    assert!(err(br#"[{"data": {"text": "a"}, "annotations": 3}]"#, "x.json", &doc).contains("imported 0"), "no annotations is an empty import");
    assert!(err(b"PK\x05\x06garbage", "x.zip", &doc).contains("brat"));
    assert!(err(b"hello world", "x.txt", &doc).contains("does not recognise"));
    assert!(err(b"Zelenskyy\n", "x.conll", &doc).contains("no tag"));
    let deep = format!("{{\"text\": \"a\", \"entities\": {}{}}}", "[".repeat(100), "]".repeat(100));
    assert!(err(deep.as_bytes(), "x.jsonl", &doc).contains("deeper than"));
    let deflated = std::fs::read("tests/fixtures/brat/news-deflated.zip").unwrap();
    assert!(err(&deflated, "news.zip", &doc).contains("compressed; spantag reads zips stored without compression"));
}

#[test]
fn bad_items_are_itemised_and_the_rest_import() {
    let (doc, set) = rich();
    // doccano: an entity past the end, one that splits the flag emoji, a relation to nothing.
    let mut d: Value = serde_json::from_slice(&formats::export(Format::Doccano, &doc, &set).files[0].2).unwrap();
    d["entities"][0]["end_offset"] = 9999.into();
    d["entities"][1]["start_offset"] = 11.into();
    d["relations"][0]["to_id"] = 777.into();
    let back = import(format!("{d}\n").as_bytes(), "x.doccano.jsonl", &doc).unwrap();
    let reasons: Vec<String> = back.refused.iter().map(ToString::to_string).collect();
    assert!(reasons[0].starts_with("entity 1 (\"1\"): offsets 0..9999 are outside the text"), "{reasons:#?}");
    assert!(reasons[1].contains("split a character in two"), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.starts_with("relation 1") && r.contains("from_id and to_id")), "{reasons:#?}");
    assert_eq!(back.annotations.len(), set.len() - 2);
    // Label Studio: a quote that does not match the text.
    let mut ls: Value = serde_json::from_slice(&formats::export(Format::LabelStudio, &doc, &set).files[0].2).unwrap();
    ls[0]["annotations"][0]["result"][0]["value"]["text"] = "Putin".into();
    let back = import(ls.to_string().as_bytes(), "x.labelstudio.json", &doc).unwrap();
    assert!(back.refused[0].to_string().contains("its text \"Putin\" does not match the document at 0..9, which is \"Zelenskyy\""), "{:?}", back.refused);
    assert!(back.refused.iter().any(|r| r.reason.contains("not a region")), "its relation goes with it, and says so: {:?}", back.refused);
    // brat: a T line whose text is not the text, and a discontinuous span.
    let ann = "T1\tActor 0 9\tPutin\nT2\tActor 0 3;17 20\tZel 習近平\nT3\tEvent 13 16\tmet\n";
    let zip = brat::zip_stored(&[("d.txt".into(), TEXT.as_bytes().to_vec()), ("d.ann".into(), ann.as_bytes().to_vec())]);
    let back = import(&zip, "d.zip", &doc).unwrap();
    let reasons: Vec<String> = back.refused.iter().map(ToString::to_string).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].starts_with("line 1 (\"T1\"): its text \"Putin\" does not match"), "{reasons:?}");
    assert!(reasons[1].contains("discontinuous"), "{reasons:?}");
    assert_eq!(back.annotations.len(), 1);
    // W3C: a position outside the text.
    let mut w: Value = serde_json::from_slice(&formats::export(Format::W3c, &doc, &set).files[0].2).unwrap();
    w["first"]["items"][0]["target"]["selector"][1]["end"] = 5000.into();
    let back = import(w.to_string().as_bytes(), "x.w3c.jsonld", &doc).unwrap();
    let past = format!("its position 0..5000 is past the end of the text ({} code points)", doc.len_cp());
    assert!(back.refused[0].to_string().contains(&past), "{:?}", back.refused);
}

#[test]
fn files_about_a_different_document_are_refused_clearly() {
    let (doc, set) = rich();
    let other = Document::from_text("A different story entirely, about nothing at all. It is long enough to hold every span, and then some more text to be sure of it, yes.");
    for f in [Format::W3c, Format::Conll] {
        let out = formats::export(f, &doc, &set);
        let e = import(&out.files[0].2, &out.files[0].0, &other).unwrap_err();
        assert!(matches!(e, ImportError::DifferentDocument(_)), "{f:?}: {e}");
        assert!(e.to_string().contains("different document"), "{e}");
    }
    // A W3C file from another tool, whose quotes are not in this text.
    let recogito = std::fs::read("tests/fixtures/w3c/news.jsonld").unwrap();
    let e = import(&recogito, "news.jsonld", &other).unwrap_err();
    assert!(matches!(e, ImportError::DifferentDocument(_)), "{e}");
    // A lone .ann.
    let ann = std::fs::read("tests/fixtures/brat/news.ann").unwrap();
    let e = import(&ann, "news.ann", &other).unwrap_err();
    assert!(e.to_string().contains("none of its 6 spans fits"), "{e}");
    // Formats that carry their text open as that document instead.
    let out = formats::export(Format::Prodigy, &doc, &set);
    let back = import(&out.files[0].2, &out.files[0].0, &other).unwrap();
    assert_eq!(back.document.text().as_str(), TEXT);
}

// Files written by the real tools.

fn fixture_doc() -> Document {
    Document::from_text(std::fs::read_to_string("tests/fixtures/brat/news.txt").unwrap())
}

/// What every fixture holds: six spans, with these labels and texts.
fn assert_six_spans(back: &Imported) {
    let got: Vec<(String, String)> = back
        .annotations
        .items()
        .iter()
        .map(|a| (a.label.clone(), back.document.text().slice(a.span.start(), a.span.end()).unwrap().to_owned()))
        .collect();
    let want: Vec<(String, String)> = [("Actor", "Zelenskyy"), ("Event", "met"), ("Actor", "習近平"), ("Actor", "the cafe\u{301} owner"), ("Cue", "said"), ("Claim", "talks failed")]
        .iter()
        .map(|(l, t)| ((*l).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(got, want);
}

fn rels(back: &Imported) -> Vec<String> {
    let set = &back.annotations;
    let text = |i: &AnnId| set.get(i).map(|a| back.document.text().slice(a.span.start(), a.span.end()).unwrap().to_owned()).unwrap_or_default();
    let mut out: Vec<String> = set.relations().iter().map(|r| format!("{} {} -> {}", r.kind, text(&r.from), text(&r.to))).collect();
    out.sort();
    out
}

#[test]
fn real_brat_files_import_from_a_zip_and_alone() {
    let doc = fixture_doc();
    let zip = std::fs::read("tests/fixtures/brat/news-stored.zip").unwrap();
    let back = import(&zip, "news.zip", &Document::from_text("something else")).unwrap();
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    assert_eq!(back.document.text().as_str(), doc.text().as_str());
    assert_six_spans(&back);
    assert_eq!(rels(&back), ["about talks failed -> met", "claimer talks failed -> the cafe\u{301} owner", "cue talks failed -> said", "source met -> Zelenskyy", "target met -> 習近平"]);
    let met = back.annotations.items().iter().find(|a| a.label == "Event").unwrap();
    assert_eq!(met.attrs.get("modality").map(String::as_str), Some("occurred"), "an attribute on the E line");
    let claim = back.annotations.items().iter().find(|a| a.label == "Claim").unwrap();
    assert_eq!((claim.attrs["stance"].as_str(), claim.note.as_str()), ("affirm", "second-hand report 🇨🇳"));
    let ann = std::fs::read("tests/fixtures/brat/news.ann").unwrap();
    let alone = import(&ann, "news.ann", &doc).unwrap();
    assert_eq!(alone.annotations, back.annotations);
}

#[test]
fn real_doccano_files_import_in_utf16_units() {
    let doc = fixture_doc();
    for name in ["news.jsonl", "news-seq.jsonl"] {
        let bytes = std::fs::read(format!("tests/fixtures/doccano/{name}")).unwrap();
        let back = import(&bytes, name, &doc).unwrap();
        assert!(back.refused.is_empty(), "{:?}", back.refused);
        assert_eq!(back.document, doc, "the same text keeps the open document");
        assert_six_spans(&back);
        let want: &[&str] = if name == "news.jsonl" { &["claimer talks failed -> the cafe\u{301} owner", "source met -> Zelenskyy", "target met -> 習近平"] } else { &[] };
        assert_eq!(rels(&back), want);
    }
}

#[test]
fn real_label_studio_export_imports_with_choices_notes_and_left_relations() {
    let bytes = std::fs::read("tests/fixtures/labelstudio/news.json").unwrap();
    let back = import(&bytes, "project-3-at-2024-03-26.json", &fixture_doc()).unwrap();
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    assert_six_spans(&back);
    assert_eq!(rels(&back), ["claimer talks failed -> the cafe\u{301} owner", "source met -> Zelenskyy"], "direction left is reversed");
    assert!(back.annotations.get(&id("mT4kP0c7")).is_some(), "region ids are kept");
    assert_eq!(back.annotations.get(&id("kL5mN8pR")).unwrap().note, "second-hand report 🇨🇳");
    assert_eq!(back.annotations.get(&id("mT4kP0c7")).unwrap().attrs["modality"], "occurred");
}

#[test]
fn real_prodigy_example_imports() {
    let bytes = std::fs::read("tests/fixtures/prodigy/news.jsonl").unwrap();
    let back = import(&bytes, "news.jsonl", &fixture_doc()).unwrap();
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    assert_six_spans(&back);
    assert_eq!(rels(&back), ["claimer talks failed -> the cafe\u{301} owner", "source met -> Zelenskyy"]);
}

#[test]
fn real_conll_2003_file_imports_against_the_open_document() {
    let bytes = std::fs::read("tests/fixtures/conll/news.conll").unwrap();
    let back = import(&bytes, "news.conll", &fixture_doc()).unwrap();
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    assert_six_spans(&back);
}

#[test]
fn recogito_and_hypothesis_style_w3c_imports_with_utf16_positions_and_quote_only_targets() {
    let bytes = std::fs::read("tests/fixtures/w3c/news.jsonld").unwrap();
    let doc = Document::from_text(std::fs::read_to_string("tests/fixtures/w3c/news.txt").unwrap());
    let back = import(&bytes, "news.jsonld", &doc).unwrap();
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    let texts: Vec<&str> = back.annotations.items().iter().map(|a| doc.text().slice(a.span.start(), a.span.end()).unwrap()).collect();
    assert_eq!(texts, ["Zelenskyy", "met", "習近平", "the cafe\u{301} owner"], "UTF-16 positions after the flag are read by their quote");
    assert_eq!(rels(&back), ["source met -> Zelenskyy"]);
    assert_eq!(back.annotations.get(&id("3")).unwrap().note, "checked 👍");
    assert_eq!(back.annotations.get(&id("1")).unwrap().created, Timestamp(1_711_447_200_000));
}

// Duplicate ids and duplicate keys (hostile input, case 5): a clear error, and
// nothing silently overwritten or attached to the wrong span.

/// The refusals of an import, as the person reads them.
fn refusals(back: &Imported) -> Vec<String> {
    back.refused.iter().map(ToString::to_string).collect()
}

/// The texts of an import's spans, in text order.
fn span_texts(back: &Imported) -> Vec<String> {
    back.annotations.items().iter().map(|a| back.document.text().slice(a.span.start(), a.span.end()).unwrap().to_owned()).collect()
}

#[test]
fn brat_duplicate_ids_are_refused_and_nothing_points_at_the_wrong_span() {
    let doc = Document::from_text(TEXT);
    let t = |label: &str, needle: &str| {
        let (s, e) = find(needle, 0);
        format!("{label} {s} {e}\t{needle}")
    };
    // Line 3 gives 習近平 the id of Zelenskyy's line 1: "Source:T1", the Equiv and
    // the note on T1 could mean either span.
    let ann = format!(
        "T1\t{}\nT2\t{}\nT1\t{}\nT4\t{}\nE1\tEvent:T2 Source:T1 Target:T4\n*\tEquiv T1 T4\n#1\tAnnotatorNotes T1\tchecked\nA1\tmodality E1 occurred\nA1\tpolarity E1 negative\nE2\tEvent:T1\nA2\tmodality E2 occurred\n",
        t("Actor", "Zelenskyy"),
        t("Event", "met"),
        t("Actor", "習近平"),
        t("Actor", "the cafe\u{301} owner")
    );
    let back = import(ann.as_bytes(), "d.ann", &doc).unwrap();
    back.annotations.check_invariants().unwrap();
    let why = refusals(&back);
    assert_eq!(span_texts(&back), ["Zelenskyy", "met", "the cafe\u{301} owner"], "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with("line 3 (\"T1\"): ") && r.contains("\"T1\" is already the id of line 1")), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with("line 5 (\"E1\"): ") && r.contains("\"T1\" is the id of 2 items of the file (line 1, line 3)")), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with("line 6") && r.contains("ambiguous")), "the Equiv: {why:#?}");
    assert!(why.iter().any(|r| r.starts_with("line 7 (\"#1\")") && r.contains("ambiguous")), "the note: {why:#?}");
    assert!(why.iter().any(|r| r.starts_with("line 9 (\"A1\")") && r.contains("already the id of line 8")), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with("line 10 (\"E2\"): ") && r.contains("ambiguous")), "a trigger: {why:#?}");
    assert!(why.iter().any(|r| r.starts_with("line 11 (\"A2\"): ") && r.contains("needs a name and a span of this file")), "an event refused: {why:#?}");
    assert_eq!(rels(&back), ["target met -> the cafe\u{301} owner"], "Source:T1 is refused, not guessed");
    assert!(back.annotations.entities().is_empty(), "the Equiv is refused, not guessed");
    assert!(back.annotations.items().iter().all(|a| a.note.is_empty()), "the note is refused, not guessed");
    let met = back.annotations.items().iter().find(|a| a.label == "Event").unwrap();
    assert_eq!(met.attrs.iter().collect::<Vec<_>>(), [(&"modality".to_owned(), &"occurred".to_owned())], "the first A1 imports, the second is refused");
}

#[test]
fn doccano_duplicate_entity_ids_are_refused_and_relations_to_them_too() {
    let (doc, set) = rich();
    let mut d: Value = serde_json::from_slice(&formats::export(Format::Doccano, &doc, &set).files[0].2).unwrap();
    let starts: Vec<i64> = d["entities"].as_array().unwrap().iter().map(|e| e["start_offset"].as_i64().unwrap()).collect();
    assert_eq!(&starts[..3], [0, 15, 19], "Zelenskyy, met, 習近平 (UTF-16: the flag is 4 units)");
    // 習近平 gets Zelenskyy's id: "source met -> 1" could mean either.
    d["entities"][2]["id"] = d["entities"][0]["id"].clone();
    let back = import(format!("{d}\n").as_bytes(), "x.doccano.jsonl", &doc).unwrap();
    back.annotations.check_invariants().unwrap();
    let why = refusals(&back);
    assert!(!span_texts(&back).contains(&"習近平".to_owned()), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with("entity 3 (\"1\"): ") && r.contains("\"1\" is already the id of entity 1")), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with("relation 1 (\"1\"): ") && r.contains("\"1\" is the id of 2 items of the file (entity 1, entity 3)")), "{why:#?}");
    assert!(!rels(&back).iter().any(|r| r.starts_with("source met")), "{:?}", rels(&back));
    // A relation id given twice.
    let mut d: Value = serde_json::from_slice(&formats::export(Format::Doccano, &doc, &set).files[0].2).unwrap();
    d["relations"][1]["id"] = d["relations"][0]["id"].clone();
    let back = import(format!("{d}\n").as_bytes(), "x.doccano.jsonl", &doc).unwrap();
    assert!(refusals(&back).iter().any(|r| r.starts_with("relation 2 (\"1\"): ") && r.contains("already the id of relation 1")), "{:#?}", back.refused);
}

#[test]
fn w3c_duplicate_iris_are_refused_and_links_to_them_too() {
    let (doc, set) = rich();
    let mut w: Value = serde_json::from_slice(&formats::export(Format::W3c, &doc, &set).files[0].2).unwrap();
    let iri = |i: &str| formats::w3c::item_iri(doc.id(), &id(i));
    let items = w["first"]["items"].as_array_mut().unwrap();
    let office = items.iter().position(|x| x["id"] == iri("office")).unwrap();
    // "Netanyahu's office" gets Zelenskyy's IRI: the link "source met -> zel" could mean either.
    items[office]["id"] = iri("zel").into();
    let back = import(w.to_string().as_bytes(), "x.w3c.jsonld", &doc).unwrap();
    back.annotations.check_invariants().unwrap();
    let why = refusals(&back);
    assert!(!span_texts(&back).contains(&"Netanyahu's office".to_owned()), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with(&format!("annotation {} (\"zel\"): ", office + 1)) && r.contains("is already the id of annotation 1")), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with("relation") && r.contains("ambiguous")), "{why:#?}");
    assert!(!rels(&back).iter().any(|r| r.starts_with("source met")), "{:?}", rels(&back));
}

#[test]
fn label_studio_duplicate_region_ids_are_refused_and_what_refers_to_them_too() {
    let (doc, set) = rich();
    let mut ls: Value = serde_json::from_slice(&formats::export(Format::LabelStudio, &doc, &set).files[0].2).unwrap();
    let results = ls[0]["annotations"][0]["result"].as_array_mut().unwrap();
    let xi = results.iter().position(|r| r["id"] == "xi").unwrap();
    // 習近平's region gets Zelenskyy's region id, with its own range.
    results[xi]["id"] = "zel".into();
    // A region with two labels results (two Labels tags) over the same range is one region, not a duplicate.
    let mut second = results.iter().find(|r| r["id"] == "claim1" && r["type"] == "labels").unwrap().clone();
    second["from_name"] = "label2".into();
    second["value"]["labels"] = serde_json::json!(["Event"]);
    results.push(second);
    let back = import(ls.to_string().as_bytes(), "x.labelstudio.json", &doc).unwrap();
    back.annotations.check_invariants().unwrap();
    let why = refusals(&back);
    assert!(!span_texts(&back).contains(&"習近平".to_owned()), "{why:#?}");
    assert!(why.iter().any(|r| r.starts_with(&format!("result {} (\"zel\"): ", xi + 1)) && r.contains("is already the id of result 1")), "{why:#?}");
    assert!(why.iter().any(|r| r.contains("\"zel\" is the id of 2 items of the file") && r.contains("ambiguous")), "{why:#?}");
    assert!(!rels(&back).iter().any(|r| r.starts_with("source met")), "{:?}", rels(&back));
    assert_eq!(back.annotations.items().iter().filter(|a| doc.text().slice(a.span.start(), a.span.end()) == Some("talks failed")).count(), 2, "{why:#?}");
}

#[test]
fn duplicate_json_keys_are_refused_in_every_json_format_with_the_key_and_the_line() {
    let (doc, set) = rich();
    let file = |f: Format| String::from_utf8(formats::export(f, &doc, &set).files[0].2.clone()).unwrap();
    let dup = |text: String, from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        text.replacen(from, to, 1)
    };
    let doccano = file(Format::Doccano);
    // W3C: the collection's "total" twice; the file is pretty-printed, so the line is
    // that of the key given again.
    let w3c = dup(file(Format::W3c), "\"total\": ", "\"total\": 1, \"total\": ");
    let w3c_line = format!("line {}, column", w3c.lines().position(|l| l.contains("\"total\": 1, \"total\"")).unwrap() + 1);
    let cases = [
        // doccano: a label given twice; serde_json::Value would keep the last one.
        ("doccano", "x.doccano.jsonl", dup(doccano.clone(), "\"label\":\"Actor\"", "\"label\":\"Actor\",\"label\":\"Claim\""), "label", "line 1"),
        // The same, in the second record of a file.
        ("doccano line 2", "x.doccano.jsonl", format!("{doccano}{}", dup(doccano.clone(), "\"label\":\"Actor\"", "\"label\":\"Actor\",\"label\":\"Claim\"")), "label", "line 2"),
        // doccano as a JSON array of records.
        ("doccano array", "x.doccano.jsonl", format!("[{}]", dup(doccano.trim().to_owned(), "\"start_offset\":0", "\"start_offset\":0,\"start_offset\":13")), "start_offset", "line 1"),
        ("doccano seq", "x.doccano-seq.jsonl", dup(file(Format::DoccanoSeq), "\"text\":", "\"text\":\"evil\",\"text\":"), "text", "line 1"),
        ("W3C", "x.w3c.jsonld", w3c, "total", w3c_line.as_str()),
        ("Label Studio", "x.labelstudio.json", dup(file(Format::LabelStudio), "\"start\": 0,", "\"start\": 0, \"start\": 13,"), "start", "line"),
        ("Prodigy", "x.prodigy.jsonl", dup(file(Format::Prodigy), "\"label\":\"Actor\"", "\"label\":\"Actor\",\"label\":\"Claim\""), "label", "line 1"),
    ];
    for (what, name, text, key, line) in cases {
        let e = import(text.as_bytes(), name, &doc).map(|b| format!("imported {:?}", span_texts(&b))).unwrap_or_else(|e| e.to_string());
        assert!(e.contains(&format!("the key \"{key}\" appears twice in one object")), "{what}: {e}");
        assert!(e.contains(line), "{what}: {e}");
        assert!(!e.contains(" at line "), "{what}: the position is said once: {e}");
    }
}

#[test]
fn w3c_utf16_positions_on_the_wrong_copy_of_the_quote_are_read_by_its_context() {
    // A Hypothesis-style annotation on the 2nd "no", in UTF-16 units (10..12); read as
    // code points, the same numbers are the 3rd "no". Its prefix and suffix say which.
    let text = "🇺🇦👍 no no no.";
    let doc = Document::from_text(text);
    let anno = |prefix: &str, suffix: &str| {
        serde_json::json!([{"@context": "http://www.w3.org/ns/anno.jsonld", "id": "https://hyp.example/1", "type": "Annotation",
            "body": [{"type": "TextualBody", "purpose": "tagging", "value": "Claim"}],
            "target": {"source": "https://news.example/x", "selector": [
                {"type": "TextQuoteSelector", "exact": "no", "prefix": prefix, "suffix": suffix},
                {"type": "TextPositionSelector", "start": 10, "end": 12}]}}])
        .to_string()
    };
    let back = import(anno("🇺🇦👍 no ", " no.").as_bytes(), "hyp.jsonld", &doc).unwrap();
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    let a = &back.annotations.items()[0];
    assert_eq!((a.span.start(), a.span.end()), (7, 9), "the 2nd \"no\", as its prefix and suffix say");
    // Context that fits the code-point reading keeps it.
    let back = import(anno("🇺🇦👍 no no ", ".").as_bytes(), "hyp.jsonld", &doc).unwrap();
    let a = &back.annotations.items()[0];
    assert_eq!((a.span.start(), a.span.end()), (10, 12));
    // No context: both readings are the quote, and nothing says which.
    let e = import(anno("", "").as_bytes(), "hyp.jsonld", &doc).map(|b| format!("imported {:?}", span_texts(&b))).unwrap_or_else(|e| e.to_string());
    assert!(e.contains("both as code points (10..12) and as UTF-16 code units (7..9 in code points)"), "{e}");
}

// Messages that quote text quote a short excerpt, never the whole document.

/// A long article (about 7,000 code points, no line breaks) with one span over
/// nearly all of it and one short span.
fn long_article() -> (Document, AnnotationSet) {
    let text = "Zelenskyy met 習近平 in Kyiv 🇺🇦; the cafe\u{301} owner said talks failed. ".repeat(120);
    let doc = Document::from_text(text.as_str());
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    set.apply(Action::Add(Annotation::new(id("zel"), "Actor", Span::new(0, 9, doc.len_cp()).unwrap(), Timestamp(1)))).unwrap();
    set.apply(Action::Add(Annotation::new(id("all"), "Claim", Span::new(10, doc.len_cp() - 1, doc.len_cp()).unwrap(), Timestamp(1)))).unwrap();
    (doc, set)
}

/// Every sentence an import gives, whole-file error or refusals.
fn messages(result: Result<Imported, ImportError>) -> Vec<String> {
    match result {
        Ok(back) => refusals(&back),
        Err(e) => vec![e.to_string()],
    }
}

/// Asserts that no message holds more than a short excerpt of the long text.
fn assert_short(what: &str, msgs: &[String]) {
    assert!(!msgs.is_empty(), "{what}: a message was expected");
    for m in msgs {
        assert!(m.chars().count() < 400, "{what}: a message of {} characters: {}…", m.chars().count(), m.chars().take(400).collect::<String>());
    }
}

#[test]
fn messages_quote_at_most_a_short_excerpt_of_the_text() {
    let (doc, set) = long_article();
    let len = doc.len_cp();
    let export = |f: Format| String::from_utf8(formats::export(f, &doc, &set).files[0].2.clone()).unwrap();
    let long = doc.text().slice(10, len - 1).unwrap();
    let wrong = format!("{long}!");
    // W3C: the end past the text says so, and quotes nothing.
    let mut w: Value = serde_json::from_str(&export(Format::W3c)).unwrap();
    w["first"]["items"][0]["target"]["selector"][1]["end"] = 99_999.into();
    let msgs = messages(import(w.to_string().as_bytes(), "x.w3c.jsonld", &doc));
    assert_short("W3C past the end", &msgs);
    assert!(msgs[0].contains(&format!("past the end of the text ({len} code points)")), "{msgs:?}");
    assert!(!msgs[0].contains("does not match"), "{msgs:?}");
    // W3C: a long quote that does not match.
    let mut w: Value = serde_json::from_str(&export(Format::W3c)).unwrap();
    w["first"]["items"][1]["target"]["selector"][0]["exact"] = wrong.as_str().into();
    let msgs = messages(import(w.to_string().as_bytes(), "x.w3c.jsonld", &doc));
    assert_short("W3C quote", &msgs);
    assert!(msgs[0].contains("does not match") && msgs[0].contains('…'), "{msgs:?}");
    // A W3C quote-only target whose long quote is not in the text.
    w["first"]["items"][1]["target"]["selector"].as_array_mut().unwrap().truncate(1);
    assert_short("W3C quote only", &messages(import(w.to_string().as_bytes(), "x.w3c.jsonld", &doc)));
    // Label Studio: value.text.
    let mut ls: Value = serde_json::from_str(&export(Format::LabelStudio)).unwrap();
    let results = ls[0]["annotations"][0]["result"].as_array_mut().unwrap();
    let r = results.iter_mut().find(|r| r["id"] == "all" && r["type"] == "labels").unwrap();
    r["value"]["text"] = wrong.as_str().into();
    assert_short("Label Studio", &messages(import(ls.to_string().as_bytes(), "x.labelstudio.json", &doc)));
    // Prodigy: a span's text.
    let mut p: Value = serde_json::from_str(&export(Format::Prodigy)).unwrap();
    p["spans"][1]["text"] = wrong.as_str().into();
    assert_short("Prodigy", &messages(import(format!("{p}\n").as_bytes(), "x.prodigy.jsonl", &doc)));
    // brat: a T line's text, in a zip and alone.
    let ann = export_brat_ann(&doc, &set).replace(&format!("\t{long}\n"), &format!("\t{}\n", wrong.replace(' ', "_")));
    assert_short("brat .ann", &messages(import(ann.as_bytes(), "x.ann", &doc)));
    let zip = brat::zip_stored(&[("d.txt".into(), doc.text().as_str().as_bytes().to_vec()), ("d.ann".into(), ann.into_bytes())]);
    assert_short("brat zip", &messages(import(&zip, "d.zip", &doc)));
    // brat: an end past the text.
    let ann = format!("T1\tActor 0 99999\t{long}\n");
    let msgs = messages(import(ann.as_bytes(), "x.ann", &doc));
    assert_short("brat past the end", &msgs);
    assert!(msgs[0].contains(&format!("past the end of the text ({len} code points)")), "{msgs:?}");
    // doccano: offsets outside the text.
    let mut d: Value = serde_json::from_str(&export(Format::Doccano)).unwrap();
    d["entities"][1]["end_offset"] = 99_999.into();
    assert_short("doccano", &messages(import(format!("{d}\n").as_bytes(), "x.doccano.jsonl", &doc)));
    // CoNLL: a long token that is not next in the text.
    let conll = format!("{}\tB-Actor\n", wrong.replace([' ', '\t'], "_"));
    assert_short("CoNLL", &messages(import(conll.as_bytes(), "x.conll", &doc)));
    // spantag JSON: a long quote that does not match.
    let mut n: Value = serde_json::from_str(&export(Format::Native)).unwrap();
    let all = n["annotations"].as_array_mut().unwrap().iter_mut().find(|a| a["id"] == "all").unwrap();
    all["quote"]["exact"] = wrong.as_str().into();
    assert_short("spantag JSON", &messages(import(n.to_string().as_bytes(), "x.spantag.json", &doc)));
}

/// The `.ann` of a brat export.
fn export_brat_ann(doc: &Document, set: &AnnotationSet) -> String {
    brat::export_ann(doc, set)
}

/// The files of a brat zip, by name.
fn brat_files(doc: &Document, set: &AnnotationSet) -> (String, String) {
    let zip = formats::export(Format::Brat, doc, set).files[0].2.clone();
    let files = brat::unzip(&zip).unwrap();
    let get = |suffix: &str| String::from_utf8(files.iter().find(|(n, _)| n.ends_with(suffix)).unwrap().1.clone()).unwrap();
    (get(".ann"), get("annotation.conf"))
}

/// brat has no free-text attribute type: every `A` line of the `.ann` names an
/// attribute that `annotation.conf` declares, with a value it lists, so that the
/// folder opens in brat as it is. Free-text attributes are `#` lines typed by the
/// attribute (shown by brat as "place: …"), and read back exactly.
#[test]
fn brat_attributes_are_all_declared_and_free_text_ones_round_trip_as_comments() {
    let (doc, mut set) = rich();
    let (ann, conf) = brat_files(&doc, &set);
    let section = conf.split("[attributes]\n").nth(1).unwrap();
    let declared: Vec<(&str, Vec<&str>)> = section
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, spec) = l.split_once('\t').unwrap();
            let values = spec.split(", ").find_map(|kv| kv.strip_prefix("Value:")).map(|v| v.split('|').collect()).unwrap_or_default();
            (name, values)
        })
        .collect();
    let mut n_a = 0;
    for line in ann.lines().filter(|l| l.starts_with('A')) {
        n_a += 1;
        let parts: Vec<&str> = line.split('\t').nth(1).unwrap().split(' ').collect();
        let (name, value) = (parts[0], parts.get(2).copied());
        let Some((_, values)) = declared.iter().find(|(n, _)| *n == name) else { panic!("{line:?}: {name} is not declared in\n{conf}") };
        if let Some(v) = value {
            assert!(values.contains(&v), "{line:?}: {v} is not a declared value of {name}: {values:?}");
        }
    }
    assert_eq!(n_a, 2, "modality and stance:\n{ann}");
    assert!(ann.lines().any(|l| l == "#3\tplace E1\tKyiv city, 100% sure"), "{ann}");
    for line in ann.lines().filter(|l| l.starts_with('#')) {
        let kind = line.split('\t').nth(1).unwrap().split(' ').next().unwrap();
        assert!(["AnnotatorNotes", "place", "time"].contains(&kind), "{line}");
    }
    // Tabs, line breaks and percent signs in a free-text value survive the round trip.
    set_attr(&mut set, "met", "time", "Monday\t10:00\nlocal %20 time");
    let (_, back) = round_trip(Format::Brat, &doc, &set);
    let met = back.annotations.items().iter().find(|a| a.label == "Event" && a.span.start() == find("met", 0).0).unwrap();
    assert_eq!(met.attrs.get("time").map(String::as_str), Some("Monday\t10:00\nlocal %20 time"));
    assert_eq!(met.attrs.get("place").map(String::as_str), Some("Kyiv city, 100% sure"));
    // Files that an older spantag wrote, with free text as an A line, still import.
    let (s, e) = find("met", 0);
    let old = format!("T1\tEvent {s} {e}\tmet\nE1\tEvent:T1\nA1\tplace E1 Kyiv,%20centre\n");
    let back = import(old.as_bytes(), "old.ann", &doc).unwrap();
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    assert_eq!(back.annotations.items()[0].attrs.get("place").map(String::as_str), Some("Kyiv, centre"));
}

/// Prodigy's tokens rebuild the text exactly, as spaCy's do: `ws` is a single
/// space after a token, and any other whitespace (a line break, a paragraph break,
/// two spaces, a tab) is a whitespace token of its own. The import reads it back.
#[test]
fn prodigy_tokens_and_ws_rebuild_the_text_exactly() {
    let text = "  Zelenskyy 🇺🇦 met 習近平 in Kyiv.\n\nThe  cafe\u{301} owner\tsaid 👩\u{200d}👩\u{200d}👧 talks \t failed.\r\nEnd. \n";
    let doc = Document::from_text(text);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    let at = |needle: &str| {
        let byte = text.find(needle).unwrap();
        let s = cp_len(&text[..byte]);
        (s, s + cp_len(needle))
    };
    for (i, (label, needle)) in [("Actor", "Zelenskyy"), ("Event", "met"), ("Actor", "習近平"), ("Actor", "The  cafe\u{301} owner"), ("Claim", "talks \t failed")].iter().enumerate() {
        let (s, e) = at(needle);
        set.apply(Action::Add(Annotation::new(id(&format!("a{i}")), *label, Span::new(s, e, doc.len_cp()).unwrap(), Timestamp(0)))).unwrap();
    }
    set.apply(Action::Link(Relation { id: id("r1"), kind: "source".into(), from: id("a1"), to: id("a0") })).unwrap();
    let out = formats::export(Format::Prodigy, &doc, &set);
    let line: Value = serde_json::from_slice(&out.files[0].2).unwrap();
    let tokens = line["tokens"].as_array().unwrap();
    let rebuilt: String = tokens.iter().map(|t| format!("{}{}", t["text"].as_str().unwrap(), if t["ws"] == true { " " } else { "" })).collect();
    assert_eq!(rebuilt, text, "tokens + ws rebuild the text");
    for (i, t) in tokens.iter().enumerate() {
        let (s, e) = (t["start"].as_u64().unwrap() as usize, t["end"].as_u64().unwrap() as usize);
        assert_eq!(t["text"].as_str(), Some(slice_cp(text, s, e).unwrap()), "token {i}");
        assert_eq!(t["id"], i, "token {i}");
        let tok = t["text"].as_str().unwrap();
        if tok.chars().all(char::is_whitespace) {
            assert!(t["ws"] == false, "no ws follows a whitespace token: {t}");
        }
    }
    let texts: Vec<&str> = tokens.iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"\n\n") && texts.contains(&"\t") && texts.contains(&" ") && texts.contains(&"\r\n"), "{texts:?}");
    assert_eq!(texts[0], "  ", "leading whitespace is a token");
    let kyiv = texts.iter().position(|t| *t == "Kyiv").unwrap();
    assert_eq!((texts[kyiv + 1], tokens[kyiv + 1]["ws"].as_bool(), texts[kyiv + 2]), (".", Some(false), "\n\n"), "no ws before a line break");
    // Each span's tokens are its text.
    for s in line["spans"].as_array().unwrap() {
        let (ts, te) = (s["token_start"].as_u64().unwrap() as usize, s["token_end"].as_u64().unwrap() as usize);
        assert_eq!(tokens[ts]["start"], s["start"]);
        assert_eq!(tokens[te]["end"], s["end"]);
    }
    // And the import reads it back.
    let (_, back) = round_trip(Format::Prodigy, &doc, &set);
    let lost = |l: &str| starts(&["id "])(l); // Times are 0 here, as Prodigy gives them.
    assert_loss(Format::Prodigy, &view(&doc, &set), &view(&doc, &back.annotations), lost, &[]);
}
