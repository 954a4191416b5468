//! The editing session of one open document: the document, its annotations, the
//! undo/redo history, the edit builders, and what the next save must write.
//!
//! Every change goes through [`Session::edit`] (or [`Session::undo`] /
//! [`Session::redo`]), which applies an [`Action`] with [`AnnotationSet::apply`] and
//! records its inverse, so that the model's invariants hold and every edit is one
//! undo step. The builders ([`Session::fill_slot`], [`Session::same_actor`],
//! [`Session::relabel`], [`Session::import`] …) only compose actions; they never
//! change the set behind `edit`'s back.
//!
//! The save protocol's side of the session: `unsaved` holds the actions applied
//! since the stored `revision`, in order; `full_write` says the next save replaces
//! the whole stored document (after an import, a restore or a migration). A save
//! that lands drains the actions it held ([`Session::saved`]); when another tab saved
//! first, the unsaved actions are replayed on its work ([`Session::rebase`]).
//! [`Saver`] drives a [`Kv`](crate::storage::Kv) store through those steps.
//!
//! The session reads no clock and makes no randomness: ids are built from a seed
//! given once (time and randomness of the page) and a counter, and times come in
//! with the calls, so that everything here is tested natively.

mod import;
mod saver;

use std::rc::Rc;

pub use import::{ImportMode, ImportReport};
pub use saver::{RemoteSaved, SaveOutcome, Saver};

use crate::model::document::Block;
use crate::model::schema::RoleDef;
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Refusal, Relation, Span, Timestamp};
use crate::storage::journal::Unsaved;

/// One open document and its editing history.
#[derive(Clone, Debug)]
pub struct Session {
    doc: Rc<Document>,
    blocks: Rc<Vec<Block>>,
    anns: Rc<AnnotationSet>,
    undo: Rc<Vec<Action>>,
    redo: Rc<Vec<Action>>,
    unsaved: Rc<Vec<Action>>,
    revision: Option<u64>,
    full_write: bool,
    /// Counts the imports (full writes) of this session, for the journal.
    n_full: u64,
    id_seed: Rc<str>,
    n_ids: u64,
    n_edits: u64,
}

/// What a relabel did besides the label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relabelled {
    /// Links that did not fit the new label and went with the relabel.
    pub n_links_removed: usize,
    /// The annotation left its entity (only actors have one).
    pub left_entity: bool,
}

/// The result of replaying unsaved actions on another tab's newer work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rebased {
    /// How many unsaved actions no longer applied.
    pub n_dropped: usize,
    /// Whether this session still has something the store lacks (another save is due).
    pub needs_save: bool,
}

impl Session {
    /// A session over `doc` and its annotations, as stored at `revision`. `id_seed`
    /// makes the ids this session creates unique across tabs and sessions.
    pub fn new(doc: Document, anns: AnnotationSet, revision: Option<u64>, id_seed: &str) -> Session {
        let blocks = Rc::new(doc.blocks());
        Session {
            doc: Rc::new(doc),
            blocks,
            anns: Rc::new(anns),
            undo: Rc::default(),
            redo: Rc::default(),
            unsaved: Rc::default(),
            revision,
            full_write: false,
            n_full: 0,
            id_seed: Rc::from(id_seed),
            n_ids: 0,
            n_edits: 0,
        }
    }

    /// The document.
    pub fn doc(&self) -> &Rc<Document> {
        &self.doc
    }

    /// Its blocks (paragraphs, headings), computed once per document.
    pub fn blocks(&self) -> &Rc<Vec<Block>> {
        &self.blocks
    }

    /// Its annotations.
    pub fn anns(&self) -> &Rc<AnnotationSet> {
        &self.anns
    }

    /// The stored revision this session builds on (`None`: nothing readable stored).
    pub fn revision(&self) -> Option<u64> {
        self.revision
    }

    /// The actions applied since the stored revision, oldest first.
    pub fn unsaved(&self) -> &[Action] {
        &self.unsaved
    }

