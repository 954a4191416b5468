//! A rehearsal of the native format: a small sample document, exported and read back.
//!
//! The browser compiles a wasm function the first time it runs, on the main thread.
//! A person's first import ran mostly code that had never run in the page, so it
//! paid for that compilation: at the benchmark's S size the import took 13 ms, and
//! 7.5 ms with the code compiled (BENCHMARKS.md, session 7). The app runs
//! [`rehearse`] once when the page is idle after start (a task of about 9 ms), so
//! that the parser, the checks and the annotation set's code are compiled before the
//! person needs them.
//!
//! The invariant: the rehearsal is pure. It touches no state, no storage and no
//! DOM, and its result is thrown away; it exercises the same functions a real file
//! does, on text with what trips offsets up (an emoji flag, a skin-tone sequence,
//! CJK and a combining mark), and a native test checks that it round-trips whole.

use std::rc::Rc;

use super::native::{self, ImportError, Imported};
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Relation, Schema, Span, Timestamp};

/// The sample text: a short news paragraph with the characters that trip offsets up.
const TEXT: &str = "Officials in Brussels 🇪🇺 said on Monday that the talks would resume. \
    外交部 spokesperson Zoe\u{308} Li 👍🏽 denied the report, calling it “premature” — a claim others disputed.";

/// `(label, quoted text)` of the sample's annotations, in text order.
const SPANS: [(&str, &str); 6] = [
    ("Actor", "Officials in Brussels"),
    ("Event", "resume"),
    ("Actor", "外交部 spokesperson Zoe\u{308} Li"),
    ("Claim", "denied the report"),
    ("Cue", "calling"),
    ("Event", "disputed"),
];

/// `(role, from, to)` by index into [`SPANS`].
const LINKS: [(&str, usize, usize); 4] = [("source", 1, 0), ("claimer", 3, 2), ("cue", 3, 4), ("about", 3, 1)];

/// The sample document, [`TEXT`] `copies` times over, and in each copy its
/// annotations, relations, attributes and a note, made through the same actions as
/// the person's edits.
pub fn sample(schema: &Rc<Schema>, copies: usize) -> (Document, AnnotationSet) {
    let copies = copies.max(1);
    let text = vec![TEXT; copies].join("\n\n");
    let doc = Document::new("spantag rehearsal", text);
    let len = doc.len_cp();
    let mut set = AnnotationSet::new(len, schema.clone());
    let at = Timestamp(1_764_000_000_000);
    let id = |prefix: &str, copy: usize, i: usize| AnnId::new(format!("{prefix}{copy}-{i}")).expect("ASCII id");
    let copy_len = TEXT.chars().count() + 2;
    let mut actions = Vec::new();
    for copy in 0..copies {
        for (i, (label, quote)) in SPANS.iter().enumerate() {
            let byte = TEXT.find(quote).expect("the quote is in the text");
            let start = copy * copy_len + TEXT[..byte].chars().count();
            let span = Span::new(start, start + quote.chars().count(), len).expect("inside the text");
            actions.push(Action::Add(Annotation::new(id("a", copy, i), *label, span, at)));
        }
        for (i, (role, from, to)) in LINKS.iter().enumerate() {
            let (from, to) = (id("a", copy, *from), id("a", copy, *to));
            actions.push(Action::Link(Relation { id: id("r", copy, i), kind: (*role).to_owned(), from, to }));
        }
        actions.push(Action::SetAttr { id: id("a", copy, 1), key: "type".into(), value: Some("CONSULT".into()), at });
        actions.push(Action::SetAttr { id: id("a", copy, 1), key: "place".into(), value: Some("Brussels".into()), at });
        actions.push(Action::SetNote { id: id("a", copy, 3), note: "Check the ministry's statement.".into(), at });
    }
    for action in actions {
        // Every action is valid for the news schema (the test below holds it to that);
        // with another schema, a refused one only makes the rehearsal smaller.
        let _ = set.apply(action);
    }
    (doc, set)
}

/// Exports [`sample`] and imports the file back, as a person's file would be read.
///
/// # Errors
/// Whatever the import says; for the news schema, none (tested).
pub fn rehearse(schema: &Rc<Schema>, copies: usize) -> Result<Imported, ImportError> {
    let (doc, set) = sample(schema, copies);
    native::import(&native::export(&doc, &set), schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rehearsal_round_trips_every_item_of_its_sample() {
        let schema = Schema::news();
        let (doc, set) = sample(&schema, 3);
        assert_eq!(set.len(), 3 * SPANS.len(), "every sample annotation is valid");
        assert_eq!(set.relations().len(), 3 * LINKS.len(), "every sample link is valid");
        let back = rehearse(&schema, 3).expect("the sample reads back");
        assert!(back.refused.is_empty(), "nothing refused: {:?}", back.refused);
        assert_eq!(back.document.text().as_str(), doc.text().as_str());
        assert_eq!(back.annotations.items(), set.items());
        assert_eq!(back.annotations.relations(), set.relations());
        back.annotations.check_invariants().unwrap();
        // The offsets are code points: "resume" starts after the flag (two code points).
        let resume = back.annotations.get(&AnnId::new("a2-1").unwrap()).unwrap();
        let cp = doc.text().as_str().chars().collect::<Vec<_>>();
        assert_eq!(cp[resume.span.start()..resume.span.end()].iter().collect::<String>(), "resume");
        assert_eq!(resume.attrs.get("type").map(String::as_str), Some("CONSULT"));
    }
}
