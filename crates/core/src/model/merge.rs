//! Merging another set of annotations (an import) into the current one.
//!
//! Nothing already here is overwritten or lost. An annotation with the same span and
//! label as one already here is the same annotation: it is not added again, and the
//! relations and entities that name it in the file are mapped onto the one here.
//! What the file's copy has and the one here lacks (a note where this one has none,
//! an attribute this one has not set) is filled in; where both have a value and the
//! values differ, the one here is kept. [`MergeReport::filled`] and
//! [`MergeReport::conflicts`] name each, so neither is silent. An id that clashes
//! with one here is renamed. A relation that is already here (same
//! kind and ends) is skipped. An entity whose mentions already belong to an entity
//! here is merged into that one. Everything is applied through
//! [`AnnotationSet::apply`], so the model's invariants hold; what cannot be merged is
//! reported with its reason.

use std::collections::BTreeMap;

use super::annotation::{Action, AnnId, Annotation, AnnotationSet, Entity, Relation};

/// What a merge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Annotations added.
    pub n_added: usize,
    /// Annotations already present (same span and label). What they lacked is
    /// filled in from the file ([`MergeReport::filled`]).
    pub n_present: usize,
    /// Relations added.
    pub n_links: usize,
    /// Items that could not be merged, with the reason.
    pub refused: Vec<String>,
    /// What the file filled in on annotations already present: a note or an
    /// attribute they lacked, one sentence each.
    pub filled: Vec<String>,
    /// Where an annotation already present differs from the file's (another value
    /// for an attribute, another note) and was kept as it is here, one sentence each.
    pub conflicts: Vec<String>,
}

/// Merges `from` into `into`. `fresh` gives a new unused id whenever one is needed.
pub fn merge(into: &mut AnnotationSet, from: &AnnotationSet, mut fresh: impl FnMut(&AnnotationSet) -> AnnId) -> MergeReport {
    let mut report = MergeReport::default();
    let mut map: BTreeMap<AnnId, AnnId> = BTreeMap::new();
    for a in from.items() {
        if let Some(here) = into.find_duplicate(a.span, &a.label).cloned() {
            map.insert(a.id.clone(), here.id.clone());
            report.n_present += 1;
            fill_in(into, &here, a, &mut report);
            continue;
        }
        let mut a = Annotation::clone(a);
        let old = a.id.clone();
        if into.is_known(&a.id) {
            a.id = fresh(into);
        }
        let new = a.id.clone();
        match into.apply(Action::Add(a)) {
            Ok(_) => {
                report.n_added += 1;
                map.insert(old, new);
            }
            Err(r) => report.refused.push(format!("annotation \"{new}\": {r}")),
        }
    }
    for e in from.entities() {
        let members: Vec<AnnId> = e.members.iter().filter_map(|m| map.get(m).cloned()).collect();
        let joined = members.iter().find_map(|m| into.entity_of(m).cloned());
        let entity = match joined {
            Some(mut here) => {
                for m in members {
                    if !here.members.contains(&m) && into.entity_of(&m).is_none() {
                        here.members.push(m);
                    }
                }
                map.insert(e.id.clone(), here.id.clone());
                here
            }
            None => {
                let members: Vec<AnnId> = members.into_iter().filter(|m| into.entity_of(m).is_none()).collect();
                let id = if into.is_known(&e.id) { fresh(into) } else { e.id.clone() };
                map.insert(e.id.clone(), id.clone());
                Entity { id, name: e.name.clone(), kind: e.kind.clone(), members }
            }
        };
        match into.apply(Action::PutEntity(entity)) {
            Ok(_) | Err(super::annotation::Refusal::Unchanged) => {}
            Err(r) => report.refused.push(format!("entity \"{}\": {r}", e.name)),
        }
    }
    for r in from.relations() {
        let (Some(f), Some(t)) = (map.get(&r.from), map.get(&r.to)) else {
            report.refused.push(format!("relation \"{}\": one of its ends was not merged", r.id));
            continue;
        };
        if into.relations().iter().any(|x| x.kind == r.kind && &x.from == f && &x.to == t) {
            continue;
        }
        let id = if into.is_known(&r.id) { fresh(into) } else { r.id.clone() };
        match into.apply(Action::Link(Relation { id, kind: r.kind.clone(), from: f.clone(), to: t.clone() })) {
            Ok(_) => report.n_links += 1,
            Err(why) => report.refused.push(format!("relation \"{}\": {why}", r.id)),
        }
    }
    report
}

