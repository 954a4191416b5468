//! Merging another set of annotations (an import) into the current one.
//!
//! Nothing already here is changed or lost. An annotation with the same span and label
//! as one already here is the same annotation: it is not added again, and the
//! relations and entities that name it in the file are mapped onto the one here. An
//! id that clashes with one here is renamed. A relation that is already here (same
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
    /// Annotations already present (same span and label).
    pub n_present: usize,
    /// Relations added.
    pub n_links: usize,
    /// Items that could not be merged, with the reason.
    pub refused: Vec<String>,
}

/// Merges `from` into `into`. `fresh` gives a new unused id whenever one is needed.
pub fn merge(into: &mut AnnotationSet, from: &AnnotationSet, mut fresh: impl FnMut(&AnnotationSet) -> AnnId) -> MergeReport {
    let mut report = MergeReport::default();
    let mut map: BTreeMap<AnnId, AnnId> = BTreeMap::new();
    for a in from.items() {
        if let Some(here) = into.find_duplicate(a.span, &a.label) {
            map.insert(a.id.clone(), here.id.clone());
            report.n_present += 1;
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
}
