//! Label Studio JSON: a task list, `[{"data": {"text"}, "annotations": [{"result"}]}]`,
//! plus the labeling config (XML) that makes Label Studio show it as it is.
//!
//! A span is a `labels` result (`value.start/end/text/labels`); its attributes are
//! per-region `choices` or `textarea` results and its note a per-region `textarea`
//! named `note`, all sharing the region's id; a relation is a `relation` result.
//! Offsets are code points, as current Label Studio counts them (after #1347).
//! Each span's `value.text` is checked against the text on import. Label Studio has
//! no entities, relation ids or per-region times.
//!
//! Because a region's results share its id, an id is given twice only when two
//! `labels` results over different ranges carry it: the later region is refused,
//! and so is every result that names the id (a relation end, an attribute, a note),
//! since which region it means is ambiguous (see `FileIds`).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{json, Value};

use super::toolkit::{as_offset, excerpt, mention_of, parse_json, pick_record, Builder, FileIds, Holds, ImportError, Imported};
use super::{FileSpec, FormatDef, FormatInfo, Reader, Rule, Written};
use crate::model::schema::AttrKind;
use crate::model::{AnnId, AnnotationSet, Document, Schema, Timestamp};

/// What Label Studio holds: spans (with their ids), attributes, notes, relations.
pub(crate) const LOSES: Holds = Holds { ids: true, notes: true, attrs: true, relations: true, entities: false, times: false };

/// The format's name, in the menu and in messages.
pub const NAME: &str = "Label Studio JSON";

/// Label Studio's row in the registry: the tasks, then the labeling config.
pub const DEF: FormatDef = FormatDef {
    info: FormatInfo {
        id: "labelstudio",
        name: NAME,
        tool: "Label Studio",
        files: &[
            FileSpec { suffix: ".labelstudio.json", mime: "application/json" },
            FileSpec { suffix: ".labelstudio-config.xml", mime: "application/xml" },
        ],
        holds: LOSES,
        detect: &[Rule { precedence: 40, test: |h| h.has_key("data") && (h.has_key("annotations") || h.has_key("predictions")) }],
    },
    import: Some(Reader::Text(import)),
    export: |doc, set| Written { files: vec![export(doc, set).into_bytes(), config(set.schema()).into_bytes()], notes: LOSES.notes(set, NAME) },
};

/// The `from_name` of the per-region note.
const NOTE: &str = "note";