/// Fills in on `here` (an annotation of `into`) what the file's copy `file` has and
/// it lacks, and reports each value filled in and each difference kept.
fn fill_in(into: &mut AnnotationSet, here: &Annotation, file: &Annotation, report: &mut MergeReport) {
    let named = format!("annotation \"{}\" ({} {}..{})", here.id, here.label, here.span.start(), here.span.end());
    // Filling in is an edit made with the file's knowledge, as of the later time.
    let at = here.modified.max(file.modified);
    for (key, value) in &file.attrs {
        match here.attrs.get(key) {
            Some(mine) if mine == value => {}
            Some(mine) => report.conflicts.push(format!("{named}: attribute {key} kept as {mine:?}; the file has {value:?}")),
            None => match into.apply(Action::SetAttr { id: here.id.clone(), key: key.clone(), value: Some(value.clone()), at }) {
                Ok(_) => report.filled.push(format!("{named}: attribute {key} = {value:?} was filled in from the file")),
                Err(r) => report.refused.push(format!("{named}: the file's attribute {key} = {value:?}: {r}")),
            },
        }
    }
    if file.note.is_empty() || file.note == here.note {
        return;
    }
    if !here.note.is_empty() {
        report.conflicts.push(format!("{named}: note kept as it is here; the file's note is {:?}", file.note));
        return;
    }
    match into.apply(Action::SetNote { id: here.id.clone(), note: file.note.clone(), at }) {
        Ok(_) => report.filled.push(format!("{named}: its note was empty, the file's note was filled in")),
        Err(r) => report.refused.push(format!("{named}: the file's note: {r}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Annotation, Schema, Span, Timestamp};

    fn id(s: &str) -> AnnId {
        AnnId::new(s).unwrap()
    }

    fn add(set: &mut AnnotationSet, i: &str, label: &str, s: usize, e: usize) {
        set.apply(Action::Add(Annotation::new(id(i), label, Span::new(s, e, 100).unwrap(), Timestamp(1)))).unwrap();
    }

    #[test]
    fn merge_maps_duplicates_renames_clashes_and_keeps_links() {
        let mut here = AnnotationSet::new(100, Schema::news());
        add(&mut here, "a", "Actor", 0, 5);
        add(&mut here, "x", "Event", 50, 60);
        let mut file = AnnotationSet::new(100, Schema::news());
        add(&mut file, "a1", "Actor", 0, 5); // the same as "a"
        add(&mut file, "x", "Event", 10, 20); // clashes with "x"
        file.apply(Action::Link(Relation { id: id("r"), kind: "source".into(), from: id("x"), to: id("a1") })).unwrap();
        file.apply(Action::PutEntity(Entity { id: id("E"), name: "A".into(), kind: String::new(), members: vec![id("a1")] })).unwrap();
        let mut n = 0;
        let report = merge(&mut here, &file, |set| loop {
            n += 1;
            let c = id(&format!("m{n}"));
            if !set.is_known(&c) {
                return c;
            }
        });
        assert_eq!((report.n_added, report.n_present, report.n_links), (1, 1, 1), "{report:?}");
        assert!(report.refused.is_empty(), "{report:?}");
        here.check_invariants().unwrap();
        let r = &here.relations()[0];
        assert_eq!((r.from.as_str(), r.to.as_str()), ("m1", "a"), "the renamed event points at the annotation already here");
        assert_eq!(here.entity_of(&id("a")).unwrap().name, "A");
        assert_eq!(here.get(&id("x")).unwrap().span.start(), 50, "nothing here changed");
    }

    /// A span already here takes what it lacks from the file (a note, attributes it
    /// has not got), and the report names each thing filled in and each difference
    /// kept as it is here. It was silently dropped before.
    #[test]
    fn merge_fills_in_what_a_present_annotation_lacks_and_reports_conflicts() {
        let mut here = AnnotationSet::new(100, Schema::news());
        add(&mut here, "a", "Actor", 0, 5);
        add(&mut here, "e", "Event", 10, 20);
        here.apply(Action::SetAttr { id: id("e"), key: "modality".into(), value: Some("occurred".into()), at: Timestamp(2) }).unwrap();
        here.apply(Action::SetNote { id: id("e"), note: "mine".into(), at: Timestamp(2) }).unwrap();
        let mut file = AnnotationSet::new(100, Schema::news());
        add(&mut file, "a1", "Actor", 0, 5);
        add(&mut file, "e1", "Event", 10, 20);
        file.apply(Action::SetNote { id: id("a1"), note: "from the file".into(), at: Timestamp(3) }).unwrap();
        file.apply(Action::SetAttr { id: id("e1"), key: "modality".into(), value: Some("threatened".into()), at: Timestamp(3) }).unwrap();
        file.apply(Action::SetAttr { id: id("e1"), key: "place".into(), value: Some("Kyiv".into()), at: Timestamp(3) }).unwrap();
        file.apply(Action::SetNote { id: id("e1"), note: "theirs".into(), at: Timestamp(3) }).unwrap();
        let before = here.clone();
        let report = merge(&mut here, &file, |_| unreachable!("nothing is added"));
        here.check_invariants().unwrap();
        assert_eq!((report.n_added, report.n_present), (0, 2), "{report:?}");
        assert!(report.refused.is_empty(), "{report:?}");
        let (a, e) = (here.get(&id("a")).unwrap(), here.get(&id("e")).unwrap());
        assert_eq!(a.note, "from the file", "a missing note is filled in");
        assert_eq!(e.attrs.get("place").map(String::as_str), Some("Kyiv"), "a missing attribute is filled in");
        assert_eq!(e.attrs["modality"], "occurred", "a different value is kept as it is here");
        assert_eq!(e.note, "mine", "a different note is kept as it is here");
        assert_eq!(a.modified, Timestamp(3), "filling in is an edit, as of the file's annotation");
        assert_eq!(
            report.filled,
            ["annotation \"a\" (Actor 0..5): its note was empty, the file's note was filled in", "annotation \"e\" (Event 10..20): attribute place = \"Kyiv\" was filled in from the file"]
        );
        assert_eq!(
            report.conflicts,
            [
                "annotation \"e\" (Event 10..20): attribute modality kept as \"occurred\"; the file has \"threatened\"",
                "annotation \"e\" (Event 10..20): note kept as it is here; the file's note is \"theirs\"",
            ]
        );
        // Merging the same file again changes nothing more and fills nothing in.
        let again = merge(&mut here, &file, |_| unreachable!("nothing is added"));
        assert!(again.filled.is_empty(), "{again:?}");
        assert_eq!(again.conflicts, report.conflicts);
        assert_ne!(before, here);
    }
}
