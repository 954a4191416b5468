//! Annotations, relations and entities, and the one place they change:
//! [`AnnotationSet::apply`].
//!
//! Invariants, checked on every action (and by [`AnnotationSet::check_invariants`]):
//! - `0 <= start < end <= len` in code points (a [`Span`] cannot be otherwise);
//! - every label, role and attribute is in the [`Schema`], and attribute values fit it;
//! - ids are unique across annotations, relations and entities;
//! - no two annotations have the same span *and* the same label;
//! - no relation points at a missing annotation or entity, relations obey their
//!   role (which label may point to which; a single-slot role holds at most one), no
//!   relation points at its own start, and no two relations are identical;
//! - entities hold one or more Actor annotations, and a mention is in at most one;
//! - annotations are kept in text order: by start, then longer first (the outer span
//!   before the spans nested in it), then label, then id. This order is total, so
//!   the list, the render and every export are deterministic.
//!
//! The hard part is deletion: removing an annotation also removes every relation
//! to or from it and its entity membership (and an entity left empty, with the
//! relations to it), so nothing is ever left pointing at nothing. `apply` returns the
//! inverse action, a [`Action::Batch`] when it cascaded, which is how undo restores
//! all of it at once.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

use rustc_hash::FxBuildHasher;

use super::label::LabelSet;
use super::schema::{Schema, MAX_TEXT};
use super::span::{Span, SpanError};
use super::time::Timestamp;

/// The import's tables (see [`AnnotationSet::add_all`]).
type FxHashSet<K> = HashSet<K, FxBuildHasher>;
type FxHashMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// An id of an annotation, a relation or an entity: unique within a document,
/// opaque, 1 to 64 printable ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnnId(String);

impl AnnId {
    /// Checks an id.
    ///
    /// # Errors
    /// A message if the id is empty, longer than 64 bytes or not printable ASCII.
    pub fn new(id: impl Into<String>) -> Result<AnnId, String> {
        AnnId::parse(id.into()).map_err(|(_, why)| why)
    }

    /// As [`AnnId::new`], handing the string back with the reason if it is not an id.
    ///
    /// # Errors
    /// The string, and why it is not an id.
    pub fn parse(id: String) -> Result<AnnId, (String, String)> {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
            let why = format!("id {id:?} must be 1 to 64 printable ASCII characters");
            return Err((id, why));
        }
        Ok(AnnId(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AnnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A labelled span of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// The id.
    pub id: AnnId,
    /// The label id, one of the schema's labels.
    pub label: String,
    /// The code point span.
    pub span: Span,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed (label, note or attributes).
    pub modified: Timestamp,
    /// A free-text note (empty for none).
    pub note: String,
    /// Attribute values by attribute id, as the schema allows for the label.
    pub attrs: BTreeMap<String, String>,
}

impl Annotation {
    /// A new annotation with no note and no attributes.
    pub fn new(id: AnnId, label: impl Into<String>, span: Span, at: Timestamp) -> Annotation {
        Annotation { id, label: label.into(), span, created: at, modified: at, note: String::new(), attrs: BTreeMap::new() }
    }

    /// The text-order key: start, longer first, label, id.
    fn order(&self, other: &Annotation) -> Ordering {
        self.span
            .start()
            .cmp(&other.span.start())
            .then(other.span.end().cmp(&self.span.end()))
            .then_with(|| self.label.cmp(&other.label))
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// A typed link from an annotation to an annotation or an entity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relation {
    /// The id.
    pub id: AnnId,
    /// The role id, one of the schema's roles.
    pub kind: String,
    /// The annotation it starts from.
    pub from: AnnId,
    /// The annotation or entity it points at.
    pub to: AnnId,
}

/// A coreference cluster: several mentions of the same actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    /// The id.
    pub id: AnnId,
    /// The canonical name ("Benjamin Netanyahu").
    pub name: String,
    /// The actor type, one of the schema's actor types, or empty if not set.
    pub kind: String,
    /// The Actor annotations that mention it, sorted.
    pub members: Vec<AnnId>,
}

/// A change to an [`AnnotationSet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Add an annotation.
    Add(Annotation),
    /// Change the label of an annotation. Relations and attributes that the new
    /// label cannot have are removed (the inverse restores them).
    Relabel {
        /// Which annotation.
        id: AnnId,
        /// The new label id.
        label: String,
        /// When.
        at: Timestamp,
    },
    /// Remove an annotation, with every relation to or from it and its entity membership.
    Remove {
        /// Which annotation.
        id: AnnId,
    },
    /// Set an annotation's note (empty removes it).
    SetNote {
        /// Which annotation.
        id: AnnId,
        /// The note.
        note: String,
        /// When.
        at: Timestamp,
    },
    /// Set or clear an attribute of an annotation.
    SetAttr {
        /// Which annotation.
        id: AnnId,
        /// The attribute id.
        key: String,
        /// The value, or `None` to clear it.
        value: Option<String>,
        /// When.
        at: Timestamp,
    },
    /// Add a relation.
    Link(Relation),
    /// Remove a relation.
    Unlink {
        /// Which relation.
        id: AnnId,
    },
    /// Add an entity, or replace the one with the same id.
    PutEntity(Entity),
    /// Remove an entity and every relation pointing at it.
    RemoveEntity {
        /// Which entity.
        id: AnnId,
    },
    /// Several actions applied together: all of them, or none.
    Batch(Vec<Action>),
}

/// Why an action was refused. The set is unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The span is empty, reversed or past the end.
    BadSpan(SpanError),
    /// The label is not in the schema.
    UnknownLabel(String),
    /// Something with this id exists already.
    DuplicateId(AnnId),
    /// An annotation with the same span and label exists already.
    Duplicate {
        /// The id of the one already there.
        existing: AnnId,
    },
    /// Nothing has this id.
    NotFound(AnnId),
    /// The change would change nothing.
    Unchanged,
    /// A relation or entity that breaks the schema, with the reason.
    Schema(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::BadSpan(e) => write!(f, "bad span: {e}"),
            Refusal::UnknownLabel(l) => write!(f, "unknown label \"{l}\""),
            Refusal::DuplicateId(id) => write!(f, "id \"{id}\" is used twice"),
            Refusal::Duplicate { existing } => {
                write!(f, "the same span already has this label (annotation \"{existing}\")")
            }
            Refusal::NotFound(id) => write!(f, "nothing has the id \"{id}\""),
            Refusal::Unchanged => write!(f, "nothing would change"),
            Refusal::Schema(why) => f.write_str(why),
        }
    }
}