    /// Whether the next save replaces the whole stored document.
    pub fn full_write(&self) -> bool {
        self.full_write
    }

    /// Whether the store lacks something of this session.
    pub fn has_unsaved(&self) -> bool {
        !self.unsaved.is_empty() || self.full_write
    }

    /// Bumped on every change to the annotations, and when a save is due again.
    pub fn n_edits(&self) -> u64 {
        self.n_edits
    }

    /// The seed of this session's ids (also the tab's name in the journal).
    pub fn id_seed(&self) -> &str {
        &self.id_seed
    }

    /// What the journal must hold for this session.
    pub fn unsaved_work(&self) -> Unsaved<'_> {
        Unsaved { doc: &self.doc, set: &self.anns, base: self.revision, actions: &self.unsaved, full: self.full_write.then_some(self.n_full) }
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// A new id starting with `prefix`, unused in the set.
    pub fn fresh_id(&mut self, prefix: char) -> AnnId {
        loop {
            self.n_ids += 1;
            let id = AnnId::new(format!("{prefix}{}{}", self.id_seed, self.n_ids)).expect("seeds are ASCII");
            if !self.anns.is_known(&id) {
                return id;
            }
        }
    }

    /// The text an annotation covers ("" if it is gone).
    pub fn quote(&self, id: &AnnId) -> &str {
        self.anns.get(id).and_then(|a| self.doc.text().slice(a.span.start(), a.span.end())).unwrap_or("")
    }

    /// Applies `action` as one undoable edit: records its inverse, clears the redo
    /// stack, and marks it unsaved.
    ///
    /// # Errors
    /// The [`Refusal`] of the model; the session is unchanged.
    pub fn edit(&mut self, action: Action) -> Result<(), Refusal> {
        let inverse = Rc::make_mut(&mut self.anns).apply(action.clone())?;
        Rc::make_mut(&mut self.undo).push(inverse);
        self.redo = Rc::default();
        self.changed(action);
        Ok(())
    }

    fn changed(&mut self, action: Action) {
        Rc::make_mut(&mut self.unsaved).push(action);
        self.n_edits += 1;
    }

    /// Undoes the last edit. `None` if there is nothing to undo; otherwise the
    /// annotation the undone edit concerns (to select), or why it could not be undone.
    pub fn undo(&mut self) -> Option<Result<Option<AnnId>, Refusal>> {
        self.step(true)
    }

    /// Redoes the last undone edit (as [`Session::undo`]).
    pub fn redo(&mut self) -> Option<Result<Option<AnnId>, Refusal>> {
        self.step(false)
    }

    fn step(&mut self, undo: bool) -> Option<Result<Option<AnnId>, Refusal>> {
        let stack = if undo { &mut self.undo } else { &mut self.redo };
        let action = Rc::make_mut(stack).pop()?;
        let target = target_of(&action);
        match Rc::make_mut(&mut self.anns).apply(action.clone()) {
            Ok(inverse) => {
                Rc::make_mut(if undo { &mut self.redo } else { &mut self.undo }).push(inverse);
                self.changed(action);
                Some(Ok(target))
            }
            Err(r) => Some(Err(r)),
        }
    }

    /// Tags `span` with `label` as annotation `id`.
    ///
    /// # Errors
    /// [`Refusal::Duplicate`] if that text already has that label, or any refusal of
    /// the model.
    pub fn tag(&mut self, id: AnnId, label: &str, span: Span, at: Timestamp) -> Result<(), Refusal> {
        self.edit(Action::Add(Annotation::new(id, label, span, at)))
    }

