//! Property tests: no sequence of actions breaks the model's invariants, and undoing
//! every action in reverse restores the start exactly.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use spantag_core::model::{Action, AnnId, Annotation, AnnotationSet, Entity, Relation, Schema, Span, Timestamp};

const LEN: usize = 60;
const LABELS: [&str; 4] = ["Actor", "Event", "Claim", "Cue"];
const ROLES: [&str; 7] = ["source", "target", "claimer", "cue", "about", "supports", "contradicts"];

/// An action described by small numbers, resolved against the current set so that
/// most actions name things that exist (and some do not).
#[derive(Clone, Debug)]
enum Op {
    Add(usize, usize, usize),
    Relabel(usize, usize),
    Remove(usize),
    Link(usize, usize, usize, bool),
    Unlink(usize),
    Entity(usize, Vec<usize>),
    RemoveEntity(usize),
    Attr(usize, usize),
    Note(usize),
    Batch(Vec<(usize, usize, usize)>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..LEN, 1..12usize, 0..4usize).prop_map(|(s, l, lab)| Op::Add(s, l, lab)),
        2 => (0..20usize, 0..4usize).prop_map(|(i, l)| Op::Relabel(i, l)),
        2 => (0..20usize).prop_map(Op::Remove),
        4 => (0..7usize, 0..20usize, 0..20usize, any::<bool>()).prop_map(|(k, f, t, e)| Op::Link(k, f, t, e)),
        1 => (0..20usize).prop_map(Op::Unlink),
        2 => (0..3usize, prop::collection::vec(0..20usize, 0..4)).prop_map(|(i, m)| Op::Entity(i, m)),
        1 => (0..3usize).prop_map(Op::RemoveEntity),
        2 => (0..20usize, 0..6usize).prop_map(|(i, v)| Op::Attr(i, v)),
        1 => (0..20usize).prop_map(Op::Note),
        1 => prop::collection::vec((0..LEN, 1..8usize, 0..4usize), 1..4).prop_map(Op::Batch),
    ]
}

fn resolve(set: &AnnotationSet, op: &Op, n: usize) -> Action {
    let id = |s: String| AnnId::new(s).unwrap();
    let ann_id = |i: usize| set.items().get(i % set.len().max(1)).map_or_else(|| id(format!("missing{i}")), |a| a.id.clone());
    let add = |s: usize, l: usize, lab: usize, k: usize| {
        let end = (s + l).min(LEN);
        let span = Span::new(s.min(end.saturating_sub(1)), end.max(1), LEN).unwrap();
        Action::Add(Annotation::new(id(format!("a{n}_{k}")), LABELS[lab], span, Timestamp(n as i64)))
    };
    match op {
        Op::Add(s, l, lab) => add(*s, *l, *lab, 0),
        Op::Relabel(i, l) => Action::Relabel { id: ann_id(*i), label: LABELS[*l].into(), at: Timestamp(n as i64) },
        Op::Remove(i) => Action::Remove { id: ann_id(*i) },
        Op::Link(k, f, t, to_entity) => {
            let to = if *to_entity && !set.entities().is_empty() { set.entities()[t % set.entities().len()].id.clone() } else { ann_id(*t) };
            Action::Link(Relation { id: id(format!("r{n}")), kind: ROLES[*k].into(), from: ann_id(*f), to })
        }
        Op::Unlink(i) => match set.relations().get(i % set.relations().len().max(1)) {
            Some(r) => Action::Unlink { id: r.id.clone() },
            None => Action::Unlink { id: id("nothing".into()) },
        },
        Op::Entity(i, members) => Action::PutEntity(Entity {
            id: id(format!("E{i}")),
            name: format!("Entity {i}"),
            kind: "state".into(),
            members: members.iter().map(|m| ann_id(*m)).collect(),
        }),
        Op::RemoveEntity(i) => Action::RemoveEntity { id: id(format!("E{i}")) },
        Op::Attr(i, v) => {
            let (key, value) = [("modality", Some("threatened")), ("type", Some("ASSAULT")), ("stance", Some("affirm")), ("place", Some("Gaza")), ("modality", None), ("stance", Some("bogus"))][*v];
            Action::SetAttr { id: ann_id(*i), key: key.into(), value: value.map(Into::into), at: Timestamp(n as i64) }
        }
        Op::Note(i) => Action::SetNote { id: ann_id(*i), note: format!("note {n}"), at: Timestamp(n as i64) },
        Op::Batch(adds) => Action::Batch(adds.iter().enumerate().map(|(k, (s, l, lab))| add(*s, *l, *lab, k)).collect()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn pt_no_sequence_of_actions_breaks_invariants(ops in prop::collection::vec(op(), 1..60)) {
        let mut set = AnnotationSet::new(LEN, Schema::news());
        let mut history = vec![set.clone()];
        let mut undos = Vec::new();
        for (n, op) in ops.iter().enumerate() {
            let action = resolve(&set, op, n);
            let before = set.clone();
            match set.apply(action) {
                Ok(undo) => {
                    undos.push(undo);
                    history.push(set.clone());
                }
                Err(_) => prop_assert_eq!(&set, &before, "a refused action changed the set"),
            }
            if let Err(e) = set.check_invariants() {
                return Err(TestCaseError::fail(format!("after {op:?}: {e}")));
            }
        }
        // Undo everything, checking each intermediate state.
        history.pop();
        while let Some(undo) = undos.pop() {
            set.apply(undo).map_err(|e| TestCaseError::fail(format!("undo refused: {e}")))?;
            set.check_invariants().map_err(TestCaseError::fail)?;
            prop_assert_eq!(&set, &history.pop().unwrap());
        }
        prop_assert!(set.is_empty() && set.relations().is_empty() && set.entities().is_empty());
    }
}

/// A 60-code-point text in five blocks (paragraphs, one a heading), with emoji.
fn blocks_of_text() -> Vec<spantag_core::model::document::Block> {
    let text = "One 🇺🇸 two.\n\nFour\n\nSix 日本 é.\n\nEight nine.\n\nTen eleven xx yzw";
    assert_eq!(text.chars().count(), LEN);
    spantag_core::model::Document::new("t", text).blocks()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The article recomputes only the blocks an edit touched; whatever the edit (or
    /// its undo), the result equals computing every block from scratch.
    #[test]
    fn pt_marks_after_an_edit_equal_marks_from_scratch(ops in prop::collection::vec(op(), 1..40)) {
        use spantag_core::model::marks::{item_lanes, marks_after_edit, marks_by_block};
        let blocks = blocks_of_text();
        let mut set = AnnotationSet::new(LEN, Schema::news());
        let mut marks = marks_by_block(&blocks, &set);
        let mut undos = Vec::new();
        let step = |old: &AnnotationSet, new: &AnnotationSet, marks: &mut Vec<_>| -> Result<(), TestCaseError> {
            let next = marks_after_edit(&blocks, old, &item_lanes(old), new, &item_lanes(new), marks);
            prop_assert_eq!(&next, &marks_by_block(&blocks, new));
            *marks = next;
            Ok(())
        };
        for (n, op) in ops.iter().enumerate() {
            let mut next = set.clone();
            if let Ok(undo) = next.apply(resolve(&set, op, n)) {
                undos.push(undo);
                step(&set, &next, &mut marks)?;
                set = next;
            }
        }
        while let Some(undo) = undos.pop() {
            let mut next = set.clone();
            next.apply(undo).map_err(|e| TestCaseError::fail(format!("undo refused: {e}")))?;
            step(&set, &next, &mut marks)?;
            set = next;
        }
    }
}
