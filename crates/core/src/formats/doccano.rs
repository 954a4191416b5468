//! doccano JSONL, in its two shapes: relation extraction (`entities` with
//! `start_offset`/`end_offset`, `relations` with `from_id`/`to_id`/`type`) and
//! sequence labelling (`label: [[start, end, "Label"]]`).
//!
//! Offsets are **UTF-16 code units**, as doccano's browser UI counts them; on text
//! with no character outside the Basic Multilingual Plane they equal code points.
//! The hard part is reading them back: an offset inside a surrogate pair (half an
//! emoji) cannot be a code point boundary, and is refused with its reason rather
//! than rounded. doccano has no place for notes, attributes, entities or times,
//! and its ids are numbers; the sequence shape also has no relations. Relations
//! are written, unlike doccano's own exports that drop them (doccano #1491, #2039).
//! An entity id given twice is refused, and so is every relation naming it, since
//! which span it means is ambiguous; a relation id given twice is refused too.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{json, Value};

use super::toolkit::{as_offset, mention_of, parse_records, pick_record, Builder, FileIds, Holds, ImportError, Imported};
use super::{FileSpec, FormatDef, FormatInfo, Reader, Rule, Written};
use crate::model::offsets::Bias;
use crate::model::{AnnId, AnnotationSet, Document, Schema, Timestamp};

/// What the relation-extraction shape holds: spans with labels, and relations.
pub(crate) const LOSES: Holds = Holds { ids: false, notes: false, attrs: false, relations: true, entities: false, times: false };
/// What the sequence-labelling shape holds: spans with labels.
pub(crate) const LOSES_SEQ: Holds = Holds { relations: false, ..LOSES };

/// The relation-extraction shape's name, in the menu and in messages (also those
/// about a file of either shape: one reader reads both).
pub const NAME: &str = "doccano JSONL (relations)";
/// The sequence-labelling shape's name, in the menu.
pub const NAME_SEQ: &str = "doccano JSONL (sequence labelling)";

/// The relation-extraction shape's row in the registry.
pub const DEF: FormatDef = FormatDef {
    info: FormatInfo {
        id: "doccano",
        name: NAME,
        tool: "doccano",
        files: &[FileSpec { suffix: ".doccano.jsonl", mime: "application/jsonl" }],
        holds: LOSES,
        detect: &[Rule { precedence: 30, test: |h| h.has_key("entities") || h.has_key("relations") }],
    },
    import: Some(Reader::Text(import)),
    export: |doc, set| Written { files: vec![export(doc, set).into_bytes()], notes: LOSES.notes(set, "doccano JSONL") },
};

/// The sequence-labelling shape's row in the registry. Its files are read by the
/// same reader as the other shape's.
pub const DEF_SEQ: FormatDef = FormatDef {
    info: FormatInfo {
        id: "doccano-seq",
        name: NAME_SEQ,
        tool: "doccano",
        files: &[FileSpec { suffix: ".doccano-seq.jsonl", mime: "application/jsonl" }],
        holds: LOSES_SEQ,
        detect: &[Rule { precedence: 20, test: |h| h.has_key("label") || h.has_key("labels") }],
    },
    import: Some(Reader::Text(import)),
    export: |doc, set| Written { files: vec![export_seq(doc, set).into_bytes()], notes: LOSES_SEQ.notes(set, "doccano sequence labelling") },
};

fn utf16(doc: &Document, cp: usize) -> usize {
    doc.text().utf16_of(cp).expect("annotations in a set are within the text")
}

/// Writes the relation-extraction shape: one line for the document.
pub fn export(doc: &Document, set: &AnnotationSet) -> String {
    let num: BTreeMap<&AnnId, usize> = set.items().iter().enumerate().map(|(i, a)| (&a.id, i + 1)).collect();
    let entities: Vec<Value> = set
        .items()
        .iter()
        .map(|a| json!({"id": num[&a.id], "label": a.label, "start_offset": utf16(doc, a.span.start()), "end_offset": utf16(doc, a.span.end())}))
        .collect();
    let relations: Vec<Value> = set
        .relations()
        .iter()
        .filter_map(|r| Some((r, mention_of(set, &r.to)?)))
        .enumerate()
        .map(|(i, (r, to))| json!({"id": i + 1, "from_id": num[&r.from], "to_id": num[&to.id], "type": r.kind}))
        .collect();
    let line = json!({"id": 1, "text": doc.text().as_str(), "entities": entities, "relations": relations, "Comments": []});
    format!("{line}\n")
}

/// Writes the sequence-labelling shape: one line for the document.
pub fn export_seq(doc: &Document, set: &AnnotationSet) -> String {
    let label: Vec<Value> = set.items().iter().map(|a| json!([utf16(doc, a.span.start()), utf16(doc, a.span.end()), a.label])).collect();
    let line = json!({"id": 1, "text": doc.text().as_str(), "label": label, "Comments": []});
    format!("{line}\n")
}

