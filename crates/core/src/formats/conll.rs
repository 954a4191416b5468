//! CoNLL BIO: one token per line, a tab, and its tag (`B-Actor`, `I-Actor`, `O`);
//! a blank line between paragraphs. For training sequence taggers.
//!
//! Tokens come from the toolkit's [`tokens`] (Prodigy's too), split at the edges of the spans
//! written so that each span is whole tokens. The hard part is what BIO cannot
//! say: one tag per token means no overlapping and no nested spans. The export
//! keeps spans in text order (outer before inner) and leaves out any span that
//! overlaps one already kept, naming each one and why in the notes; it never drops
//! a span silently. The file has no whitespace, so it cannot rebuild the text:
//! import aligns the tokens, in order, to the current document's text, and refuses
//! the file as a different document if they do not fit.

use std::collections::BTreeSet;
use std::rc::Rc;

use super::toolkit::{excerpt, tokens, Builder, Head, Holds, ImportError, Imported};
use super::{FileSpec, FormatDef, FormatInfo, Reader, Rule, Written};
use crate::model::{Annotation, AnnotationSet, Document, Schema, Timestamp};

/// What CoNLL holds: labelled spans that do not overlap, as whole tokens.
pub(crate) const LOSES: Holds = Holds { ids: false, notes: false, attrs: false, relations: false, entities: false, times: false };

/// The format's name, in the menu and in messages.
pub const NAME: &str = "CoNLL BIO";

/// CoNLL's row in the registry: recognised by its name before any JSON format, and
/// by its lines after all of them.
pub const DEF: FormatDef = FormatDef {
    info: FormatInfo {
        id: "conll",
        name: NAME,
        tool: "CoNLL",
        files: &[FileSpec { suffix: ".conll", mime: "text/plain" }],
        holds: LOSES,
        detect: &[
            Rule { precedence: 80, test: |h| h.name_ends_with(&[".conll", ".bio", ".iob", ".conll2003"]) },
            Rule { precedence: 5, test: tagged_lines },
        ],
    },
    import: Some(Reader::Text(import)),
    export: |doc, set| {
        let (text, notes) = export(doc, set);
        Written { files: vec![text.into_bytes()], notes }
    },
};

/// Whether a file that is not JSON is whitespace-separated token and tag lines: its
/// first 20 lines that are not blank or `-DOCSTART-` each have a token and a tag
/// (`O`, or `B-`, `I-`, `E-`, `S-`, `L-` or `U-` and a label).
fn tagged_lines(head: &Head<'_>) -> bool {
    let Some(text) = head.text().filter(|_| head.record().is_none()) else { return false };
    let mut lines = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("-DOCSTART-")).take(20).peekable();
    let some = lines.peek().is_some();
    let tagged = lines.all(|l| {
        let tag = l.split_whitespace().last().unwrap_or("");
        l.split_whitespace().count() >= 2 && (tag == "O" || tag.len() > 2 && matches!(tag.get(..2), Some("B-" | "I-" | "E-" | "S-" | "L-" | "U-")))
    });
    some && tagged
}

fn describe(doc: &Document, a: &Annotation) -> String {
    let q = doc.text().slice(a.span.start(), a.span.end()).unwrap_or("");
    let short: String = q.chars().take(40).collect();
    let ell = if short.len() < q.len() { "…" } else { "" };
    format!("{} “{short}{ell}” ({}–{})", a.label, a.span.start(), a.span.end())
}