/// The annotations, relations and entities of one document, always valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnotationSet {
    len_cp: usize,
    schema: Rc<Schema>,
    /// Shared, so that cloning the set for an edit (the UI keeps the old state for
    /// undo and for yew's props) copies pointers, not 10,000 annotations.
    items: Vec<Rc<Annotation>>,
    relations: Vec<Relation>,
    entities: Vec<Entity>,
    /// Where the last annotation looked up by id was (see [`AnnotationSet::position`]).
    hint: Hint,
}

/// The index of the last annotation found by id: a guess, checked before it is used.
/// An edit and the render after it look the same annotation up several times (the
/// selected one); with 10,000 annotations each scan compares 10,000 ids. Not part of
/// the set's value: sets that differ only in their hint are equal.
#[derive(Clone, Debug, Default)]
struct Hint(Cell<usize>);

impl PartialEq for Hint {
    fn eq(&self, _: &Hint) -> bool {
        true
    }
}

impl Eq for Hint {}

impl AnnotationSet {
    /// An empty set over a text of `len_cp` code points.
    pub fn new(len_cp: usize, schema: Rc<Schema>) -> AnnotationSet {
        AnnotationSet { len_cp, schema, items: Vec::new(), relations: Vec::new(), entities: Vec::new(), hint: Hint::default() }
    }

    /// The schema.
    pub fn schema(&self) -> &Rc<Schema> {
        &self.schema
    }

    /// The label set.
    pub fn labels(&self) -> &LabelSet {
        &self.schema.labels
    }

    /// The length of the text in code points.
    pub fn len_cp(&self) -> usize {
        self.len_cp
    }

    /// The annotations in text order.
    pub fn items(&self) -> &[Rc<Annotation>] {
        &self.items
    }

    /// The relations, sorted by id.
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// The entities, sorted by id.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The number of annotations.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no annotations.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The annotation with this id. Runs in O(k), or O(1) when it is the annotation
    /// looked up (or added) last.
    pub fn get(&self, id: &AnnId) -> Option<&Annotation> {
        self.position(id).map(|i| &*self.items[i])
    }

    /// The index of the annotation with this id: the hint if it holds, else a scan,
    /// which moves the hint.
    fn position(&self, id: &AnnId) -> Option<usize> {
        let h = self.hint.0.get();
        if self.items.get(h).is_some_and(|a| &a.id == id) {
            return Some(h);
        }
        let i = self.items.iter().position(|a| &a.id == id)?;
        self.hint.0.set(i);
        Some(i)
    }

    /// The entity with this id.
    pub fn entity(&self, id: &AnnId) -> Option<&Entity> {
        self.entities.iter().find(|e| &e.id == id)
    }

    /// The entity an annotation belongs to.
    pub fn entity_of(&self, ann: &AnnId) -> Option<&Entity> {
        self.entities.iter().find(|e| e.members.contains(ann))
    }