    /// Gives annotation `id` another label; links the new label cannot have, and its
    /// entity membership if it is no longer an actor, go with it (one undo step).
    ///
    /// # Errors
    /// The model's refusal ([`Refusal::Unchanged`] for the same label,
    /// [`Refusal::Duplicate`] if another annotation has that text and label).
    pub fn relabel(&mut self, id: &AnnId, label: &str, at: Timestamp) -> Result<Relabelled, Refusal> {
        let (links, in_entity) = (self.anns.relations().len(), self.anns.entity_of(id).is_some());
        self.edit(Action::Relabel { id: id.clone(), label: label.to_owned(), at })?;
        Ok(Relabelled { n_links_removed: links.saturating_sub(self.anns.relations().len()), left_entity: in_entity && self.anns.entity_of(id).is_none() })
    }

    /// The actions that fill slot `def` of `from` with `to`: a link, after the removal
    /// of the slot's earlier value if it takes one value.
    pub fn fill_slot(&mut self, def: &RoleDef, from: &AnnId, to: AnnId) -> Action {
        let id = self.fresh_id('r');
        let mut actions: Vec<Action> =
            if def.single { self.anns.relations_from(from).filter(|r| r.kind == def.id).map(|r| Action::Unlink { id: r.id.clone() }).collect() } else { Vec::new() };
        actions.push(Action::Link(Relation { id, kind: def.id.clone(), from: from.clone(), to }));
        if actions.len() == 1 {
            actions.remove(0)
        } else {
            Action::Batch(actions)
        }
    }

    /// The action that tags `span` as a new annotation `id` with the slot's label and
    /// fills slot `def` of `from` with it (one undo step).
    pub fn tag_into_slot(&mut self, def: &RoleDef, from: &AnnId, id: AnnId, span: Span, at: Timestamp) -> Action {
        let label = def.to.first().cloned().unwrap_or_default();
        let mut batch = vec![Action::Add(Annotation::new(id.clone(), label, span, at))];
        match self.fill_slot(def, from, id) {
            Action::Batch(more) => batch.extend(more),
            one => batch.push(one),
        }
        Action::Batch(batch)
    }

    /// The action that makes actor `me` and `other` mentions of one entity: a new
    /// entity named after the longer mention, one of theirs joined, or their two
    /// entities merged (the links to the second then point at the first). `None` if
    /// they already are one.
    pub fn same_actor(&mut self, me: &AnnId, other: AnnId) -> Option<Action> {
        let anns = self.anns.clone();
        let mine = anns.entity_of(me).cloned();
        let theirs = anns.entity_of(&other).cloned();
        Some(match (mine, theirs) {
            (Some(a), Some(b)) if a.id == b.id => return None,
            (Some(mut a), Some(b)) => {
                let links: Vec<Relation> = anns.relations_to(&b.id).cloned().collect();
                a.members.extend(b.members.iter().cloned());
                let mut batch = vec![Action::RemoveEntity { id: b.id.clone() }, Action::PutEntity(a.clone())];
                batch.extend(links.into_iter().map(|r| Action::Link(Relation { to: a.id.clone(), ..r })));
                Action::Batch(batch)
            }
            (Some(mut a), None) | (None, Some(mut a)) => {
                let newcomer = if a.members.contains(me) { other } else { me.clone() };
                a.members.push(newcomer);
                Action::PutEntity(a)
            }
            (None, None) => {
                let (q1, q2) = (self.quote(me).to_owned(), self.quote(&other).to_owned());
                let name = if q2.chars().count() > q1.chars().count() { q2 } else { q1 };
                let id = self.fresh_id('E');
                Action::PutEntity(Entity { id, name, kind: String::new(), members: vec![me.clone(), other] })
            }
        })
    }

    /// The action that makes actor `me` an entity of its own, named by its text.
    /// `None` if it already belongs to one.
    pub fn make_entity(&mut self, me: &AnnId) -> Option<Action> {
        if self.anns.entity_of(me).is_some() || self.anns.get(me).is_none() {
            return None;
        }
        let name = self.quote(me).to_owned();
        let id = self.fresh_id('E');
        Some(Action::PutEntity(Entity { id, name, kind: String::new(), members: vec![me.clone()] }))
    }