/// Writes the tagged tokens, and the notes: each span left out and why, then what
/// else CoNLL cannot hold.
pub fn export(doc: &Document, set: &AnnotationSet) -> (String, Vec<String>) {
    let mut kept: Vec<&Annotation> = Vec::new();
    let mut notes = Vec::new();
    for a in set.items() {
        match kept.iter().find(|k| k.span.overlaps(a.span)) {
            None => kept.push(a),
            Some(k) => {
                let how = if k.span.start() <= a.span.start() && a.span.end() <= k.span.end() { "is nested in" } else { "overlaps" };
                notes.push(format!(
                    "Left out {}: it {how} {}, which is kept; CoNLL BIO gives each token one tag, so it cannot hold {} spans.",
                    describe(doc, a),
                    describe(doc, k),
                    if how == "overlaps" { "overlapping" } else { "nested" }
                ));
            }
        }
    }
    let n_left = notes.len();
    if n_left > 0 {
        notes.insert(0, format!("{n_left} of {} spans are left out of the CoNLL file:", set.len()));
    }
    notes.extend(LOSES.notes(set, "CoNLL BIO"));
    let text = doc.text();
    let breaks: BTreeSet<usize> = kept.iter().flat_map(|a| [a.span.start(), a.span.end()]).collect();
    let mut out = String::new();
    let mut prev_end = 0;
    let mut kept_idx = 0;
    for t in tokens(text.as_str(), &breaks) {
        while kept_idx < kept.len() && kept[kept_idx].span.end() <= t.start {
            kept_idx += 1;
        }
        let inside = kept.get(kept_idx).filter(|k| k.span.start() <= t.start);
        let gap = text.slice(prev_end, t.start).unwrap_or("");
        let continues = inside.is_some_and(|k| k.span.start() < t.start);
        if !out.is_empty() && gap.matches('\n').count() >= 2 && !continues {
            out.push('\n');
        }
        let tag = match inside {
            None => "O".to_owned(),
            Some(k) if k.span.start() == t.start => format!("B-{}", k.label),
            Some(k) => format!("I-{}", k.label),
        };
        out.push_str(&format!("{}\t{tag}\n", text.slice(t.start, t.end).unwrap_or("")));
        prev_end = t.end;
    }
    (out, notes)
}

/// How Penn Treebank escapes brackets and quotes in tokens.
fn unescape_token(t: &str) -> &str {
    match t {
        "-LRB-" => "(",
        "-RRB-" => ")",
        "-LSB-" => "[",
        "-RSB-" => "]",
        "-LCB-" => "{",
        "-RCB-" => "}",
        "``" | "''" => "\"",
        _ => t,
    }
}

/// Reads CoNLL BIO (also IOB1, BIOES and BILOU tags; the token is the first
/// column, the tag the last) against the current document.
///
/// # Errors
/// [`ImportError::DifferentDocument`] if the tokens are not, in order, the
/// current document's text; [`ImportError::Invalid`] if a line has no tag.
pub fn import(text: &str, schema: &Rc<Schema>, current: &Document) -> Result<Imported, ImportError> {
    let name = NAME;
    let doc_text = current.text().as_str();
    let mut b = Builder::over(current.clone(), schema);
    let mut pos = 0; // Byte position in the document text.
    // The span being read: label, start code point, end code point, first line.
    let mut open: Option<(String, usize, usize, usize)> = None;
    let mut spans = Vec::new();
    for (line_idx, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split(['\t', ' ']).filter(|c| !c.is_empty()).collect();
        if cols.is_empty() {
            continue;
        }
        if cols[0] == "-DOCSTART-" {
            continue;
        }
        let [token, .., tag] = cols[..] else {
            return Err(ImportError::Invalid(name, format!("line {} has a token but no tag", line_idx + 1)));
        };
        let token = unescape_token(token);
        let skipped = doc_text[pos..].len() - doc_text[pos..].trim_start().len();
        pos += skipped;
        if !doc_text[pos..].starts_with(token) {
            let found: String = doc_text[pos..].chars().take(token.chars().count().max(1)).collect();
            return Err(ImportError::DifferentDocument(format!(
                "line {}: the token {} is not next in the text of “{}”, which has {} there",
                line_idx + 1,
                excerpt(token),
                current.title(),
                excerpt(&found)
            )));
        }
        let start = current.text().cp_of_byte(pos).expect("pos is on a char boundary");
        pos += token.len();
        let end = start + token.chars().count();
        let (prefix, label) = match tag.split_once('-') {
            Some((p, l)) if matches!(p, "B" | "I" | "E" | "S" | "L" | "U") && !l.is_empty() => (p, l),
            _ if tag == "O" => ("O", ""),
            _ => {
                b.refuse("line", line_idx, None, format!("{} is not a B-, I-, E-, S- or O tag", excerpt(tag)));
                ("O", "")
            }
        };
        let continues = matches!(prefix, "I" | "E" | "L") && open.as_ref().is_some_and(|o| o.0 == label);
        if continues {
            if let Some(o) = open.as_mut() {
                o.2 = end;
            }
        } else {
            spans.extend(open.take());
            if prefix != "O" {
                open = Some((label.to_owned(), start, end, line_idx));
            }
        }
        if matches!(prefix, "E" | "S" | "L" | "U") {
            spans.extend(open.take());
        }
    }
    spans.extend(open);
    for (label, start, end, line_idx) in spans {
        b.span("line", line_idx, None, &label, start as i64, end as i64, None, (Timestamp(0), Timestamp(0)));
    }
    b.finish(true)
}
