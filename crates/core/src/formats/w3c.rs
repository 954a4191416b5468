//! W3C Web Annotation (JSON-LD): an `AnnotationCollection` whose one page holds
//! an `Annotation` per span, per relation and per entity.
//!
//! - A span is a `TextualBody` with purpose `tagging` (the label), one with purpose
//!   `classifying` per attribute (`key=value`) and one with purpose `commenting` for
//!   the note; its target has a `TextQuoteSelector` and a `TextPositionSelector` in
//!   **code points**, as the model requires.
//! - A relation is an annotation with motivation `linking`: its target is the IRI
//!   of the annotation it starts from, its body the IRI of the other end plus a
//!   `tagging` body naming the role.
//! - An entity is an annotation with motivation `identifying` that targets its
//!   mentions, with its name (`identifying`) and type (`classifying`) as bodies.
//!
//! The hard part is reading other tools' files: Recogito and Hypothesis count
//! positions in UTF-16 code units, and a quote and a position can disagree. The
//! quote is trusted: a position is read both as code points and as UTF-16 units,
//! and a reading counts only if its slice is the quote. When both readings are the
//! quote (two copies of it, after an emoji), the quote's prefix and suffix choose;
//! if they fit both equally, a file spantag wrote is read in code points and any
//! other is refused as ambiguous. A target with only a quote is found by its exact
//! text and context. What fits neither way is refused with both texts. The
//! collection does not carry the document's text, so it is read against the
//! current document.
//!
//! Spans, relations and entities share one space of IRIs: an item whose IRI an
//! earlier item has is refused, and so is every link or entity naming that IRI,
//! since which item it means is ambiguous (see `FileIds`).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{json, Value};

use super::native::quote;
use super::toolkit::{as_offset, excerpt, invalid_range, parse_json, Builder, FileIds, Holds, ImportError, Imported};
use super::{FileSpec, FormatDef, FormatInfo, Reader, Rule, Written};
use crate::model::offsets::Bias;
use crate::model::{AnnId, AnnotationSet, Document, Schema, Timestamp};

/// What W3C Web Annotation holds: everything but the text and the label colours.
pub(crate) const LOSES: Holds = Holds { ids: true, notes: true, attrs: true, relations: true, entities: true, times: true };

/// The format's name, in the menu and in messages.
pub const NAME: &str = "W3C Web Annotation";

/// W3C Web Annotation's row in the registry.
pub const DEF: FormatDef = FormatDef {
    info: FormatInfo {
        id: "w3c",
        name: NAME,
        tool: NAME,
        files: &[FileSpec { suffix: ".w3c.jsonld", mime: "application/ld+json" }],
        holds: LOSES,
        detect: &[Rule { precedence: 60, test: |h| h.has_key("@context") }],
    },
    import: Some(Reader::Text(import)),
    export: |doc, set| Written { files: vec![export(doc, set).into_bytes()], notes: LOSES.notes(set, NAME) },
};

const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// The IRI of the document `doc_id`, the `source` of every target.
pub fn source_iri(doc_id: &str) -> String {
    format!("urn:spantag:doc:{doc_id}")
}