/// Writes the task list: one task with one annotation.
pub fn export(doc: &Document, set: &AnnotationSet) -> String {
    let text = doc.text();
    let mut result = Vec::new();
    for a in set.items() {
        let (start, end) = (a.span.start(), a.span.end());
        let quote = text.slice(start, end).expect("annotations in a set are within the text");
        let region = |from_name: &str, kind: &str, value: Value| json!({"id": a.id.as_str(), "from_name": from_name, "to_name": "text", "type": kind, "origin": "manual", "value": value});
        result.push(region("label", "labels", json!({"start": start, "end": end, "text": quote, "labels": [a.label]})));
        for (k, v) in &a.attrs {
            let choice = matches!(set.schema().attr(&a.label, k).map(|d| &d.kind), Some(AttrKind::Choice(_)));
            result.push(if choice {
                region(k, "choices", json!({"start": start, "end": end, "text": quote, "choices": [v]}))
            } else {
                region(k, "textarea", json!({"start": start, "end": end, "text": [v]}))
            });
        }
        if !a.note.is_empty() {
            result.push(region(NOTE, "textarea", json!({"start": start, "end": end, "text": [a.note]})));
        }
    }
    for r in set.relations() {
        if let Some(to) = mention_of(set, &r.to) {
            result.push(json!({"from_id": r.from.as_str(), "to_id": to.id.as_str(), "type": "relation", "direction": "right", "labels": [r.kind]}));
        }
    }
    let tasks = json!([{"id": 1, "data": {"text": text.as_str(), "title": doc.title()}, "annotations": [{"id": 1, "result": result}]}]);
    let mut out = serde_json::to_string_pretty(&tasks).expect("JSON values always serialise");
    out.push('\n');
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The labeling config for the schema: labels with their colours, relations, and
/// the per-region attributes and note shown when a region of that label is selected.
pub fn config(schema: &Schema) -> String {
    let mut out = String::from("<View>\n  <Relations>\n");
    for r in &schema.roles {
        out.push_str(&format!("    <Relation value=\"{}\"/>\n", xml_escape(&r.id)));
    }
    out.push_str("  </Relations>\n  <Labels name=\"label\" toName=\"text\">\n");
    for l in schema.labels.iter() {
        out.push_str(&format!("    <Label value=\"{}\" background=\"{}\"/>\n", xml_escape(&l.id), xml_escape(&l.color)));
    }
    out.push_str("  </Labels>\n  <Text name=\"text\" value=\"$text\"/>\n");
    for l in schema.labels.iter() {
        let attrs: Vec<_> = schema.attrs_of(&l.id).collect();
        if attrs.is_empty() {
            continue;
        }
        out.push_str(&format!("  <View visibleWhen=\"region-selected\" whenLabelValue=\"{}\">\n", xml_escape(&l.id)));
        for a in attrs {
            match &a.kind {
                AttrKind::Choice(values) => {
                    out.push_str(&format!("    <Choices name=\"{}\" toName=\"text\" perRegion=\"true\" choice=\"single\" showInline=\"true\">\n", xml_escape(&a.id)));
                    for v in values {
                        out.push_str(&format!("      <Choice value=\"{}\"/>\n", xml_escape(v)));
                    }
                    out.push_str("    </Choices>\n");
                }
                AttrKind::Text => out.push_str(&format!(
                    "    <TextArea name=\"{}\" toName=\"text\" perRegion=\"true\" maxSubmissions=\"1\" editable=\"true\" placeholder=\"{}\"/>\n",
                    xml_escape(&a.id),
                    xml_escape(&a.name)
                )),
            }
        }
        out.push_str("  </View>\n");
    }
    out.push_str(&format!("  <View visibleWhen=\"region-selected\">\n    <TextArea name=\"{NOTE}\" toName=\"text\" perRegion=\"true\" maxSubmissions=\"1\" editable=\"true\" placeholder=\"Note\"/>\n  </View>\n</View>\n"));
    out
}

/// Reads a task list (or one task). A list of several tasks imports the one whose
/// text is the current document's (else the first); the others are reported.
///
/// # Errors
/// [`ImportError`] if it is not a Label Studio task list.
pub fn import(text: &str, schema: &Rc<Schema>, current: &Document) -> Result<Imported, ImportError> {
    let name = NAME;
    let root = parse_json(text, NAME)?;
    let tasks = match root {
        Value::Array(tasks) => tasks,
        one @ Value::Object(_) => vec![one],
        _ => return Err(ImportError::Invalid(name, "it is not a list of tasks".into())),
    };
    fn text_of(t: &Value) -> Option<&str> {
        let data = t.get("data")?;
        data.get("text").and_then(Value::as_str).or_else(|| data.as_object()?.values().find_map(Value::as_str))
    }
    let (task, refused_docs) = pick_record(tasks, text_of, current, NAME)?;
    let doc_text = text_of(&task).ok_or_else(|| ImportError::Invalid(name, "the task has no data.text".into()))?.to_owned();
    let mut b = Builder::new(&doc_text, current, schema);
    for r in refused_docs {
        b.refuse(r.kind, r.index, r.id, r.reason);
    }
    let annotations = task.get("annotations").and_then(Value::as_array).filter(|a| !a.is_empty()).or_else(|| task.get("predictions").and_then(Value::as_array));
    let Some(first) = annotations.and_then(|a| a.iter().find(|x| x.get("was_cancelled") != Some(&Value::Bool(true)))) else {
        return b.finish(false);
    };
    if let Some(n) = annotations.map(Vec::len).filter(|&n| n > 1) {
        b.refuse("annotation", 1, None, format!("the task has {n} annotations (by several people?); spantag took the first"));
    }
    let results = first.get("result").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let zero = (Timestamp(0), Timestamp(0));
    let mut regions: BTreeMap<String, AnnId> = BTreeMap::new();
    let is_labels = |r: &Value| r.get("type").and_then(Value::as_str).is_some_and(|t| t.ends_with("labels"));
    let range = |r: &Value| {
        let v = r.get("value").unwrap_or(&Value::Null);
        (v.get("start").and_then(as_offset), v.get("end").and_then(as_offset))
    };
    // A region's id is shared by all its results, and by several labels results when
    // two Labels tags label it; a labels result with the id of an earlier region over
    // another range is a second region with the same id.
    let mut first_range: BTreeMap<&str, (Option<i64>, Option<i64>)> = BTreeMap::new();
    let mut new_regions: BTreeMap<usize, &str> = BTreeMap::new();
    for (index, r) in results.iter().enumerate().filter(|(_, r)| is_labels(r)) {
        let Some(id) = r.get("id").and_then(Value::as_str) else { continue };
        match first_range.get(id) {
            Some(first) if *first == range(r) => {} // The same region, labelled again.
            Some(_) => {
                new_regions.insert(index, id);
            }
            None => {
                first_range.insert(id, range(r));
                new_regions.insert(index, id);
            }
        }
    }
    let region_ids = FileIds::new(new_regions.iter().map(|(&index, &id)| (id, "result", index)));
    for (index, r) in results.iter().enumerate().filter(|(_, r)| is_labels(r)) {
        let id = r.get("id").and_then(Value::as_str).map(str::to_owned);
        let repeat = new_regions.get(&index).and_then(|i| region_ids.repeat(i, "result", index));
        if let Some(why) = repeat {
            b.refuse("result", index, id, why);
            continue;
        }
        let v = r.get("value").unwrap_or(&Value::Null);
        let (start, end) = range(r);
        let labels: Vec<&str> = v.get("labels").and_then(Value::as_array).map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let (Some(start), Some(end), false) = (start, end, labels.is_empty()) else {
            b.refuse("result", index, id, "a labels result needs value.start, value.end (numbers) and value.labels");
            continue;
        };
        for label in labels {
            if let Some(new) = b.span("result", index, id.as_deref(), label, start, end, v.get("text").and_then(Value::as_str), zero) {
                if let Some(id) = &id {
                    regions.entry(id.clone()).or_insert(new);
                }
            }
        }
    }
    for (index, r) in results.iter().enumerate() {
        let kind = r.get("type").and_then(Value::as_str).unwrap_or("");
        let id = r.get("id").and_then(Value::as_str);
        let region = id.and_then(|i| regions.get(i)).cloned();
        let ends = [id, r.get("from_id").and_then(Value::as_str), r.get("to_id").and_then(Value::as_str)];
        if let Some(why) = ends.into_iter().flatten().find_map(|i| region_ids.ambiguous(i)).filter(|_| !is_labels(r)) {
            b.refuse("result", index, id.map(str::to_owned), why);
            continue;
        }
        let key = r.get("from_name").and_then(Value::as_str).unwrap_or("");
        let v = r.get("value").unwrap_or(&Value::Null);
        match (kind, region) {
            (k, _) if k.ends_with("labels") => {}
            ("relation", _) => {
                let end = |k: &str| r.get(k).and_then(Value::as_str).and_then(|i| regions.get(i)).cloned();
                let role = r.get("labels").and_then(Value::as_array).and_then(|l| l.first()).and_then(Value::as_str);
                match (role, end("from_id"), end("to_id")) {
                    (Some(role), Some(from), Some(to)) => {
                        // "left" means the arrow points from to_id to from_id.
                        let (from, to) = if r.get("direction").and_then(Value::as_str) == Some("left") { (to, from) } else { (from, to) };
                        b.link("result", index, None, role, &from, &to);
                    }
                    (None, ..) => b.refuse("result", index, None, "the relation has no label naming its role"),
                    _ => b.refuse("result", index, None, "an end of the relation is not a region of this task"),
                }
            }
            ("choices", Some(region)) => {
                for c in v.get("choices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]).iter().filter_map(Value::as_str) {
                    b.attr("result", index, id, &region, key, c);
                }
            }
            ("textarea", Some(region)) => {
                let texts: Vec<&str> = v.get("text").and_then(Value::as_array).map(|t| t.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                let joined = texts.join("\n");
                if key == NOTE {
                    b.note("result", index, id, &region, &joined);
                } else {
                    b.attr("result", index, id, &region, key, &joined);
                }
            }
            _ => b.refuse("result", index, id.map(str::to_owned), format!("spantag does not read a {} result here", excerpt(kind))),
        }
    }
    b.finish(false)
}
