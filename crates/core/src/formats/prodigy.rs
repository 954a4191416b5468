//! Prodigy JSONL: `text`, `tokens`, `spans` (with `token_start` and an
//! **inclusive** `token_end`) and `relations` (`head`, `child`, their spans, `label`).
//!
//! Offsets (`start`, `end`) are code points, as Prodigy (Python) counts them. The
//! tokenizer is the toolkit's [`tokens`]: whitespace separates tokens, a run of
//! letters, digits and marks (a word, in any script) is one token, and every other
//! character (punctuation, symbols, emoji) is a token of its own; grapheme clusters
//! are never split, so a flag or a family emoji is one token. The hard part is
//! alignment: Prodigy wants every span to start and end on token edges, and an
//! annotation may start inside a word. So tokens are also split at every span edge
//! — a span never straddles a token, and its character offsets survive exactly.
//!
//! The exported tokens are [`spacy_tokens`]: as in spaCy, `ws` is one space after
//! a token, and any other whitespace (a line break, a paragraph break, a second
//! space, a tab) is a whitespace token of its own, so that the tokens' texts, each
//! followed by a space where `ws` is true, rebuild the text exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::{json, Value};

use super::toolkit::{as_offset, mention_of, parse_records, pick_record, Builder, Holds, ImportError, Imported};
use super::{FileSpec, FormatDef, FormatInfo, Reader, Rule, Written};
use crate::model::{AnnId, AnnotationSet, Document, Schema, Timestamp};

/// The toolkit's tokenizer, which this format's tokens are (CoNLL's too).
pub use super::toolkit::{spacy_tokens, tokens, Token};

/// What Prodigy holds: spans with labels, and relations.
pub(crate) const LOSES: Holds = Holds { ids: false, notes: false, attrs: false, relations: true, entities: false, times: false };

/// The format's name, in the menu and in messages.
pub const NAME: &str = "Prodigy JSONL";

/// Prodigy's row in the registry. Its tokens put a file before Label Studio's and
/// doccano's in detection; its spans alone, after them (their records can have
/// spans too).
pub const DEF: FormatDef = FormatDef {
    info: FormatInfo {
        id: "prodigy",
        name: NAME,
        tool: "Prodigy",
        files: &[FileSpec { suffix: ".prodigy.jsonl", mime: "application/jsonl" }],
        holds: LOSES,
        detect: &[
            Rule { precedence: 50, test: |h| h.has_key("tokens") || h.has_key("token_start") },
            Rule { precedence: 10, test: |h| h.has_key("spans") },
        ],
    },
    import: Some(Reader::Text(import)),
    export: |doc, set| Written { files: vec![export(doc, set).into_bytes()], notes: LOSES.notes(set, NAME) },
};

/// The first and last token (inclusive) inside `[start, end)`.
fn token_range(toks: &[Token], start: usize, end: usize) -> (usize, usize) {
    let first = toks.partition_point(|t| t.start < start);
    let last = toks.partition_point(|t| t.end <= end).saturating_sub(1).max(first);
    (first, last)
}

/// Writes one line for the document.
pub fn export(doc: &Document, set: &AnnotationSet) -> String {
    let text = doc.text();
    let breaks: BTreeSet<usize> = set.items().iter().flat_map(|a| [a.span.start(), a.span.end()]).collect();
    let toks = spacy_tokens(text.as_str(), &breaks);
    let token_json: Vec<Value> = toks
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"text": text.slice(t.start, t.end).unwrap_or(""), "start": t.start, "end": t.end, "id": i, "ws": t.ws}))
        .collect();
    let mut span_of: BTreeMap<&AnnId, Value> = BTreeMap::new();
    let spans: Vec<Value> = set
        .items()
        .iter()
        .map(|a| {
            let (ts, te) = token_range(&toks, a.span.start(), a.span.end());
            let v = json!({"start": a.span.start(), "end": a.span.end(), "token_start": ts, "token_end": te, "label": a.label});
            span_of.insert(&a.id, v.clone());
            v
        })
        .collect();
    let relations: Vec<Value> = set
        .relations()
        .iter()
        .filter_map(|r| {
            let (head, child) = (&span_of[&r.from], &span_of[&mention_of(set, &r.to)?.id]);
            Some(json!({"head": head["token_end"], "child": child["token_end"], "head_span": head, "child_span": child, "label": r.kind}))
        })
        .collect();
    let line = json!({"text": text.as_str(), "meta": {"title": doc.title()}, "tokens": token_json, "spans": spans, "relations": relations, "answer": "accept"});
    format!("{line}\n")
}