/// The IRI of an annotation, relation or entity of document `doc_id`.
pub fn item_iri(doc_id: &str, id: &AnnId) -> String {
    let mut out = format!("urn:spantag:{doc_id}:");
    for b in id.as_str().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn body(purpose: &str, value: &str) -> Value {
    json!({"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"})
}

/// Writes the collection.
pub fn export(doc: &Document, set: &AnnotationSet) -> String {
    let iri = |id: &AnnId| item_iri(doc.id(), id);
    let mut items = Vec::new();
    for a in set.items() {
        let q = quote(doc.text(), a.span.start(), a.span.end()).expect("annotations in a set are within the text");
        let mut bodies = vec![body("tagging", &a.label)];
        bodies.extend(a.attrs.iter().map(|(k, v)| body("classifying", &format!("{k}={v}"))));
        if !a.note.is_empty() {
            bodies.push(body("commenting", &a.note));
        }
        items.push(json!({
            "@context": CONTEXT,
            "id": iri(&a.id),
            "type": "Annotation",
            "motivation": "tagging",
            "created": a.created.to_rfc3339(),
            "modified": a.modified.to_rfc3339(),
            "body": bodies,
            "target": {
                "source": source_iri(doc.id()),
                "selector": [
                    {"type": "TextQuoteSelector", "exact": q.exact, "prefix": q.prefix, "suffix": q.suffix},
                    {"type": "TextPositionSelector", "start": a.span.start(), "end": a.span.end()},
                ],
            },
        }));
    }
    for r in set.relations() {
        items.push(json!({
            "@context": CONTEXT,
            "id": iri(&r.id),
            "type": "Annotation",
            "motivation": "linking",
            "body": [iri(&r.to), body("tagging", &r.kind)],
            "target": iri(&r.from),
        }));
    }
    for e in set.entities() {
        let mut bodies = vec![body("identifying", &e.name)];
        if !e.kind.is_empty() {
            bodies.push(body("classifying", &format!("type={}", e.kind)));
        }
        items.push(json!({
            "@context": CONTEXT,
            "id": iri(&e.id),
            "type": "Annotation",
            "motivation": "identifying",
            "body": bodies,
            "target": e.members.iter().map(iri).collect::<Vec<_>>(),
        }));
    }
    let file = json!({
        "@context": CONTEXT,
        "id": format!("urn:spantag:{}:collection", doc.id()),
        "type": "AnnotationCollection",
        "label": doc.title(),
        "total": items.len(),
        "first": {
            "id": format!("urn:spantag:{}:page-1", doc.id()),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    });
    let mut out = serde_json::to_string_pretty(&file).expect("JSON values always serialise");
    out.push('\n');
    out
}

/// A value that may be one item or a list of them, as a list.
fn many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    many(v.get("type")).iter().any(|x| x.as_str() == Some(t))
}

fn text_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The id an IRI stands for: our own IRIs decoded, else the last path segment.
fn id_from_iri(iri: &str) -> Option<String> {
    let tail = iri.rsplit([':', '/', '#']).next()?;
    let mut out = Vec::new();
    let bytes = tail.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

/// Reads a W3C annotation file against the current document: a collection, a
/// page, one annotation or a list of annotations.
///
/// # Errors
/// [`ImportError`] if it is not W3C JSON at all, or if it is about another document.
pub fn import(text: &str, schema: &Rc<Schema>, current: &Document) -> Result<Imported, ImportError> {
    let name = NAME;
    let root = parse_json(text, NAME)?;
    let items: Vec<Value> = if has_type(&root, "AnnotationCollection") {
        let first = root.get("first").ok_or_else(|| ImportError::Invalid(name, "the collection has no \"first\" page".into()))?;
        many(first.get("items")).into_iter().cloned().collect()
    } else if has_type(&root, "AnnotationPage") {
        many(root.get("items")).into_iter().cloned().collect()
    } else if has_type(&root, "Annotation") {
        vec![root.clone()]
    } else if let Value::Array(list) = &root {
        list.clone()
    } else {
        return Err(ImportError::Invalid(name, "it is not an Annotation, an AnnotationPage or an AnnotationCollection".into()));
    };
    // A file spantag wrote names its document; another document's file is refused at once.
    let ours = source_iri("");
    for item in &items {
        for t in many(item.get("target")) {
            if let Some(src) = text_of(t, "source").and_then(|s| s.strip_prefix(&ours)) {
                if src != current.id() {
                    return Err(ImportError::DifferentDocument(format!(
                        "it was exported from document {src}, and the open document is {}",
                        current.id()
                    )));
                }
            }
        }
    }
    let mut b = Builder::over(current.clone(), schema);
    let mut by_iri: BTreeMap<String, AnnId> = BTreeMap::new();
    let motivation = |v: &Value| many(v.get("motivation")).first().and_then(|m| m.as_str()).unwrap_or("").to_owned();
    let kind_of = |v: &Value| match motivation(v).as_str() {
        "linking" => "relation",
        "identifying" => "entity",
        _ => "annotation",
    };
    // Spans, relations and entities share one space of IRIs.
    let iris = FileIds::new(items.iter().enumerate().filter_map(|(i, item)| Some((text_of(item, "id")?, kind_of(item), i))));
    let repeat = |item: &Value, index: usize| text_of(item, "id").and_then(|iri| iris.repeat(iri, kind_of(item), index));
    // Spans first, so that relations and entities can point at them.
    for (index, item) in items.iter().enumerate() {
        let m = motivation(item);
        if m == "linking" || m == "identifying" {
            continue;
        }
        let iri = text_of(item, "id").map(str::to_owned);
        let shown = iri.as_deref().and_then(id_from_iri);
        if !item.is_object() || !has_type(item, "Annotation") {
            b.refuse("annotation", index, shown, "not an object of type Annotation");
            continue;
        }
        if let Some(why) = repeat(item, index) {
            b.refuse("annotation", index, shown, why);
            continue;
        }
        let bodies = many(item.get("body"));
        let label = bodies.iter().find(|x| text_of(x, "purpose") == Some("tagging")).and_then(|x| text_of(x, "value"));
        let Some(label) = label else {
            b.refuse("annotation", index, shown, "it has no label (a TextualBody with purpose \"tagging\")");
            continue;
        };
        let Some(target) = many(item.get("target")).into_iter().find(|t| t.get("selector").is_some()) else {
            b.refuse("annotation", index, shown, "its target has no selector");
            continue;
        };
        let (start, end) = match locate(b.doc(), target) {
            Ok(range) => range,
            Err(Miss::Invalid(why)) => {
                b.refuse("annotation", index, shown, why);
                continue;
            }
            Err(Miss::Misfit(why)) => {
                b.misfit("annotation", index, shown, why);
                continue;
            }
        };
        let time = |k: &str| text_of(item, k).and_then(|t| Timestamp::parse_rfc3339(t).ok());
        let created = time("created").unwrap_or_default();
        let at = (created, time("modified").unwrap_or(created));
        let Some(id) = b.span("annotation", index, shown.as_deref(), label, start as i64, end as i64, None, at) else { continue };
        if let Some(iri) = iri {
            by_iri.insert(iri, id.clone());
        }
        for x in &bodies {
            let value = text_of(x, "value").unwrap_or("");
            match text_of(x, "purpose") {
                Some("classifying") => match value.split_once('=') {
                    Some((k, v)) => {
                        b.attr("attribute", index, Some(id.as_str()), &id, k.trim(), v.trim());
                    }
                    None => b.refuse("attribute", index, Some(id.to_string()), format!("{} is not key=value", excerpt(value))),
                },
                Some("commenting" | "describing") => {
                    b.note("note", index, Some(id.as_str()), &id, value);
                }
                _ => {}
            }
        }
    }
    for (index, item) in items.iter().enumerate().filter(|(_, i)| motivation(i) == "identifying") {
        let shown = text_of(item, "id").and_then(id_from_iri);
        let targets = many(item.get("target"));
        if let Some(why) = repeat(item, index).or_else(|| targets.iter().filter_map(|t| t.as_str()).find_map(|t| iris.ambiguous(t))) {
            b.refuse("entity", index, shown, why);
            continue;
        }
        let members: Option<Vec<AnnId>> = targets.iter().map(|t| t.as_str().and_then(|s| by_iri.get(s)).cloned()).collect();
        let Some(members) = members else {
            b.refuse("entity", index, shown, "a mention it targets is not an annotation of this file");
            continue;
        };
        let bodies = many(item.get("body"));
        let name = bodies.iter().find(|x| text_of(x, "purpose") == Some("identifying")).and_then(|x| text_of(x, "value")).unwrap_or("");
        let kind = bodies
            .iter()
            .filter(|x| text_of(x, "purpose") == Some("classifying"))
            .find_map(|x| text_of(x, "value").and_then(|v| v.strip_prefix("type=")))
            .unwrap_or("");
        if let Some(id) = b.entity("entity", index, shown.as_deref(), name, kind, members) {
            if let Some(iri) = text_of(item, "id") {
                by_iri.insert(iri.to_owned(), id);
            }
        }
    }
    for (index, item) in items.iter().enumerate().filter(|(_, i)| motivation(i) == "linking") {
        let shown = text_of(item, "id").and_then(id_from_iri);
        let bodies = many(item.get("body"));
        let role = bodies.iter().find(|x| text_of(x, "purpose") == Some("tagging")).and_then(|x| text_of(x, "value"));
        let to = bodies.iter().find_map(|x| x.as_str().or_else(|| text_of(x, "id").filter(|_| x.get("value").is_none())));
        let from = many(item.get("target")).first().and_then(|t| t.as_str().or_else(|| text_of(t, "id")));
        if let Some(why) = repeat(item, index).or_else(|| [from, to].into_iter().flatten().find_map(|end| iris.ambiguous(end))) {
            b.refuse("relation", index, shown, why);
            continue;
        }
        let ends = (from.and_then(|f| by_iri.get(f)), to.and_then(|t| by_iri.get(t)));
        match (role, ends) {
            (Some(role), (Some(from), Some(to))) => {
                let (from, to) = (from.clone(), to.clone());
                b.link("relation", index, shown.as_deref(), role, &from, &to);
            }
            (None, _) => b.refuse("relation", index, shown, "it has no role (a TextualBody with purpose \"tagging\")"),
            _ => b.refuse("relation", index, shown, "an end is not an annotation or entity of this file"),
        }
    }
    b.finish(true)
}

/// Why a target's selectors give no range of the text.
enum Miss {
    /// The selectors give no range in any text (a start after the end, a missing
    /// number): the item's fault, whatever the document.
    Invalid(String),
    /// The range or the quote does not fit this text: if no span of a file fits, the
    /// file is about another document.
    Misfit(String),
}

/// The code point range a target's selectors give, checked against the text.
fn locate(doc: &Document, target: &Value) -> Result<(usize, usize), Miss> {
    let selectors = many(target.get("selector"));
    let quote = selectors.iter().find(|s| has_type(s, "TextQuoteSelector"));
    let position = selectors.iter().find(|s| has_type(s, "TextPositionSelector"));
    let exact = quote.and_then(|q| text_of(q, "exact"));
    let text = doc.text();
    if let Some(p) = position {
        let (Some(start), Some(end)) = (p.get("start").and_then(as_offset), p.get("end").and_then(as_offset)) else {
            return Err(Miss::Invalid("its TextPositionSelector has no whole-number start and end".into()));
        };
        if let Some(why) = invalid_range(start, end) {
            return Err(Miss::Invalid(why));
        }
        let (start, end) = (start as usize, end as usize);
        let Some(exact) = exact else {
            return if end <= text.len_cp() { Ok((start, end)) } else { Err(Miss::Misfit(format!("end {end} is past the end of the text ({} code points)", text.len_cp()))) };
        };
        // Recogito and Hypothesis count UTF-16 code units: the numbers are read both
        // ways, and a reading counts if its slice is the quote.
        let as_utf16 = match (text.cp_of_utf16(start, Bias::After), text.cp_of_utf16(end, Bias::Before)) {
            (Some(s), Some(e)) if s < e && (s, e) != (start, end) => Some((s, e)),
            _ => None,
        };
        let is_quote = |(s, e): (usize, usize)| text.slice(s, e) == Some(exact);
        return match (is_quote((start, end)), as_utf16.filter(|&r| is_quote(r))) {
            (true, None) => Ok((start, end)),
            (false, Some(r)) => Ok(r),
            (true, Some((s, e))) => {
                // Both readings are the quote, at two copies of it: the context says
                // which; spantag's own files count code points, as the spec says.
                let (prefix, suffix) = quote.map_or(("", ""), |q| (text_of(q, "prefix").unwrap_or(""), text_of(q, "suffix").unwrap_or("")));
                let fit = |(s, e): (usize, usize)| {
                    let before = text.slice(0, s).unwrap_or("");
                    let after = text.slice(e, text.len_cp()).unwrap_or("");
                    usize::from(before.ends_with(prefix)) + usize::from(after.starts_with(suffix))
                };
                let ours = text_of(target, "source").is_some_and(|src| src.starts_with(&source_iri("")));
                match fit((start, end)).cmp(&fit((s, e))) {
                    std::cmp::Ordering::Greater => Ok((start, end)),
                    std::cmp::Ordering::Less => Ok((s, e)),
                    std::cmp::Ordering::Equal if ours => Ok((start, end)),
                    std::cmp::Ordering::Equal => Err(Miss::Misfit(format!(
                        "its position {start}..{end} gives its quote {} both as code points ({start}..{end}) and as UTF-16 code units ({s}..{e} in code points), and its prefix and suffix do not say which",
                        excerpt(exact)
                    ))),
                }
            }
            // Past the end in code points and in UTF-16 code units: no text to compare.
            (false, None) if end > text.len_utf16() => {
                Err(Miss::Misfit(format!("its position {start}..{end} is past the end of the text ({} code points)", text.len_cp())))
            }
            (false, None) => {
                // What the numbers give, read as code points or, past the end in code
                // points, as UTF-16 code units.
                let (reading, actual) = match as_utf16 {
                    Some((s, e)) if end > text.len_cp() => (format!(", read as UTF-16 code units ({s}..{e} in code points),"), text.slice(s, e).unwrap_or("")),
                    _ => (String::new(), text.slice(start, end.min(text.len_cp()).max(start)).unwrap_or("")),
                };
                Err(Miss::Misfit(format!("its quote {} does not match the document at {start}..{end}{reading} which is {}", excerpt(exact), excerpt(actual))))
            }
        };
    }
    let exact = exact
        .filter(|e| !e.is_empty())
        .ok_or_else(|| Miss::Invalid("its target has neither a TextPositionSelector nor a TextQuoteSelector".into()))?;
    let q = quote.expect("exact came from the quote");
    let (prefix, suffix) = (text_of(q, "prefix").unwrap_or(""), text_of(q, "suffix").unwrap_or(""));
    let s = text.as_str();
    let hits: Vec<usize> = s.match_indices(exact).map(|(i, _)| i).collect();
    let fitting: Vec<usize> = hits.iter().copied().filter(|&i| s[..i].ends_with(prefix) && s[i + exact.len()..].starts_with(suffix)).collect();
    let chosen = match (fitting.as_slice(), hits.as_slice()) {
        ([one], _) | ([], [one]) => *one,
        ([], []) => return Err(Miss::Misfit(format!("its quote {} is not in the document", excerpt(exact)))),
        _ => return Err(Miss::Misfit(format!("its quote {} is in the document {} times, and its context does not say which", excerpt(exact), hits.len()))),
    };
    let start = text.cp_of_byte(chosen).expect("match_indices gives char boundaries");
    Ok((start, start + exact.chars().count()))
}