/// Reads either shape. A file of several documents imports the one whose text is
/// the current document's (else the first); the others are reported.
///
/// # Errors
/// [`ImportError`] if it is not doccano JSONL.
pub fn import(text: &str, schema: &Rc<Schema>, current: &Document) -> Result<Imported, ImportError> {
    let name = NAME;
    let records = parse_records(text, NAME)?;
    let (record, refused_docs) = pick_record(records, |r| r.get("text").and_then(Value::as_str), current, NAME)?;
    let doc_text = record.get("text").and_then(Value::as_str).ok_or_else(|| ImportError::Invalid(name, "a record has no \"text\"".into()))?;
    let mut b = Builder::new(doc_text, current, schema);
    for r in refused_docs {
        b.refuse(r.kind, r.index, r.id, r.reason);
    }
    let zero = (Timestamp(0), Timestamp(0));
    let mut ids: BTreeMap<String, AnnId> = BTreeMap::new();
    let seq = record.get("label").or_else(|| record.get("labels")).filter(|l| l.as_array().is_some_and(|a| a.iter().all(Value::is_array)));
    if let Some(Value::Array(items)) = seq {
        for (index, item) in items.iter().enumerate() {
            let parts = item.as_array().map(Vec::as_slice).unwrap_or(&[]);
            match parts {
                [s, e, l] => match (as_offset(s), as_offset(e), l.as_str()) {
                    (Some(s), Some(e), Some(l)) => {
                        add(&mut b, index, None, l, s, e, zero);
                    }
                    _ => b.refuse("span", index, None, "not [start, end, \"Label\"]"),
                },
                _ => b.refuse("span", index, None, "not [start, end, \"Label\"]"),
            }
        }
    } else if let Some(Value::Array(entities)) = record.get("entities") {
        let relations = record.get("relations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        // Entity ids and relation ids are two tables; relations name entities only.
        let entity_ids = FileIds::new(entities.iter().enumerate().filter_map(|(i, e)| Some((id_text(e.get("id")?), "entity", i))));
        let relation_ids = FileIds::new(relations.iter().enumerate().filter_map(|(i, r)| Some((id_text(r.get("id")?), "relation", i))));
        for (index, e) in entities.iter().enumerate() {
            let id = e.get("id").map(id_text);
            if let Some(why) = id.as_deref().and_then(|i| entity_ids.repeat(i, "entity", index)) {
                b.refuse("entity", index, id, why);
                continue;
            }
            let (s, end, l) = (e.get("start_offset").and_then(as_offset), e.get("end_offset").and_then(as_offset), e.get("label").and_then(Value::as_str));
            let (Some(s), Some(end), Some(l)) = (s, end, l) else {
                b.refuse("entity", index, id, "it needs start_offset, end_offset and label");
                continue;
            };
            if let Some(new) = add(&mut b, index, id.as_deref(), l, s, end, zero) {
                if let Some(id) = id {
                    ids.insert(id, new);
                }
            }
        }
        for (index, r) in relations.iter().enumerate() {
            let key = |k: &str| r.get(k).map(id_text);
            let id = key("id");
            if let Some(why) = id.as_deref().and_then(|i| relation_ids.repeat(i, "relation", index)) {
                b.refuse("relation", index, id, why);
                continue;
            }
            let (from, to) = (key("from_id"), key("to_id"));
            if let Some(why) = [&from, &to].into_iter().flatten().find_map(|end| entity_ids.ambiguous(end)) {
                b.refuse("relation", index, id, why);
                continue;
            }
            let ends = (from.and_then(|f| ids.get(&f).cloned()), to.and_then(|t| ids.get(&t).cloned()));
            match (r.get("type").and_then(Value::as_str), ends) {
                (Some(kind), (Some(from), Some(to))) => {
                    b.link("relation", index, None, kind, &from, &to);
                }
                _ => b.refuse("relation", index, id, "it needs a type, and from_id and to_id that are entities of this file"),
            }
        }
    } else {
        return Err(ImportError::Invalid(name, "the record has neither \"entities\" nor \"label\"".into()));
    }
    b.finish(false)
}

/// An id as doccano writes it (a number, or a string), as text.
fn id_text(v: &Value) -> String {
    v.to_string().trim_matches('"').to_owned()
}

/// Adds a span given in UTF-16 code units.
fn add(b: &mut Builder, index: usize, id: Option<&str>, label: &str, start: i64, end: i64, at: (Timestamp, Timestamp)) -> Option<AnnId> {
    let kind = if id.is_some() { "entity" } else { "span" };
    let text = b.doc().text();
    let len = text.len_utf16() as i64;
    if start < 0 || end < 0 || start > len || end > len {
        b.misfit(kind, index, id.map(str::to_owned), format!("offsets {start}..{end} are outside the text ({len} UTF-16 code units)"));
        return None;
    }
    let cp = |u: i64| (text.cp_of_utf16(u as usize, Bias::Before), text.cp_of_utf16(u as usize, Bias::After));
    let (s, e) = (cp(start), cp(end));
    if s.0 != s.1 || e.0 != e.1 {
        b.misfit(kind, index, id.map(str::to_owned), format!("offsets {start}..{end} split a character in two (half of an emoji?)"));
        return None;
    }
    let (s, e) = (s.0.expect("in range") as i64, e.0.expect("in range") as i64);
    b.span(kind, index, id, label, s, e, None, at)
}
