//! Event frames as rows: who did what to whom, where, when, and the claims about it.
//!
//! One row per Event annotation, in text order. A slot filled with an entity shows
//! the entity's canonical name; one filled with a mention shows the mention's text.
//! This is what the Events table shows and what its CSV holds.

use super::annotation::{AnnId, AnnotationSet};
use super::document::Document;

/// One event and its frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    /// The event annotation.
    pub event: AnnId,
    /// The event's text.
    pub event_text: String,
    /// The source actor(s).
    pub source: Vec<String>,
    /// The target actor(s).
    pub target: Vec<String>,
    /// The PLOVER type, if set.
    pub kind: String,
    /// The modality, if set.
    pub modality: String,
    /// The place, if set.
    pub place: String,
    /// The time, if set.
    pub time: String,
    /// The claims about the event (their text).
    pub claims: Vec<String>,
}

/// The name shown for the other end of a relation: an entity's name or a mention's text.
pub fn end_name(doc: &Document, set: &AnnotationSet, id: &AnnId) -> String {
    if let Some(e) = set.entity(id) {
        return e.name.clone();
    }
    set.get(id).and_then(|a| doc.text().slice(a.span.start(), a.span.end())).unwrap_or("").to_owned()
}

/// The rows of the Events table. Runs in O(k + r·k) for k annotations and r relations.
pub fn event_rows(doc: &Document, set: &AnnotationSet) -> Vec<EventRow> {
    set.items()
        .iter()
        .filter(|a| a.label == "Event")
        .map(|ev| {
            let role = |kind: &str| -> Vec<String> {
                set.relations_from(&ev.id).filter(|r| r.kind == kind).map(|r| end_name(doc, set, &r.to)).collect()
            };
            let attr = |k: &str| ev.attrs.get(k).cloned().unwrap_or_default();
            let claims = set
                .relations_to(&ev.id)
                .filter(|r| r.kind == "about")
                .map(|r| end_name(doc, set, &r.from))
                .collect();
            EventRow {
                event: ev.id.clone(),
                event_text: end_name(doc, set, &ev.id),
                source: role("source"),
                target: role("target"),
                kind: attr("type"),
                modality: attr("modality"),
                place: attr("place"),
                time: attr("time"),
                claims,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Annotation, Entity, Relation, Schema, Span, Timestamp};

    #[test]
    fn rows_follow_slots_entities_and_claims() {
        let text = "Netanyahu canceled the visit; Kirby said it was a mistake.";
        let doc = Document::from_text(text);
        let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
        let id = |s: &str| AnnId::new(s).unwrap();
        let add = |set: &mut AnnotationSet, i: &str, label: &str, s: usize, e: usize| {
            set.apply(Action::Add(Annotation::new(id(i), label, Span::new(s, e, 100).unwrap(), Timestamp(1)))).unwrap();
        };
        add(&mut set, "n", "Actor", 0, 9);
        add(&mut set, "ev", "Event", 10, 28);
        add(&mut set, "k", "Actor", 30, 35);
        add(&mut set, "cl", "Claim", 41, 57);
        set.apply(Action::PutEntity(Entity { id: id("E"), name: "Benjamin Netanyahu".into(), kind: "government official".into(), members: vec![id("n")] })).unwrap();
        set.apply(Action::Link(Relation { id: id("r1"), kind: "source".into(), from: id("ev"), to: id("E") })).unwrap();
        set.apply(Action::Link(Relation { id: id("r2"), kind: "about".into(), from: id("cl"), to: id("ev") })).unwrap();
        set.apply(Action::SetAttr { id: id("ev"), key: "modality".into(), value: Some("occurred".into()), at: Timestamp(2) }).unwrap();
        let rows = event_rows(&doc, &set);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.event_text, "canceled the visit");
        assert_eq!(r.source, vec!["Benjamin Netanyahu"], "an entity shows its canonical name");
        assert!(r.target.is_empty());
        assert_eq!(r.modality, "occurred");
        assert_eq!(r.claims, vec!["it was a mistake"]);
    }
}