    /// Takes actor `me` out of its entity; the last mention leaving ends the entity
    /// and the links to it. Returns how many links went.
    ///
    /// # Errors
    /// [`Refusal::Unchanged`] if it belongs to no entity, or the model's refusal.
    pub fn leave_entity(&mut self, me: &AnnId) -> Result<usize, Refusal> {
        let Some(mut e) = self.anns.entity_of(me).cloned() else { return Err(Refusal::Unchanged) };
        e.members.retain(|m| m != me);
        let action = if e.members.is_empty() { Action::RemoveEntity { id: e.id } } else { Action::PutEntity(e) };
        let links = self.anns.relations().len();
        self.edit(action)?;
        Ok(links.saturating_sub(self.anns.relations().len()))
    }

    /// The next save must write the whole document, whatever is stored (after a
    /// restore from a backup or a migration, which IndexedDB does not hold yet).
    pub fn require_full_write(&mut self) {
        self.full_write = true;
        self.n_full += 1;
        self.n_edits += 1;
    }

    /// Replays actions recovered from a journal on top of the stored work: they are
    /// unsaved work of this session from now on (not undoable: they were made in a
    /// page that is gone).
    pub fn recovered(&mut self, applied: Vec<Action>, full: bool) {
        if full {
            self.require_full_write();
        }
        if !applied.is_empty() {
            Rc::make_mut(&mut self.unsaved).extend(applied);
            self.n_edits += 1;
        }
    }

    /// A save of `doc_id` landed at `revision`, holding the first `n_saved` unsaved
    /// actions (and the whole document if `full`). Returns whether everything is
    /// stored now. A save of another document changes nothing.
    pub fn saved(&mut self, doc_id: &str, revision: u64, n_saved: usize, full: bool) -> bool {
        if doc_id != self.doc.id() {
            return !self.has_unsaved();
        }
        self.revision = Some(revision);
        let unsaved = Rc::make_mut(&mut self.unsaved);
        unsaved.drain(..n_saved.min(unsaved.len()));
        if full {
            self.full_write = false;
        }
        !self.has_unsaved()
    }

    /// Another tab saved `doc_id` first, at `revision` (`None`: storage was wiped):
    /// this session's unsaved actions are replayed on `base`, its work, unless this
    /// session replaces the whole document anyway. `None` for another document.
    pub fn rebase(&mut self, doc_id: &str, base: Option<Rc<AnnotationSet>>, revision: Option<u64>) -> Option<Rebased> {
        if doc_id != self.doc.id() {
            return None;
        }
        self.revision = revision;
        let mut n_dropped = 0;
        if let Some(base) = base.filter(|_| !self.full_write) {
            let r = crate::storage::sync::rebase(&base, &self.unsaved);
            n_dropped = r.n_dropped;
            self.anns = Rc::new(r.set);
            self.unsaved = Rc::new(r.applied);
        }
        // Write again only if this session has something the store lacks (or the
        // store was wiped); otherwise two tabs would answer each other forever.
        let needs_save = self.has_unsaved() || self.revision.is_none();
        if needs_save {
            self.n_edits += 1;
        }
        Some(Rebased { n_dropped, needs_save })
    }

    /// A save is due again (writing was unblocked).
    pub fn touch(&mut self) {
        self.n_edits += 1;
    }
}

/// The annotation to select after undoing or redoing `action`.
fn target_of(action: &Action) -> Option<AnnId> {
    match action {
        Action::Add(a) => Some(a.id.clone()),
        Action::Relabel { id, .. } | Action::SetNote { id, .. } | Action::SetAttr { id, .. } => Some(id.clone()),
        Action::Link(r) => Some(r.from.clone()),
        Action::Batch(actions) => actions.iter().find_map(target_of),
        Action::Remove { .. } | Action::Unlink { .. } | Action::PutEntity(_) | Action::RemoveEntity { .. } => None,
    }
}

/// "s" unless `n == 1`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests;