    /// The relations starting from `id`.
    pub fn relations_from<'a>(&'a self, id: &'a AnnId) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations.iter().filter(move |r| &r.from == id)
    }

    /// The relations pointing at `id` (an annotation or an entity).
    pub fn relations_to<'a>(&'a self, id: &'a AnnId) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations.iter().filter(move |r| &r.to == id)
    }

    /// How many relations would go with the annotation if it were removed: the UI
    /// asks before removing an annotation others point to.
    pub fn dependents(&self, id: &AnnId) -> usize {
        let mut n = self.relations.iter().filter(|r| &r.from == id || &r.to == id).count();
        if let Some(e) = self.entity_of(id) {
            if e.members.len() == 1 {
                n += self.relations_to(&e.id).count();
            }
        }
        n
    }

    /// A readable name for the other end of a relation: the entity's name or the
    /// annotation's text.
    pub fn is_known(&self, id: &AnnId) -> bool {
        self.get(id).is_some() || self.entity(id).is_some() || self.relations.iter().any(|r| &r.id == id)
    }

    /// The annotations covering code point `cp`, innermost (shortest) first.
    pub fn at(&self, cp: usize) -> Vec<&Annotation> {
        let mut hits: Vec<&Annotation> =
            self.items.iter().take_while(|a| a.span.start() <= cp).filter(|a| a.span.contains(cp)).map(Rc::as_ref).collect();
        super::sort::sort_by(&mut hits, |a, b| a.span.len_cp().cmp(&b.span.len_cp()).then_with(|| a.order(b)));
        hits
    }

    /// How many annotations carry each label, in label-set order.
    /// One pass over the annotations (the panel shows the counts on every render).
    pub fn counts(&self) -> Vec<(String, usize)> {
        let labels = self.labels();
        let mut n = vec![0usize; labels.len()];
        for a in &self.items {
            if let Some(i) = labels.iter().position(|l| l.id == a.label) {
                n[i] += 1;
            }
        }
        labels.iter().zip(n).map(|(l, n)| (l.id.clone(), n)).collect()
    }

    /// The annotation with the same span and label, if any.
    pub fn find_duplicate(&self, span: Span, label: &str) -> Option<&Annotation> {
        self.items.iter().find(|a| a.span == span && a.label == label).map(Rc::as_ref)
    }

    fn idx(&self, id: &AnnId) -> Result<usize, Refusal> {
        self.position(id).ok_or_else(|| Refusal::NotFound(id.clone()))
    }

    fn insert_sorted(&mut self, ann: Annotation) {
        let idx = self.items.partition_point(|a| a.order(&ann) == Ordering::Less);
        self.items.insert(idx, Rc::new(ann));
        self.hint.0.set(idx);
    }

    /// Checks a relation against the schema and the current set.
    fn check_link(&self, rel: &Relation) -> Result<(), Refusal> {
        let role = self.schema.role(&rel.kind).ok_or_else(|| Refusal::Schema(format!("unknown relation kind \"{}\"", rel.kind)))?;
        let from = self.get(&rel.from).ok_or_else(|| Refusal::NotFound(rel.from.clone()))?;
        if from.label != role.from {
            return Err(Refusal::Schema(format!("{} is a slot of {}, not of {}", role.name, role.from, from.label)));
        }
        if rel.from == rel.to {
            return Err(Refusal::Schema(format!("an annotation cannot be its own {}", role.name)));
        }
        match (self.get(&rel.to), self.entity(&rel.to)) {
            (Some(to), _) if !role.to.contains(&to.label) => {
                return Err(Refusal::Schema(format!("{} must be {}, not {}", role.name, role.to.join(" or "), to.label)))
            }
            (None, Some(_)) if !role.to_entity => return Err(Refusal::Schema(format!("{} cannot be an entity", role.name))),
            (None, None) => return Err(Refusal::NotFound(rel.to.clone())),
            _ => {}
        }
        if self.relations.iter().any(|r| r.kind == rel.kind && r.from == rel.from && r.to == rel.to) {
            return Err(Refusal::Unchanged);
        }
        if role.single && self.relations.iter().any(|r| r.kind == rel.kind && r.from == rel.from) {
            return Err(Refusal::Schema(format!("{} is filled already; unlink it first", role.name)));
        }
        Ok(())
    }

    fn check_entity(&self, e: &Entity) -> Result<(), Refusal> {
        if e.members.is_empty() {
            return Err(Refusal::Schema("an entity needs at least one mention".into()));
        }
        if e.name.trim().is_empty() || e.name.chars().count() > 200 {
            return Err(Refusal::Schema("an entity needs a name of 1 to 200 characters".into()));
        }
        if !e.kind.is_empty() && !self.schema.actor_types.contains(&e.kind) {
            return Err(Refusal::Schema(format!("\"{}\" is not an actor type", e.kind)));
        }
        for (i, m) in e.members.iter().enumerate() {
            let ann = self.get(m).ok_or_else(|| Refusal::NotFound(m.clone()))?;
            if ann.label != "Actor" {
                return Err(Refusal::Schema(format!("only Actors can be mentions of an entity, not a {}", ann.label)));
            }
            if e.members[..i].contains(m) {
                return Err(Refusal::Schema(format!("{m} is listed twice")));
            }
            if let Some(other) = self.entity_of(m) {
                if other.id != e.id {
                    return Err(Refusal::Schema(format!("{m} is already a mention of \"{}\"", other.name)));
                }
            }
        }
        Ok(())
    }

    /// Applies an action, keeping every invariant, and returns the action that undoes it.
    ///
    /// # Errors
    /// A [`Refusal`] saying why; the set is then unchanged.
    pub fn apply(&mut self, action: Action) -> Result<Action, Refusal> {
        match action {
            Action::Add(ann) => {
                self.check_new(&ann, &|id| self.is_known(id), &|span, label| self.find_duplicate(span, label).map(|a| a.id.clone()))?;
                let undo = Action::Remove { id: ann.id.clone() };
                self.insert_sorted(ann);
                Ok(undo)
            }
            Action::Relabel { id, label, at } => {
                let idx = self.idx(&id)?;
                if self.labels().get(&label).is_none() {
                    return Err(Refusal::UnknownLabel(label));
                }
                let old = Annotation::clone(&self.items[idx]);
                if old.label == label {
                    return Err(Refusal::Unchanged);
                }
                if let Some(existing) = self.find_duplicate(old.span, &label) {
                    return Err(Refusal::Duplicate { existing: existing.id.clone() });
                }
                let mut undo = Vec::new();
                // Entity membership only holds for Actors. (`drop_member` returns its
                // undo actions in the order they must be applied.)
                if label != "Actor" {
                    if let Some(e) = self.entity_of(&id).cloned() {
                        undo.extend(self.drop_member(&e, &id));
                    }
                }
                let mut ann = Rc::unwrap_or_clone(self.items.remove(self.idx(&id)?));
                ann.label = label;
                ann.modified = at;
                let schema = self.schema.clone();
                ann.attrs.retain(|k, v| schema.check_attr(&ann.label, k, v).is_ok());
                self.insert_sorted(ann);
                // Relations the new label cannot be part of go.
                let broken: Vec<Relation> = self
                    .relations
                    .iter()
                    .filter(|r| r.from == id || r.to == id)
                    .filter(|r| {
                        let mut rest = self.clone();
                        rest.relations.retain(|x| x.id != r.id);
                        rest.check_link(r).is_err()
                    })
                    .cloned()
                    .collect();
                for r in &broken {
                    self.relations.retain(|x| x.id != r.id);
                }
                // Undo order: the old annotation (label and attributes), then its entity
                // and the links to the entity, then its own links.
                let mut inverse = vec![Action::Remove { id: id.clone() }, Action::Add(old)];
                inverse.extend(undo);
                inverse.extend(broken.into_iter().map(Action::Link));
                Ok(Action::Batch(inverse))
            }
            Action::Remove { id } => {
                let idx = self.idx(&id)?;
                let mut restore_entities = Vec::new();
                let mut removed_links: Vec<Relation> = Vec::new();
                if let Some(e) = self.entity_of(&id).cloned() {
                    for a in self.drop_member(&e, &id) {
                        match a {
                            Action::Link(r) => removed_links.push(r),
                            other => restore_entities.push(other),
                        }
                    }
                }
                removed_links.extend(self.relations.iter().filter(|r| r.from == id || r.to == id).cloned());
                self.relations.retain(|r| r.from != id && r.to != id);
                let ann = Rc::unwrap_or_clone(self.items.remove(idx));
                if removed_links.is_empty() && restore_entities.is_empty() {
                    return Ok(Action::Add(ann));
                }
                let mut inverse = vec![Action::Add(ann)];
                inverse.extend(restore_entities);
                super::sort::sort(&mut removed_links);
                inverse.extend(removed_links.into_iter().map(Action::Link));
                Ok(Action::Batch(inverse))
            }
            Action::SetNote { id, note, at } => {
                let idx = self.idx(&id)?;
                if note.chars().count() > MAX_TEXT {
                    return Err(Refusal::Schema(format!("the note is longer than {MAX_TEXT} characters")));
                }
                let ann = Rc::make_mut(&mut self.items[idx]);
                if ann.note == note {
                    return Err(Refusal::Unchanged);
                }
                let undo = Action::SetNote { id, note: std::mem::replace(&mut ann.note, note), at: ann.modified };
                ann.modified = at;
                Ok(undo)
            }
            Action::SetAttr { id, key, value, at } => {
                let idx = self.idx(&id)?;
                let label = self.items[idx].label.clone();
                if let Some(v) = &value {
                    self.schema.check_attr(&label, &key, v).map_err(Refusal::Schema)?;
                } else if self.schema.attr(&label, &key).is_none() {
                    return Err(Refusal::Schema(format!("{label} has no attribute \"{key}\"")));
                }
                let old = self.items[idx].attrs.get(&key).cloned();
                if old == value {
                    return Err(Refusal::Unchanged);
                }
                let ann = Rc::make_mut(&mut self.items[idx]);
                match value {
                    Some(v) => ann.attrs.insert(key.clone(), v),
                    None => ann.attrs.remove(&key),
                };
                let undo = Action::SetAttr { id, key, value: old, at: ann.modified };
                ann.modified = at;
                Ok(undo)
            }
            Action::Link(rel) => {
                if self.is_known(&rel.id) {
                    return Err(Refusal::DuplicateId(rel.id));
                }
                self.check_link(&rel)?;
                let undo = Action::Unlink { id: rel.id.clone() };
                let idx = self.relations.partition_point(|r| r.id < rel.id);
                self.relations.insert(idx, rel);
                Ok(undo)
            }
            Action::Unlink { id } => {
                let idx = self.relations.iter().position(|r| r.id == id).ok_or(Refusal::NotFound(id))?;
                Ok(Action::Link(self.relations.remove(idx)))
            }
            Action::PutEntity(mut e) => {
                super::sort::sort(&mut e.members);
                let old = self.entity(&e.id).cloned();
                if old.is_none() && self.is_known(&e.id) {
                    return Err(Refusal::DuplicateId(e.id));
                }
                if old.as_ref() == Some(&e) {
                    return Err(Refusal::Unchanged);
                }
                self.check_entity(&e)?;
                let undo = match old {
                    Some(old) => Action::PutEntity(old),
                    None => Action::RemoveEntity { id: e.id.clone() },
                };
                let idx = self.entities.partition_point(|x| x.id < e.id);
                if self.entities.get(idx).is_some_and(|x| x.id == e.id) {
                    self.entities[idx] = e;
                } else {
                    self.entities.insert(idx, e);
                }
                Ok(undo)
            }
            Action::RemoveEntity { id } => {
                let idx = self.entities.iter().position(|e| e.id == id).ok_or_else(|| Refusal::NotFound(id.clone()))?;
                let mut links: Vec<Relation> = self.relations_to(&id).cloned().collect();
                self.relations.retain(|r| r.to != id);
                let e = self.entities.remove(idx);
                if links.is_empty() {
                    return Ok(Action::PutEntity(e));
                }
                super::sort::sort(&mut links);
                let mut inverse = vec![Action::PutEntity(e)];
                inverse.extend(links.into_iter().map(Action::Link));
                Ok(Action::Batch(inverse))
            }
            Action::Batch(actions) => {
                let before = self.clone();
                let mut inverses = Vec::with_capacity(actions.len());
                for a in actions {
                    match self.apply(a) {
                        Ok(inv) => inverses.push(inv),
                        Err(r) => {
                            *self = before;
                            return Err(r);
                        }
                    }
                }
                inverses.reverse();
                Ok(Action::Batch(inverses))
            }
        }
    }

    /// Removes `member` from entity `e` (the entity itself, and the relations to
    /// it, if it was the last mention). Returns the actions that undo it, in order.
    fn drop_member(&mut self, e: &Entity, member: &AnnId) -> Vec<Action> {
        if e.members.len() > 1 {
            let mut smaller = e.clone();
            smaller.members.retain(|m| m != member);
            if let Some(x) = self.entities.iter_mut().find(|x| x.id == e.id) {
                *x = smaller;
            }
            return vec![Action::PutEntity(e.clone())];
        }
        let mut links: Vec<Relation> = self.relations_to(&e.id).cloned().collect();
        super::sort::sort(&mut links);
        self.relations.retain(|r| r.to != e.id);
        self.entities.retain(|x| x.id != e.id);
        // The entity comes back once its member is back, then the links to it.
        let mut undo = vec![Action::PutEntity(e.clone())];
        undo.extend(links.into_iter().map(Action::Link));
        undo
    }

    /// Adds many annotations at once (an import), each checked exactly as
    /// [`Action::Add`] checks it, in O(k log k) instead of k separate adds' O(k²).
    /// Returns one result per annotation, in order: a refused one is left out, and
    /// its id given with the reason.
    pub fn add_all(&mut self, anns: Vec<Annotation>) -> Vec<Result<(), (Refusal, AnnId)>> {
        // Checked first, against tables that borrow the ids and labels (no copies);
        // then the accepted ones are moved in.
        let results: Vec<Result<(), Refusal>> = {
            // Fx, not std's SipHash: in the browser std's hash keys are not random
            // (wasm32-unknown-unknown has no entropy source; they come from two
            // allocation addresses), so SipHash bought no resistance to crafted keys
            // there, only time: about a tenth of an L file's first import.
            let n_ids = self.items.len() + self.entities.len() + self.relations.len() + anns.len();
            let mut ids: FxHashSet<&str> = FxHashSet::with_capacity_and_hasher(n_ids, FxBuildHasher);
            ids.extend(self.items.iter().map(|a| a.id.as_str()));
            ids.extend(self.entities.iter().map(|e| e.id.as_str()));
            ids.extend(self.relations.iter().map(|r| r.id.as_str()));
            let mut spans: FxHashMap<(Span, &str), &AnnId> = FxHashMap::with_capacity_and_hasher(self.items.len() + anns.len(), FxBuildHasher);
            spans.extend(self.items.iter().map(|a| ((a.span, a.label.as_str()), &a.id)));
            anns.iter()
                .map(|ann| {
                    let check = self.check_new(ann, &|id| ids.contains(id.as_str()), &|span, label| spans.get(&(span, label)).map(|&id| id.clone()));
                    if check.is_ok() {
                        ids.insert(ann.id.as_str());
                        spans.insert((ann.span, ann.label.as_str()), &ann.id);
                    }
                    check
                })
                .collect()
        };
        self.items.reserve(anns.len());
        let results = anns
            .into_iter()
            .zip(results)
            .map(|(a, r)| match r {
                Ok(()) => {
                    self.items.push(Rc::new(a));
                    Ok(())
                }
                Err(why) => Err((why, a.id)),
            })
            .collect();
        super::sort::sort_by(&mut self.items, |a, b| a.order(b));
        results
    }

    /// The checks of a new annotation, for [`Action::Add`] and [`Self::add_all`]: each
    /// says how an id is known to be in use (`id_taken`) and which annotation already
    /// has a (span, label) pair (`span_taken`). Not inlined: see `formats::native::Item`.
    #[inline(never)]
    fn check_new(&self, ann: &Annotation, id_taken: &dyn Fn(&AnnId) -> bool, span_taken: &dyn Fn(Span, &str) -> Option<AnnId>) -> Result<(), Refusal> {
        Span::new(ann.span.start(), ann.span.end(), self.len_cp).map_err(Refusal::BadSpan)?;
        if self.labels().get(&ann.label).is_none() {
            return Err(Refusal::UnknownLabel(ann.label.clone()));
        }
        if id_taken(&ann.id) {
            return Err(Refusal::DuplicateId(ann.id.clone()));
        }
        if let Some(existing) = span_taken(ann.span, &ann.label) {
            return Err(Refusal::Duplicate { existing });
        }
        if ann.note.chars().count() > MAX_TEXT {
            return Err(Refusal::Schema(format!("the note is longer than {MAX_TEXT} characters")));
        }
        for (k, v) in &ann.attrs {
            self.schema.check_attr(&ann.label, k, v).map_err(Refusal::Schema)?;
        }
        Ok(())
    }

    /// Checks every invariant; used by tests after each action.
    ///
    /// # Errors
    /// A description of the first broken invariant.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut ids = std::collections::BTreeSet::new();
        for (idx, a) in self.items.iter().enumerate() {
            if a.span.start() >= a.span.end() || a.span.end() > self.len_cp {
                return Err(format!("{} has span {:?} over {} code points", a.id, a.span, self.len_cp));
            }
            if self.labels().get(&a.label).is_none() {
                return Err(format!("{} has unknown label {}", a.id, a.label));
            }
            for (k, v) in &a.attrs {
                self.schema.check_attr(&a.label, k, v).map_err(|e| format!("{}: {e}", a.id))?;
            }
            if let Some(prev) = idx.checked_sub(1).map(|p| &self.items[p]) {
                if prev.order(a) != Ordering::Less {
                    return Err(format!("{} and {} are out of order or equal", prev.id, a.id));
                }
            }
            if self.items[..idx].iter().any(|b| b.span == a.span && b.label == a.label) {
                return Err(format!("{} duplicates another annotation", a.id));
            }
            if !ids.insert(a.id.clone()) {
                return Err(format!("id {} is used twice", a.id));
            }
        }
        // Lookups by id find every annotation, whatever the hint says (it is read
        // before and moved by each of these).
        for (idx, a) in self.items.iter().enumerate().rev() {
            if self.position(&a.id) != Some(idx) || self.get(&a.id).map(|b| &b.id) != Some(&a.id) {
                return Err(format!("looking {} up by id does not find it at {idx}", a.id));
            }
        }
        for ((label, n), l) in self.counts().into_iter().zip(self.labels().iter()) {
            if label != l.id || n != self.items.iter().filter(|a| a.label == l.id).count() {
                return Err(format!("the count of {} is wrong", l.id));
            }
        }
        for e in &self.entities {
            if !ids.insert(e.id.clone()) {
                return Err(format!("id {} is used twice", e.id));
            }
        }
        for e in &self.entities {
            self.check_entity(e).map_err(|r| format!("entity {}: {r}", e.id))?;
        }
        for (i, r) in self.relations.iter().enumerate() {
            if !ids.insert(r.id.clone()) {
                return Err(format!("id {} is used twice", r.id));
            }
            let mut rest = self.clone();
            rest.relations.remove(i);
            rest.check_link(r).map_err(|why| format!("relation {}: {why}", r.id))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AnnId {
        AnnId::new(s).unwrap()
    }

    fn ann(i: &str, label: &str, start: usize, end: usize) -> Annotation {
        Annotation::new(id(i), label, Span::new(start, end, usize::MAX).unwrap(), Timestamp(1))
    }

    fn set() -> AnnotationSet {
        AnnotationSet::new(100, Schema::news())
    }

    fn link(i: &str, kind: &str, from: &str, to: &str) -> Action {
        Action::Link(Relation { id: id(i), kind: kind.into(), from: id(from), to: id(to) })
    }

    #[test]
    fn an_edited_copy_shares_every_annotation_it_does_not_change() {
        let mut s = set();
        for (i, start) in [("a", 0), ("b", 10), ("c", 20)] {
            s.apply(Action::Add(ann(i, "Actor", start, start + 5))).unwrap();
        }
        let before = s.clone();
        s.apply(Action::SetNote { id: id("b"), note: "checked".into(), at: Timestamp(2) }).unwrap();
        let shared: Vec<bool> = before.items().iter().zip(s.items()).map(|(x, y)| Rc::ptr_eq(x, y)).collect();
        assert_eq!(shared, [true, false, true], "only the edited annotation is copied");
        assert_eq!(before.get(&id("b")).unwrap().note, "", "the old state is untouched (undo relies on it)");
        s.apply(Action::Relabel { id: id("a"), label: "Event".into(), at: Timestamp(3) }).unwrap();
        assert!(Rc::ptr_eq(&before.items()[2], &s.items()[2]));
        assert_eq!(before.items()[0].label, "Actor");
    }

    #[test]
    fn lookups_by_id_follow_every_edit_and_the_hint_is_not_part_of_the_value() {
        let mut s = set();
        for (i, start) in [("a", 0), ("b", 10), ("c", 20), ("d", 30)] {
            s.apply(Action::Add(ann(i, "Actor", start, start + 5))).unwrap();
        }
        let before = s.clone();
        assert_eq!(s.get(&id("d")).unwrap().span.start(), 30);
        assert_eq!(s.get(&id("a")).unwrap().span.start(), 0);
        assert_eq!(s, before, "sets that differ only in where the last lookup was are equal");
        // A relabel moves "a" (the label is part of the order only among equal spans, so
        // here it stays first), a removal shifts the ones after it.
        s.apply(Action::Relabel { id: id("a"), label: "Event".into(), at: Timestamp(2) }).unwrap();
        assert_eq!(s.get(&id("a")).unwrap().label, "Event");
        s.apply(Action::Remove { id: id("b") }).unwrap();
        assert!(s.get(&id("b")).is_none());
        assert_eq!(s.get(&id("c")).unwrap().span.start(), 20);
        assert_eq!(s.get(&id("d")).unwrap().span.start(), 30);
        assert_eq!(s.get(&id("a")).unwrap().span.start(), 0);
        assert!(s.get(&id("zz")).is_none());
        s.check_invariants().unwrap();
    }

    #[test]
    fn add_keeps_text_order_outer_first() {
        let mut s = set();
        s.apply(Action::Add(ann("b", "Actor", 10, 12))).unwrap();
        s.apply(Action::Add(ann("a", "Claim", 5, 40))).unwrap();
        s.apply(Action::Add(ann("c", "Event", 10, 20))).unwrap();
        let ids: Vec<_> = s.items().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "b"]);
        s.check_invariants().unwrap();
        let at: Vec<_> = s.at(11).iter().map(|a| a.id.as_str()).collect();
        assert_eq!(at, ["b", "c", "a"], "innermost first");
        assert_eq!(s.counts()[..3], [("Actor".into(), 1), ("Event".into(), 1), ("Claim".into(), 1)]);
    }

    #[test]
    fn refusals_leave_the_set_unchanged() {
        let mut s = set();
        s.apply(Action::Add(ann("a", "Actor", 0, 5))).unwrap();
        let before = s.clone();
        assert_eq!(s.apply(Action::Add(ann("b", "Actor", 0, 5))), Err(Refusal::Duplicate { existing: id("a") }));
        assert_eq!(s.apply(Action::Add(ann("a", "Event", 1, 5))), Err(Refusal::DuplicateId(id("a"))));
        assert!(matches!(s.apply(Action::Add(ann("c", "Actor", 90, 101))), Err(Refusal::BadSpan(SpanError::PastEnd { .. }))));
        assert_eq!(s.apply(Action::Add(ann("c", "Place", 1, 2))), Err(Refusal::UnknownLabel("Place".into())));
        assert_eq!(s.apply(Action::Remove { id: id("zz") }), Err(Refusal::NotFound(id("zz"))));
        assert_eq!(s, before);
        s.apply(Action::Add(ann("b", "Claim", 0, 5))).unwrap();
        let relabel = Action::Relabel { id: id("b"), label: "Actor".into(), at: Timestamp(2) };
        assert_eq!(s.apply(relabel), Err(Refusal::Duplicate { existing: id("a") }));
    }

    #[test]
    fn inverse_actions_undo() {
        let mut s = set();
        let start = s.clone();
        let u1 = s.apply(Action::Add(ann("a", "Actor", 0, 5))).unwrap();
        let after_add = s.clone();
        let u2 = s.apply(Action::Relabel { id: id("a"), label: "Event".into(), at: Timestamp(9) }).unwrap();
        assert_eq!(s.items()[0].modified, Timestamp(9));
        assert_eq!(s.items()[0].created, Timestamp(1));
        s.apply(u2).unwrap();
        assert_eq!(s, after_add);
        s.apply(u1).unwrap();
        assert_eq!(s, start);
    }

    #[test]
    fn roles_are_constrained_by_the_schema() {
        let mut s = set();
        s.apply(Action::Add(ann("ev", "Event", 10, 20))).unwrap();
        s.apply(Action::Add(ann("ac", "Actor", 0, 5))).unwrap();
        s.apply(Action::Add(ann("ac2", "Actor", 30, 35))).unwrap();
        s.apply(Action::Add(ann("cl", "Claim", 40, 60))).unwrap();
        s.apply(link("r1", "source", "ev", "ac")).unwrap();
        let why = |r: Result<Action, Refusal>| r.unwrap_err().to_string();
        assert!(why(s.apply(link("r2", "source", "ev", "ac2"))).contains("filled already"));
        assert!(why(s.apply(link("r2", "source", "ac", "ev"))).contains("slot of Event"));
        assert!(why(s.apply(link("r2", "claimer", "cl", "ev"))).contains("must be Actor"));
        assert!(why(s.apply(link("r2", "supports", "cl", "cl"))).contains("its own"));
        assert!(why(s.apply(link("r2", "nonsense", "cl", "ev"))).contains("unknown relation kind"));
        assert_eq!(s.apply(link("r2", "target", "ev", "missing")), Err(Refusal::NotFound(id("missing"))));
        s.apply(link("r2", "target", "ev", "ac2")).unwrap();
        s.apply(link("r3", "about", "cl", "ev")).unwrap();
        s.check_invariants().unwrap();
    }

    #[test]
    fn removing_a_linked_annotation_removes_its_links_and_undo_restores_them() {
        let mut s = set();
        s.apply(Action::Add(ann("ev", "Event", 10, 20))).unwrap();
        s.apply(Action::Add(ann("ac", "Actor", 0, 5))).unwrap();
        s.apply(Action::Add(ann("ac2", "Actor", 30, 35))).unwrap();
        s.apply(Action::PutEntity(Entity { id: id("E1"), name: "Netanyahu".into(), kind: "government official".into(), members: vec![id("ac"), id("ac2")] })).unwrap();
        s.apply(link("r1", "source", "ev", "E1")).unwrap();
        s.apply(link("r2", "target", "ev", "ac2")).unwrap();
        let full = s.clone();
        assert_eq!(s.dependents(&id("ac2")), 1);
        let undo = s.apply(Action::Remove { id: id("ac2") }).unwrap();
        s.check_invariants().unwrap();
        assert_eq!(s.relations().len(), 1);
        assert_eq!(s.entity(&id("E1")).unwrap().members, vec![id("ac")]);
        assert_eq!(s.dependents(&id("ac")), 1, "the last mention carries the entity's links");
        let undo2 = s.apply(Action::Remove { id: id("ac") }).unwrap();
        s.check_invariants().unwrap();
        assert!(s.entities().is_empty() && s.relations().is_empty(), "nothing points at nothing");
        s.apply(undo2).unwrap();
        s.apply(undo).unwrap();
        assert_eq!(s, full);
        // Relabelling the event to a claim drops the event roles; undo restores them.
        let undo = s.apply(Action::Relabel { id: id("ev"), label: "Claim".into(), at: Timestamp(3) }).unwrap();
        assert!(s.relations().is_empty());
        s.check_invariants().unwrap();
        s.apply(undo).unwrap();
        assert_eq!(s, full);
    }

    /// Found by pt_model: undoing a relabel of an entity's only mention restored the
    /// links to the entity before the entity itself, and was refused.
    #[test]
    fn relabel_undo_restores_the_entity_before_links_to_it() {
        let mut s = set();
        s.apply(Action::Add(ann("ac", "Actor", 0, 5))).unwrap();
        s.apply(Action::Add(ann("ev", "Event", 10, 20))).unwrap();
        s.apply(Action::PutEntity(Entity { id: id("E0"), name: "A".into(), kind: String::new(), members: vec![id("ac")] })).unwrap();
        s.apply(link("r", "source", "ev", "E0")).unwrap();
        let full = s.clone();
        let undo = s.apply(Action::Relabel { id: id("ac"), label: "Claim".into(), at: Timestamp(2) }).unwrap();
        assert!(s.entities().is_empty() && s.relations().is_empty());
        s.apply(undo).unwrap();
        assert_eq!(s, full);
    }

    #[test]
    fn attributes_and_notes_follow_the_schema() {
        let mut s = set();
        s.apply(Action::Add(ann("ev", "Event", 10, 20))).unwrap();
        let set_attr = |k: &str, v: Option<&str>| Action::SetAttr { id: id("ev"), key: k.into(), value: v.map(Into::into), at: Timestamp(5) };
        s.apply(set_attr("modality", Some("threatened"))).unwrap();
        assert!(s.apply(set_attr("modality", Some("sure"))).is_err());
        assert!(s.apply(set_attr("stance", Some("affirm"))).is_err(), "claims have stance, events do not");
        s.apply(set_attr("place", Some("<img src=x onerror=alert(1)>"))).unwrap();
        s.apply(Action::SetNote { id: id("ev"), note: "check this".into(), at: Timestamp(6) }).unwrap();
        assert_eq!(s.items()[0].attrs["modality"], "threatened");
        let before = s.clone();
        let undo = s.apply(Action::Relabel { id: id("ev"), label: "Claim".into(), at: Timestamp(7) }).unwrap();
        assert!(s.items()[0].attrs.is_empty(), "event attributes do not fit a claim");
        assert_eq!(s.items()[0].note, "check this", "notes stay");
        s.apply(undo).unwrap();
        assert_eq!(s, before);
    }

    #[test]
    fn entities_hold_only_actors_once() {
        let mut s = set();
        s.apply(Action::Add(ann("ac", "Actor", 0, 5))).unwrap();
        s.apply(Action::Add(ann("ev", "Event", 10, 20))).unwrap();
        let e = |i: &str, members: &[&str]| Action::PutEntity(Entity { id: id(i), name: "X".into(), kind: String::new(), members: members.iter().map(|m| id(m)).collect() });
        assert!(s.apply(e("E1", &["ev"])).unwrap_err().to_string().contains("only Actors"));
        assert!(s.apply(e("E1", &[])).is_err());
        s.apply(e("E1", &["ac"])).unwrap();
        assert!(s.apply(e("E2", &["ac"])).unwrap_err().to_string().contains("already a mention"));
        assert_eq!(s.apply(e("ac", &["ac"])), Err(Refusal::DuplicateId(id("ac"))));
    }

    #[test]
    fn add_all_checks_like_add_and_keeps_text_order() {
        let batch = vec![ann("b", "Actor", 10, 12), ann("a", "Claim", 5, 40), ann("c", "Actor", 10, 12), ann("a", "Event", 1, 2), ann("d", "Event", 99, 101), ann("e", "Place", 1, 2)];
        let mut bulk = set();
        bulk.apply(Action::Add(ann("x", "Event", 0, 3))).unwrap();
        let mut one_by_one = bulk.clone();
        let results: Vec<Result<(), Refusal>> = bulk.add_all(batch.clone()).into_iter().map(|r| r.map_err(|(why, _)| why)).collect();
        let expected: Vec<Result<(), Refusal>> = batch.into_iter().map(|a| one_by_one.apply(Action::Add(a)).map(|_| ())).collect();
        assert_eq!(results, expected);
        assert_eq!(bulk, one_by_one);
        bulk.check_invariants().unwrap();
    }

    #[test]
    fn a_failing_batch_changes_nothing() {
        let mut s = set();
        s.apply(Action::Add(ann("ac", "Actor", 0, 5))).unwrap();
        let before = s.clone();
        let r = s.apply(Action::Batch(vec![Action::Add(ann("b", "Event", 6, 9)), Action::Add(ann("b", "Event", 7, 9))]));
        assert_eq!(r, Err(Refusal::DuplicateId(id("b"))));
        assert_eq!(s, before);
    }
}