/// Reads Prodigy JSONL. A file of several examples imports the one whose text is
/// the current document's (else the first); the others are reported.
///
/// # Errors
/// [`ImportError`] if it is not Prodigy JSONL.
pub fn import(text: &str, schema: &Rc<Schema>, current: &Document) -> Result<Imported, ImportError> {
    let name = NAME;
    let records = parse_records(text, NAME)?;
    let (record, refused_docs) = pick_record(records, |r| r.get("text").and_then(Value::as_str), current, NAME)?;
    let doc_text = record.get("text").and_then(Value::as_str).ok_or_else(|| ImportError::Invalid(name, "the example has no \"text\"".into()))?;
    let mut b = Builder::new(doc_text, current, schema);
    for r in refused_docs {
        b.refuse(r.kind, r.index, r.id, r.reason);
    }
    let list = |k: &str| record.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    let toks = list("tokens");
    // A token's character range, for spans given by tokens only.
    let tok = |i: i64| toks.get(usize::try_from(i).ok()?).and_then(|t| Some((t.get("start").and_then(as_offset)?, t.get("end").and_then(as_offset)?)));
    let zero = (Timestamp(0), Timestamp(0));
    let mut by_span: BTreeMap<(i64, i64, String), AnnId> = BTreeMap::new();
    let mut by_token: Vec<(i64, i64, AnnId)> = Vec::new();
    for (index, s) in list("spans").iter().enumerate() {
        let label = s.get("label").and_then(Value::as_str);
        let (ts, te) = (s.get("token_start").and_then(as_offset), s.get("token_end").and_then(as_offset));
        let start = s.get("start").and_then(as_offset).or_else(|| tok(ts?).map(|t| t.0));
        let end = s.get("end").and_then(as_offset).or_else(|| tok(te?).map(|t| t.1));
        let (Some(label), Some(start), Some(end)) = (label, start, end) else {
            b.refuse("span", index, None, "a span needs a label, and start and end (or token_start and token_end)");
            continue;
        };
        if let (Some(ts), Some(te)) = (ts.and_then(tok), te.and_then(tok)) {
            if (ts.0, te.1) != (start, end) && !toks.is_empty() {
                b.misfit("span", index, None, format!("its tokens cover {}..{}, but its offsets are {start}..{end}", ts.0, te.1));
                continue;
            }
        }
        if let Some(id) = b.span("span", index, None, label, start, end, s.get("text").and_then(Value::as_str), zero) {
            by_span.insert((start, end, label.to_owned()), id.clone());
            if let (Some(ts), Some(te)) = (ts, te) {
                by_token.push((ts, te, id));
            }
        }
    }
    let find = |span: Option<&Value>, token: Option<i64>| -> Option<AnnId> {
        let from_span = span.and_then(|s| {
            let key = (s.get("start").and_then(as_offset)?, s.get("end").and_then(as_offset)?, s.get("label")?.as_str()?.to_owned());
            by_span.get(&key).cloned()
        });
        from_span.or_else(|| {
            let t = token?;
            by_token.iter().find(|(s, e, _)| *s <= t && t <= *e).map(|(_, _, id)| id.clone())
        })
    };
    for (index, r) in list("relations").iter().enumerate() {
        let head = find(r.get("head_span"), r.get("head").and_then(as_offset));
        let child = find(r.get("child_span"), r.get("child").and_then(as_offset));
        match (r.get("label").and_then(Value::as_str), head, child) {
            (Some(label), Some(head), Some(child)) => {
                b.link("relation", index, None, label, &head, &child);
            }
            (None, ..) => b.refuse("relation", index, None, "the relation has no label"),
            _ => b.refuse("relation", index, None, "its head or child is not a span of this example"),
        }
    }
    b.finish(false)
}
