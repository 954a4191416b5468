//! The one seam between yew and the model: [`AppState`] and its reducer.
//!
//! Every change to the annotations goes through [`AnnotationSet::apply`], so the
//! model's invariants hold in the UI too. A message that changes nothing returns the
//! same `Rc`, so yew skips the render. The reducer reads no clock and touches no DOM:
//! ids and times come in with the messages, which keeps it testable natively.

use std::rc::Rc;

use yew::Reducible;

use crate::formats::native::Imported;
use crate::formats::ItemRefusal;
use crate::model::document::Block;
use crate::model::merge::merge;
use crate::model::schema::RoleDef;
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Refusal, Relation, Span, Timestamp};
use crate::storage::{kept_message, StoredWork};

/// What the status line says about saving.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveStatus {
    /// Everything is stored.
    Saved,
    /// A change waits to be stored.
    Saving,
    /// The last write failed; the work is only in memory.
    Failed(String),
    /// Writing is held back to protect stored data that could not be read.
    Blocked,
}

/// A message for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// An error (shown as an alert) or information.
    pub is_error: bool,
    /// The sentence to show.
    pub text: String,
    /// Itemised details, e.g. the refused items of an import.
    pub details: Vec<String>,
}

impl Notice {
    fn info(text: impl Into<String>) -> Notice {
        Notice { is_error: false, text: text.into(), details: Vec::new() }
    }

    fn error(text: impl Into<String>) -> Notice {
        Notice { is_error: true, text: text.into(), details: Vec::new() }
    }
}

/// Where to scroll after a selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScrollTarget {
    /// Scroll the article to the selected annotation.
    Article,
    /// Scroll the list to the selected annotation's entry.
    List,
}

/// A file read for import, waiting for the person to choose what to do.
#[derive(Clone, Debug)]
pub struct PendingImport {
    /// What the file holds.
    pub imported: Imported,
    /// The file's name.
    pub file_name: String,
    /// What this browser holds for the file's document, when that is not the open
    /// one: opening the file merges into it or replaces it, as the person chooses.
    /// `None` while it is being looked up (after the dialog is shown, so that the
    /// lookup does not delay it).
    pub stored: Option<StoredWork>,
    /// A choice made before the lookup ended, applied when it ends unless the lookup
    /// finds saved work, which is then asked about first.
    pub chosen: Option<ImportMode>,
}

/// The whole UI state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The document shown.
    pub doc: Rc<Document>,
    /// Its blocks (paragraphs, headings), computed once per document.
    pub blocks: Rc<Vec<Block>>,
    /// Its annotations.
    pub anns: Rc<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// The label the list is filtered by, if any.
    pub filter: Option<String>,
    /// Inverse actions to undo, newest last.
    pub undo: Rc<Vec<Action>>,
    /// Actions to redo, newest last.
    pub redo: Rc<Vec<Action>>,
    /// Bumped on every change to `doc` or `anns`; autosave watches it.
    pub n_edits: u64,
    /// The save status.
    pub save: SaveStatus,
    /// The current message.
    pub notice: Option<Notice>,
    /// An import waiting for a decision.
    pub pending_import: Option<Rc<PendingImport>>,
    /// A scroll request, bumped to trigger it.
    pub scroll: Option<(u64, ScrollTarget)>,
    /// Stored data that could not be read was kept aside under this key.
    pub damaged_key: Option<String>,
    /// The annotations at the place last clicked, innermost first.
    pub here: Rc<Vec<AnnId>>,
    /// Whether selections snap to whole words.
    pub snap_words: bool,
    /// The role whose slot waits to be filled (by a click on an annotation, by a new
    /// text selection, or from its picker).
    pub armed: Option<String>,
    /// An annotation others point to, waiting for the person to confirm its removal.
    pub pending_delete: Option<AnnId>,
    /// What the main area shows.
    pub view: View,
    /// The relation hovered in the panel (both ends are highlighted).
    pub hover: Option<AnnId>,
    /// Show every annotation's links, not only the selection's.
    pub show_all_links: bool,
    /// The stored revision this state builds on (`None`: nothing readable stored).
    pub revision: Option<u64>,
    /// Actions applied since the stored revision, replayed on top of another tab's
    /// newer save (see `storage::sync`).
    pub unsaved: Rc<Vec<Action>>,
    /// The whole state replaces what is stored (after an import), whatever its revision.
    pub full_write: bool,
    /// The browser refused to make storage persistent.
    pub persist_refused: bool,
    /// Makes ids unique across tabs and sessions (time and randomness from the UI).
    pub id_seed: Rc<str>,
    /// Counts ids made in this session.
    pub n_ids: u64,
    /// Journals of closed tabs replayed on load, removed once a save holds them.
    pub adopted_journals: Rc<Vec<String>>,
}

/// What the main area shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The article.
    Article,
    /// The Events table.
    Events,
}

/// How an import is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// The file's annotations replace the current ones.
    Replace,
    /// The file's annotations are added to the current ones; exact duplicates are skipped.
    Merge,
}

/// Everything that can happen.
#[derive(Clone, Debug)]
pub enum Msg {
    /// Tag `[start, end)` with a label (offsets already snapped).
    Tag {
        /// The label id.
        label: String,
        /// Start, in code points.
        start: usize,
        /// End, in code points.
        end: usize,
        /// The new annotation's id.
        id: AnnId,
        /// Now.
        at: Timestamp,
    },
    /// Give the selected annotation another label.
    Relabel {
        /// The label id.
        label: String,
        /// Now.
        at: Timestamp,
    },
    /// Remove the selected annotation.
    DeleteSelected,
    /// Select an annotation (or none), and maybe scroll to it.
    Select(Option<AnnId>, Option<ScrollTarget>),
    /// A click without a drag at a code point: select an annotation there. The
    /// innermost comes first; clicking again at the same place cycles outward.
    PickAt(usize),
    /// Whether selections snap to whole words.
    SetSnapWords(bool),
    /// Apply a model action (a note, an attribute, a link, an entity edit) as one
    /// undoable change.
    Apply(Action),
    /// Arm a slot of the selected annotation (or disarm with `None`).
    Arm(Option<String>),
    /// Fill a slot of the selected annotation (replacing a single slot's value).
    LinkTo {
        /// The role id.
        role: String,
        /// The annotation or entity.
        to: AnnId,
    },
    /// The selected actor and this one are the same actor.
    SameActor(AnnId),
    /// Make the selected actor an entity of its own.
    MakeEntity,
    /// Take the selected actor out of its entity.
    LeaveEntity,
    /// Remove the selected annotation, asking first if others point to it.
    RequestDelete,
    /// The answer to the question asked by `RequestDelete`.
    ConfirmDelete(bool),
    /// Switch the main view.
    SetView(View),
    /// Hover a relation (or none).
    Hover(Option<AnnId>),
    /// Show every annotation's links.
    ShowAllLinks(bool),
    /// The browser refused `navigator.storage.persist()`.
    PersistRefused,
    /// A save landed: the first `n_saved` unsaved actions are stored, at `revision`.
    Saved {
        /// The document saved.
        doc_id: String,
        /// The stored revision.
        revision: u64,
        /// How many unsaved actions the saved snapshot held.
        n_saved: usize,
        /// Whether the snapshot was a full write.
        full: bool,
    },
    /// Another tab saved `revision` first: replay the unsaved actions on `base`.
    Rebase {
        /// The document.
        doc_id: String,
        /// What is stored now (`None`: storage was wiped; keep everything here).
        base: Option<Rc<AnnotationSet>>,
        /// Its revision.
        revision: Option<u64>,
    },
    /// Filter the list by label (or show all).
    Filter(Option<String>),
    /// Undo the last change.
    Undo,
    /// Redo the last undone change.
    Redo,
    /// Show a message.
    Notify(Notice),
    /// Hide the message.
    Dismiss,
    /// Autosave scheduled a write.
    Saving,
    /// Autosave finished a write.
    SaveResult(Result<(), String>),
    /// Writing is blocked (or unblocked).
    SetBlocked(bool),
    /// An import file was read and parsed.
    ImportRead(Rc<PendingImport>),
    /// An import file could not be read; nothing changes.
    ImportFailed(String),
    /// The person chose how to apply the pending import (`None`: cancel).
    ImportDecide(Option<ImportMode>),
    /// What is stored for the pending import's document (see [`PendingImport::stored`]).
    ImportStored(StoredWork),
}

impl AppState {
    /// The state for a document and its stored annotations.
    pub fn new(doc: Document, anns: AnnotationSet) -> AppState {
        let blocks = Rc::new(doc.blocks());
        AppState {
            doc: Rc::new(doc),
            blocks,
            anns: Rc::new(anns),
            selected: None,
            filter: None,
            undo: Rc::new(Vec::new()),
            redo: Rc::new(Vec::new()),
            n_edits: 0,
            save: SaveStatus::Saved,
            notice: None,
            pending_import: None,
            scroll: None,
            damaged_key: None,
            here: Rc::new(Vec::new()),
            snap_words: true,
            armed: None,
            pending_delete: None,
            view: View::Article,
            hover: None,
            show_all_links: false,
            revision: None,
            unsaved: Rc::new(Vec::new()),
            full_write: false,
            persist_refused: false,
            id_seed: Rc::from("t"),
            n_ids: 0,
            adopted_journals: Rc::new(Vec::new()),
        }
    }

    /// A new id, unused in the current set.
    fn fresh_id(&mut self, prefix: char) -> AnnId {
        loop {
            self.n_ids += 1;
            let id = AnnId::new(format!("{prefix}{}{}", self.id_seed, self.n_ids)).expect("seeds are ASCII");
            if !self.anns.is_known(&id) {
                return id;
            }
        }
    }

    /// Applies `action` to the annotations as one undoable edit, or says why not.
    fn edit_or_notice(self: Rc<Self>, what: &str, action: Action) -> Rc<Self> {
        match (*self).clone().edit(action, false) {
            Ok(mut next) => {
                next.notice = None;
                Rc::new(next)
            }
            Err(Refusal::Unchanged) => self,
            Err(r) => self.refused(what, r),
        }
    }

    /// Fills the armed slot (or `role`) of the selected annotation with `to`.
    fn link_selected(self: Rc<Self>, role: &str, to: AnnId) -> Rc<Self> {
        let Some(from) = self.selected_annotation().cloned() else { return self };
        let Some(def) = self.anns.schema().role(role).cloned() else { return self };
        let mut next = (*self).clone();
        let mut actions = next.fill_slot(&def, &from.id, to);
        let action = if actions.len() == 1 { actions.remove(0) } else { Action::Batch(actions) };
        next.armed = None;
        Rc::new(next).edit_or_notice(&format!("Filling {}", def.name), action)
    }

    /// The actions that fill slot `def` of `from` with `to`: a link, after the removal
    /// of the slot's earlier value if it takes one value.
    fn fill_slot(&mut self, def: &RoleDef, from: &AnnId, to: AnnId) -> Vec<Action> {
        let id = self.fresh_id('r');
        let mut actions: Vec<Action> = if def.single {
            self.anns.relations_from(from).filter(|r| r.kind == def.id).map(|r| Action::Unlink { id: r.id.clone() }).collect()
        } else {
            Vec::new()
        };
        actions.push(Action::Link(Relation { id, kind: def.id.clone(), from: from.clone(), to }));
        actions
    }

    /// Marks the selected actor and `other` as the same actor (one entity).
    fn same_actor(self: Rc<Self>, other: AnnId) -> Rc<Self> {
        let Some(me) = self.selected_annotation().cloned() else { return self };
        let mut next = (*self).clone();
        let anns = next.anns.clone();
        let mine = anns.entity_of(&me.id).cloned();
        let theirs = anns.entity_of(&other).cloned();
        let quote = |id: &AnnId| anns.get(id).and_then(|a| next.doc.text().slice(a.span.start(), a.span.end())).unwrap_or("").to_owned();
        let action = match (mine, theirs) {
            (Some(a), Some(b)) if a.id == b.id => return self,
            (Some(mut a), Some(b)) => {
                // Merge b into a: b's links point at a afterwards.
                let links: Vec<Relation> = anns.relations_to(&b.id).cloned().collect();
                a.members.extend(b.members.iter().cloned());
                let mut batch = vec![Action::RemoveEntity { id: b.id.clone() }, Action::PutEntity(a.clone())];
                batch.extend(links.into_iter().map(|r| Action::Link(Relation { to: a.id.clone(), ..r })));
                Action::Batch(batch)
            }
            (Some(mut a), None) | (None, Some(mut a)) => {
                let newcomer = if a.members.contains(&me.id) { other.clone() } else { me.id.clone() };
                a.members.push(newcomer);
                Action::PutEntity(a)
            }
            (None, None) => {
                let (q1, q2) = (quote(&me.id), quote(&other));
                let name = if q2.chars().count() > q1.chars().count() { q2 } else { q1 };
                let id = next.fresh_id('E');
                Action::PutEntity(Entity { id, name, kind: String::new(), members: vec![me.id.clone(), other] })
            }
        };
        Rc::new(next).edit_or_notice("Same actor", action)
    }

    /// The selected annotation, if it still exists.
    pub fn selected_annotation(&self) -> Option<&Annotation> {
        self.selected.as_ref().and_then(|id| self.anns.get(id))
    }

    fn next_scroll(&self, target: Option<ScrollTarget>) -> Option<(u64, ScrollTarget)> {
        match target {
            Some(t) => Some((self.scroll.map_or(1, |(n, _)| n + 1), t)),
            None => self.scroll,
        }
    }

    /// Applies an action to the annotations and records its inverse for undo.
    fn edit(mut self, action: Action, redo: bool) -> Result<AppState, Refusal> {
        let mut anns = (*self.anns).clone();
        let inverse = anns.apply(action.clone())?;
        self.anns = Rc::new(anns);
        Rc::make_mut(&mut self.unsaved).push(action);
        Rc::make_mut(&mut self.undo).push(inverse);
        if !redo {
            self.redo = Rc::new(Vec::new());
        }
        self.n_edits += 1;
        self.save = SaveStatus::Saving;
        Ok(self)
    }

    fn refused(self: Rc<Self>, what: &str, r: Refusal) -> Rc<Self> {
        let mut next = (*self).clone();
        next.notice = Some(Notice::error(format!("{what} refused: {r}.")));
        Rc::new(next)
    }

    fn import(mut self, pending: &PendingImport, mode: ImportMode) -> AppState {
        let imported = &pending.imported;
        let mut details: Vec<String> = imported.refused.iter().map(ItemRefusal::to_string).collect();
        let same_doc = imported.document.id() == self.doc.id();
        // The work the file meets: this document's, or what is stored for the file's.
        let (base, base_revision) = match pending.stored.as_ref().unwrap_or(&StoredWork::Nothing) {
            _ if same_doc => (Some(self.anns.clone()), self.revision),
            StoredWork::Work { annotations, revision } => (Some(annotations.clone()), Some(*revision)),
            StoredWork::Nothing | StoredWork::Unreadable { .. } => (None, None),
        };
        let n_base = base.as_ref().map_or(0, |b| b.len());
        let merging = mode == ImportMode::Merge && base.is_some();
        let (anns, n_added, n_skipped, filled, conflicts) = if let (true, Some(base)) = (merging, &base) {
            let mut anns = (**base).clone();
            let report = merge(&mut anns, &imported.annotations, |set| loop {
                self.n_ids += 1;
                let id = AnnId::new(format!("m{}{}", self.id_seed, self.n_ids)).expect("seeds are ASCII");
                if !set.is_known(&id) {
                    return id;
                }
            });
            details.extend(report.refused);
            (anns, report.n_added, report.n_present, report.filled, report.conflicts)
        } else {
            (imported.annotations.clone(), imported.annotations.len(), 0, Vec::new(), Vec::new())
        };
        if !same_doc {
            self.doc = Rc::new(imported.document.clone());
            self.blocks = Rc::new(self.doc.blocks());
            self.filter = None;
            self.revision = base_revision;
        }
        self.anns = Rc::new(anns);
        self.unsaved = Rc::new(Vec::new());
        self.full_write = true;
        self.selected = None;
        self.undo = Rc::new(Vec::new());
        self.redo = Rc::new(Vec::new());
        self.n_edits += 1;
        self.save = SaveStatus::Saving;
        self.pending_import = None;
        let verb = if merging { "Merged" } else { "Imported" };
        let mut text = format!("{verb} {n_added} annotation{} from {}", plural(n_added), pending.file_name);
        if merging && !same_doc {
            text.push_str(&format!(" into the {n_base} saved for “{}”", self.doc.title()));
        }
        if !merging && n_base > 0 {
            text.push_str(&format!(", replacing the {n_base} {}", if same_doc { "you had" } else { "saved for it" }));
        }
        if n_skipped > 0 {
            text.push_str(&format!("; {n_skipped} already present"));
        }
        // What the merge filled in on annotations already present, and where it kept
        // this side's value over the file's: listed with the refusals, each named.
        if !filled.is_empty() {
            text.push_str(&format!("; {} value{} filled in", filled.len(), plural(filled.len())));
        }
        if !conflicts.is_empty() {
            text.push_str(&format!("; {} kept as here where the file differs", conflicts.len()));
        }
        let n_refused = details.len();
        details.extend(filled.into_iter().map(|f| format!("filled in: {f}")));
        details.extend(conflicts.iter().map(|c| format!("kept: {c}")));
        let unreadable = match &pending.stored {
            Some(StoredWork::Unreadable { why, kept }) if !same_doc => {
                Some(format!("The data stored for “{}” could not be read ({why}). {}", self.doc.title(), kept_message(kept)))
            }
            _ => None,
        };
        if n_refused > 0 {
            text.push_str(&format!("; {n_refused} refused"));
        }
        text.push(if details.is_empty() { '.' } else { ':' });
        self.notice = Some(Notice { is_error: n_refused > 0 || !conflicts.is_empty(), text, details });
        if let (Some(why), Some(notice)) = (unreadable, self.notice.as_mut()) {
            notice.text = format!("{why} {}", notice.text);
            notice.is_error = true;
        }
        self
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

/// "1 link", "2 links".
fn links_count(n: usize) -> String {
    format!("{n} link{}", plural(n))
}

/// "was removed" for one, "were removed" for more.
fn removed(n: usize) -> &'static str {
    if n == 1 { "was removed" } else { "were removed" }
}

/// "s" unless `n == 1`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Reducible for AppState {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        match msg {
            Msg::Tag { label, start, end, id, at } => {
                let span = match Span::new(start, end, self.doc.len_cp()) {
                    Ok(s) => s,
                    Err(e) => return self.refused("Tagging", Refusal::BadSpan(e)),
                };
                // A waiting slot takes the selected text: text already tagged with the
                // slot's label fills it as it is; other text is tagged with that label
                // first. The annotation with the slot stays selected.
                let slot = self.armed.clone().and_then(|role| {
                    let def = self.anns.schema().role(&role)?.clone();
                    let from = self.selected_annotation().filter(|a| a.label == def.from)?;
                    Some((def, from.id.clone()))
                });
                if let Some((def, from)) = slot {
                    if let Some(existing) = def.to.iter().find_map(|l| self.anns.find_duplicate(span, l)) {
                        let to = existing.id.clone();
                        return self.link_selected(&def.id, to);
                    }
                    let label = def.to.first().cloned().unwrap_or(label);
                    let ann = Annotation::new(id.clone(), label, span, at);
                    let mut next = (*self).clone();
                    next.armed = None;
                    let mut batch = vec![Action::Add(ann)];
                    batch.extend(next.fill_slot(&def, &from, id));
                    return Rc::new(next).edit_or_notice(&format!("Filling {}", def.name), Action::Batch(batch));
                }
                if let Some(existing) = self.anns.find_duplicate(span, &label) {
                    // Tagging the same span again selects it instead of failing loudly.
                    let mut next = (*self).clone();
                    next.selected = Some(existing.id.clone());
                    next.notice = Some(Notice::info(format!("That text is already tagged {label}; it is now selected.")));
                    return Rc::new(next);
                }
                let ann = Annotation::new(id.clone(), label, span, at);
                match (*self).clone().edit(Action::Add(ann), false) {
                    Ok(mut next) => {
                        next.selected = Some(id);
                        next.notice = None;
                        next.scroll = next.next_scroll(Some(ScrollTarget::List));
                        Rc::new(next)
                    }
                    Err(r) => self.refused("Tagging", r),
                }
            }
            Msg::Relabel { label, at } => {
                let Some(id) = self.selected_annotation().map(|a| a.id.clone()) else {
                    return self;
                };
                let (links, in_entity) = (self.anns.relations().len(), self.anns.entity_of(&id).is_some());
                match (*self).clone().edit(Action::Relabel { id: id.clone(), label: label.clone(), at }, false) {
                    Ok(mut next) => {
                        // Links that do not fit the new label go with the relabel: say so.
                        let lost = links.saturating_sub(next.anns.relations().len());
                        let left = in_entity && next.anns.entity_of(&id).is_none();
                        next.notice = (lost > 0 || left).then(|| {
                            let mut what = Vec::new();
                            if lost > 0 {
                                what.push(format!("{} that did not fit a {label} {}", links_count(lost), removed(lost)));
                            }
                            if left {
                                what.push("it left its entity".to_owned());
                            }
                            Notice::info(format!("Relabelled to {label}; {}. Ctrl+Z undoes it.", what.join(", and ")))
                        });
                        Rc::new(next)
                    }
                    Err(Refusal::Unchanged) => self,
                    Err(Refusal::Duplicate { .. }) => {
                        let mut next = (*self).clone();
                        next.notice = Some(Notice::error(format!("Relabelling refused: this text is already tagged {label} by another annotation.")));
                        Rc::new(next)
                    }
                    Err(r) => self.refused("Relabelling", r),
                }
            }
            Msg::DeleteSelected => {
                let Some(ann) = self.selected_annotation().cloned() else {
                    return self;
                };
                // Select a neighbour so Delete can be pressed again, as in a list.
                let idx = self.anns.items().iter().position(|a| a.id == ann.id).unwrap_or(0);
                match (*self).clone().edit(Action::Remove { id: ann.id }, false) {
                    Ok(mut next) => {
                        let items = next.anns.items();
                        next.selected = items.get(idx).or_else(|| idx.checked_sub(1).and_then(|i| items.get(i))).map(|a| a.id.clone());
                        next.notice = None;
                        Rc::new(next)
                    }
                    Err(r) => self.refused("Deleting", r),
                }
            }
            Msg::Select(id, scroll) => {
                if self.selected == id && scroll.is_none() {
                    return self;
                }
                let mut next = (*self).clone();
                if id.as_ref().is_none_or(|id| !next.here.contains(id)) {
                    next.here = Rc::new(Vec::new());
                }
                if next.selected != id {
                    next.armed = None;
                }
                next.selected = id;
                next.scroll = next.next_scroll(scroll);
                Rc::new(next)
            }
            Msg::PickAt(cp) if self.armed.is_some() => {
                let role = self.armed.clone().unwrap_or_default();
                let Some(def) = self.anns.schema().role(&role).cloned() else { return self };
                let hit = self.anns.at(cp).into_iter().find(|a| def.to.contains(&a.label) && Some(&a.id) != self.selected.as_ref()).map(|a| a.id.clone());
                match hit {
                    Some(to) => self.link_selected(&role, to),
                    None => {
                        let mut next = (*self).clone();
                        next.notice = Some(Notice::info(format!("{} takes {}: click one, or select text to tag a new one. Esc cancels.", def.name, def.to.join(" or "))));
                        Rc::new(next)
                    }
                }
            }
            Msg::PickAt(cp) => {
                let here: Vec<AnnId> = self.anns.at(cp).into_iter().map(|a| a.id.clone()).collect();
                if here.is_empty() && self.selected.is_none() && self.here.is_empty() {
                    return self;
                }
                let pick = match self.selected.as_ref().and_then(|s| here.iter().position(|id| id == s)) {
                    Some(i) if *self.here == here => Some(here[(i + 1) % here.len()].clone()),
                    _ => here.first().cloned(),
                };
                let mut next = (*self).clone();
                next.selected = pick;
                next.here = Rc::new(here);
                next.scroll = next.next_scroll(next.selected.as_ref().map(|_| ScrollTarget::List));
                Rc::new(next)
            }
            Msg::Apply(action) => self.edit_or_notice("The change was", action),
            Msg::Arm(role) => {
                if self.armed == role {
                    return self;
                }
                let mut next = (*self).clone();
                next.armed = role;
                Rc::new(next)
            }
            Msg::LinkTo { role, to } => self.link_selected(&role, to),
            Msg::SameActor(other) => self.same_actor(other),
            Msg::MakeEntity => {
                let Some(me) = self.selected_annotation().cloned() else { return self };
                if self.anns.entity_of(&me.id).is_some() {
                    return self;
                }
                let mut next = (*self).clone();
                let id = next.fresh_id('E');
                let name = next.doc.text().slice(me.span.start(), me.span.end()).unwrap_or("").to_owned();
                Rc::new(next).edit_or_notice("Making an entity", Action::PutEntity(Entity { id, name, kind: String::new(), members: vec![me.id] }))
            }
            Msg::LeaveEntity => {
                let Some(me) = self.selected_annotation().cloned() else { return self };
                let Some(mut e) = self.anns.entity_of(&me.id).cloned() else { return self };
                e.members.retain(|m| m != &me.id);
                let action = if e.members.is_empty() { Action::RemoveEntity { id: e.id } } else { Action::PutEntity(e) };
                let links = self.anns.relations().len();
                let mut next = self.edit_or_notice("Leaving the entity", action);
                // The last mention leaving ends the entity, and the links to it: say so.
                let lost = links.saturating_sub(next.anns.relations().len());
                if lost > 0 {
                    Rc::make_mut(&mut next).notice = Some(Notice::info(format!(
                        "The entity had no other mention, so it ended, and {} to it {}. Ctrl+Z undoes it.",
                        links_count(lost),
                        removed(lost)
                    )));
                }
                next
            }
            Msg::RequestDelete => {
                let Some(ann) = self.selected_annotation() else { return self };
                if self.anns.dependents(&ann.id) == 0 {
                    return self.reduce(Msg::DeleteSelected);
                }
                let mut next = (*self).clone();
                next.pending_delete = Some(ann.id.clone());
                Rc::new(next)
            }
            Msg::ConfirmDelete(yes) => {
                let Some(id) = self.pending_delete.clone() else { return self };
                let mut next = (*self).clone();
                next.pending_delete = None;
                next.selected = Some(id);
                let next = Rc::new(next);
                if yes { next.reduce(Msg::DeleteSelected) } else { next }
            }
            Msg::SetView(view) => {
                if self.view == view {
                    return self;
                }
                let mut next = (*self).clone();
                next.view = view;
                Rc::new(next)
            }
            Msg::Hover(rel) => {
                if self.hover == rel {
                    return self;
                }
                let mut next = (*self).clone();
                next.hover = rel;
                Rc::new(next)
            }
            Msg::ShowAllLinks(on) => {
                let mut next = (*self).clone();
                next.show_all_links = on;
                Rc::new(next)
            }
            Msg::PersistRefused => {
                let mut next = (*self).clone();
                next.persist_refused = true;
                Rc::new(next)
            }
            Msg::Saved { doc_id, revision, n_saved, full } => {
                if doc_id != self.doc.id() {
                    return self;
                }
                let mut next = (*self).clone();
                next.revision = Some(revision);
                let unsaved = Rc::make_mut(&mut next.unsaved);
                unsaved.drain(..n_saved.min(unsaved.len()));
                if full {
                    next.full_write = false;
                }
                next.save = if next.unsaved.is_empty() && !next.full_write { SaveStatus::Saved } else { SaveStatus::Saving };
                Rc::new(next)
            }
            Msg::Rebase { doc_id, base, revision } => {
                if doc_id != self.doc.id() {
                    return self;
                }
                let mut next = (*self).clone();
                next.revision = revision;
                match base {
                    // The other tab's newer work comes first; ours is replayed on it.
                    Some(base) if !next.full_write => {
                        let r = crate::storage::sync::rebase(&base, &next.unsaved);
                        if r.n_dropped > 0 {
                            next.notice = Some(Notice::info(format!(
                                "Another tab changed this document; {} of your changes no longer applied (their annotation was removed or made there too).",
                                r.n_dropped
                            )));
                        }
                        if next.selected.as_ref().is_some_and(|id| r.set.get(id).is_none()) {
                            next.selected = None;
                        }
                        next.anns = Rc::new(r.set);
                        next.unsaved = Rc::new(r.applied);
                    }
                    _ => {}
                }
                // Write again only if this tab has something the store lacks (or the
                // store was wiped); otherwise two tabs would answer each other forever.
                if !next.unsaved.is_empty() || next.full_write || next.revision.is_none() {
                    next.n_edits += 1;
                    next.save = SaveStatus::Saving;
                } else {
                    next.save = SaveStatus::Saved;
                }
                Rc::new(next)
            }
            Msg::SetSnapWords(on) => {
                let mut next = (*self).clone();
                next.snap_words = on;
                Rc::new(next)
            }
            Msg::Filter(label) => {
                if self.filter == label {
                    return self;
                }
                let mut next = (*self).clone();
                next.filter = label;
                Rc::new(next)
            }
            Msg::Undo | Msg::Redo => {
                let undo = matches!(msg, Msg::Undo);
                let stack = if undo { &self.undo } else { &self.redo };
                let Some(action) = stack.last().cloned() else {
                    return self;
                };
                let mut next = (*self).clone();
                if undo {
                    Rc::make_mut(&mut next.undo).pop();
                } else {
                    Rc::make_mut(&mut next.redo).pop();
                }
                let target = target_of(&action);
                let mut anns = (*next.anns).clone();
                match anns.apply(action.clone()) {
                    Ok(inverse) => {
                        next.anns = Rc::new(anns);
                        Rc::make_mut(&mut next.unsaved).push(action);
                        if undo {
                            Rc::make_mut(&mut next.redo).push(inverse);
                        } else {
                            Rc::make_mut(&mut next.undo).push(inverse);
                        }
                        next.selected = target;
                        next.n_edits += 1;
                        next.save = SaveStatus::Saving;
                        next.notice = None;
                        next.scroll = next.next_scroll(next.selected.as_ref().map(|_| ScrollTarget::Article));
                    }
                    Err(r) => next.notice = Some(Notice::error(format!("Could not {}: {r}.", if undo { "undo" } else { "redo" }))),
                }
                Rc::new(next)
            }
            Msg::Notify(n) => {
                let mut next = (*self).clone();
                next.notice = Some(n);
                Rc::new(next)
            }
            Msg::Dismiss => {
                if self.notice.is_none() {
                    return self;
                }
                let mut next = (*self).clone();
                next.notice = None;
                Rc::new(next)
            }
            Msg::Saving => {
                if self.save == SaveStatus::Saving {
                    return self;
                }
                let mut next = (*self).clone();
                next.save = SaveStatus::Saving;
                Rc::new(next)
            }
            Msg::SaveResult(r) => {
                let status = match r {
                    Ok(()) => SaveStatus::Saved,
                    Err(e) => SaveStatus::Failed(e),
                };
                if self.save == status {
                    return self;
                }
                let mut next = (*self).clone();
                next.save = status;
                Rc::new(next)
            }
            Msg::SetBlocked(blocked) => {
                let mut next = (*self).clone();
                next.save = if blocked { SaveStatus::Blocked } else { SaveStatus::Saving };
                if !blocked {
                    next.n_edits += 1;
                }
                Rc::new(next)
            }
            Msg::ImportRead(pending) => {
                let mut next = (*self).clone();
                next.pending_import = Some(pending);
                next.notice = None;
                Rc::new(next)
            }
            Msg::ImportFailed(why) => {
                let mut next = (*self).clone();
                next.pending_import = None;
                next.notice = Some(Notice::error(format!("Import failed, nothing was changed: {why}")));
                Rc::new(next)
            }
            Msg::ImportDecide(mode) => {
                let Some(pending) = self.pending_import.clone() else {
                    return self;
                };
                let mut next = (*self).clone();
                match mode {
                    None => {
                        next.pending_import = None;
                        next.notice = Some(Notice::info("Import cancelled; nothing was changed."));
                        Rc::new(next)
                    }
                    // Chosen before the lookup of the stored work ended: wait for it.
                    Some(mode) if pending.stored.is_none() => {
                        next.pending_import = Some(Rc::new(PendingImport { chosen: Some(mode), ..(*pending).clone() }));
                        Rc::new(next)
                    }
                    Some(mode) => Rc::new(next.import(&pending, mode)),
                }
            }
            Msg::ImportStored(stored) => {
                let Some(pending) = self.pending_import.clone().filter(|p| p.stored.is_none()) else {
                    return self;
                };
                let has_work = matches!(&stored, StoredWork::Work { annotations, .. } if !annotations.is_empty());
                let chosen = pending.chosen;
                let pending = PendingImport { stored: Some(stored), chosen: None, ..(*pending).clone() };
                let mut next = (*self).clone();
                // Saved work found after a choice: the choice did not know of it, so ask.
                match chosen.filter(|_| !has_work) {
                    Some(mode) => Rc::new(next.import(&pending, mode)),
                    None => {
                        next.pending_import = Some(Rc::new(pending));
                        Rc::new(next)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::native;
    use crate::model::Schema;

    const SEED: &str = include_str!("../../seeds/000_b394ad186b713fdd.txt");

    fn state() -> Rc<AppState> {
        let doc = Document::from_text(SEED);
        let anns = AnnotationSet::new(doc.len_cp(), Schema::news());
        Rc::new(AppState::new(doc, anns))
    }

    fn tag(label: &str, start: usize, end: usize, id: &str) -> Msg {
        Msg::Tag { label: label.into(), start, end, id: AnnId::new(id).unwrap(), at: Timestamp(10) }
    }

    #[test]
    fn tag_relabel_delete_undo_redo() {
        let s = state();
        let s = s.reduce(tag("Actor", 40, 58, "a"));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "a");
        assert_eq!(s.save, SaveStatus::Saving);
        let s = s.reduce(Msg::Relabel { label: "Event".into(), at: Timestamp(11) });
        assert_eq!(s.anns.items()[0].label, "Event");
        let same = s.clone().reduce(Msg::Relabel { label: "Event".into(), at: Timestamp(12) });
        assert!(Rc::ptr_eq(&same, &s), "a no-op returns the same Rc");
        let s = s.reduce(Msg::DeleteSelected);
        assert!(s.anns.is_empty());
        let s = s.reduce(Msg::Undo);
        assert_eq!(s.anns.items()[0].label, "Event");
        let s = s.reduce(Msg::Undo);
        assert_eq!(s.anns.items()[0].label, "Actor");
        let s = s.reduce(Msg::Redo);
        assert_eq!(s.anns.items()[0].label, "Event");
        assert_eq!(s.n_edits, 6);
    }

    #[test]
    fn tagging_a_duplicate_selects_the_existing_one() {
        let s = state().reduce(tag("Actor", 40, 58, "a")).reduce(Msg::Select(None, None));
        let s = s.reduce(tag("Actor", 40, 58, "b"));
        assert_eq!(s.anns.len(), 1);
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "a");
        let s = s.reduce(tag("Actor", 40, 99999, "c"));
        assert!(s.notice.as_ref().unwrap().is_error);
        assert_eq!(s.anns.len(), 1);
        // Relabelling onto a span and label another annotation has: said without ids.
        let s = s.reduce(tag("Event", 40, 58, "e")).reduce(Msg::Relabel { label: "Actor".into(), at: Timestamp(30) });
        assert_eq!(s.notice.as_ref().unwrap().text, "Relabelling refused: this text is already tagged Actor by another annotation.");
        assert_eq!(s.anns.get(&AnnId::new("e").unwrap()).unwrap().label, "Event");
    }

    #[test]
    fn import_replace_merge_cancel() {
        let s = state().reduce(tag("Actor", 40, 58, "a"));
        let mut file_set = AnnotationSet::new(s.doc.len_cp(), Schema::news());
        file_set.apply(Action::Add(Annotation::new(AnnId::new("a").unwrap(), "Event", Span::new(59, 75, s.doc.len_cp()).unwrap(), Timestamp(1)))).unwrap();
        file_set.apply(Action::Add(Annotation::clone(&s.anns.items()[0]).tap_id("z"))).unwrap();
        file_set.apply(Action::SetNote { id: AnnId::new("z").unwrap(), note: "from the file".into(), at: Timestamp(2) }).unwrap();
        let json = native::export(&s.doc, &file_set);
        let imported = native::import(&json, &Schema::news()).unwrap();
        let pending = Rc::new(PendingImport { imported, file_name: "x.spantag.json".into(), stored: Some(StoredWork::Nothing), chosen: None });
        let s = s.reduce(Msg::ImportRead(pending));
        let cancelled = s.clone().reduce(Msg::ImportDecide(None));
        assert_eq!(cancelled.anns.len(), 1);
        assert!(cancelled.pending_import.is_none());
        let merged = s.clone().reduce(Msg::ImportDecide(Some(ImportMode::Merge)));
        let ids: Vec<_> = merged.anns.items().iter().map(|a| a.id.as_str().to_owned()).collect();
        assert_eq!(ids, ["a", "mt1"], "the duplicate span is skipped and the clashing id renamed");
        let notice = merged.notice.as_ref().unwrap();
        assert!(notice.text.contains("1 already present; 1 value filled in:"), "{}", notice.text);
        assert!(!notice.is_error && notice.details.len() == 1 && notice.details[0].starts_with("filled in: "), "{notice:?}");
        assert_eq!(merged.anns.items()[0].note, "from the file", "the note the span here lacked");
        let replaced = s.reduce(Msg::ImportDecide(Some(ImportMode::Replace)));
        assert_eq!(*replaced.anns, file_set);
    }

    #[test]
    fn opening_a_file_for_another_document_merges_into_or_replaces_its_stored_work_only_as_chosen() {
        // The open document is the seed; "X" has 2 annotations stored at revision 7.
        let x = Document::new("X", "Alice met Bob in Kyiv. 🇺🇦 Carol said so.");
        let ann = |id: &str, label: &str, a: usize, b: usize| Annotation::new(AnnId::new(id).unwrap(), label, Span::new(a, b, x.len_cp()).unwrap(), Timestamp(1));
        let mut stored = AnnotationSet::new(x.len_cp(), Schema::news());
        stored.apply(Action::Add(ann("alice", "Actor", 0, 5))).unwrap();
        stored.apply(Action::Add(ann("met", "Event", 6, 9))).unwrap();
        // The file has 1 new annotation and one the stored work has too.
        let mut file = AnnotationSet::new(x.len_cp(), Schema::news());
        file.apply(Action::Add(ann("bob", "Actor", 10, 13))).unwrap();
        file.apply(Action::Add(ann("alice2", "Actor", 0, 5))).unwrap();
        let imported = native::import(&native::export(&x, &file), &Schema::news()).unwrap();
        let pending = Rc::new(PendingImport {
            imported,
            file_name: "x.json".into(),
            stored: Some(StoredWork::Work { annotations: Rc::new(stored.clone()), revision: 7 }),
            chosen: None,
        });
        let s = state().reduce(tag("Actor", 40, 58, "a")).reduce(Msg::ImportRead(pending));
        let merged = s.clone().reduce(Msg::ImportDecide(Some(ImportMode::Merge)));
        assert_eq!(merged.doc.id(), x.id());
        let ids: Vec<_> = merged.anns.items().iter().map(|a| a.id.as_str().to_owned()).collect();
        assert_eq!(ids, ["alice", "met", "bob"], "the stored work, plus the file's new span");
        assert_eq!(merged.revision, Some(7), "the save is a write on the stored revision, not over it blind");
        let text = &merged.notice.as_ref().unwrap().text;
        assert!(text.contains("Merged 1 annotation") && text.contains("into the 2 saved for “X”") && text.contains("1 already present"), "{text}");
        let replaced = s.reduce(Msg::ImportDecide(Some(ImportMode::Replace)));
        assert_eq!(*replaced.anns, file);
        assert_eq!(replaced.revision, Some(7));
        let text = &replaced.notice.as_ref().unwrap().text;
        assert!(text.contains("replacing the 2 saved for it"), "{text}");
        // Nothing stored for it: the file's work opens as it is, as a first write.
        let imported = native::import(&native::export(&x, &file), &Schema::news()).unwrap();
        let fresh = state().reduce(Msg::ImportRead(Rc::new(PendingImport { imported, file_name: "x.json".into(), stored: Some(StoredWork::Nothing), chosen: None })));
        let opened = fresh.reduce(Msg::ImportDecide(Some(ImportMode::Replace)));
        assert_eq!((*opened.anns == file, opened.revision), (true, None));
        // The dialog is shown before the lookup ends. A choice made before it ends
        // waits for it: applied if nothing is stored, asked again if work is.
        let read = |s: Rc<AppState>| {
            let imported = native::import(&native::export(&x, &file), &Schema::news()).unwrap();
            s.reduce(Msg::ImportRead(Rc::new(PendingImport { imported, file_name: "x.json".into(), stored: None, chosen: None })))
        };
        let early = read(state()).reduce(Msg::ImportDecide(Some(ImportMode::Replace)));
        assert!(early.pending_import.is_some() && early.doc.id() != x.id(), "nothing opens before the lookup ends");
        let opened = early.clone().reduce(Msg::ImportStored(StoredWork::Nothing));
        assert!(opened.pending_import.is_none() && *opened.anns == file);
        let asked = early.reduce(Msg::ImportStored(StoredWork::Work { annotations: Rc::new(stored.clone()), revision: 7 }));
        let pending = asked.pending_import.as_ref().expect("asked again, now knowing of the saved work");
        assert!(matches!(pending.stored, Some(StoredWork::Work { .. })) && pending.chosen.is_none());
        assert_ne!(asked.doc.id(), x.id());
    }

    #[test]
    fn clicking_overlaps_picks_innermost_then_cycles_outward() {
        let s = state().reduce(tag("Claim", 30, 80, "claim")).reduce(tag("Actor", 40, 58, "actor")).reduce(Msg::Select(None, None));
        let s = s.reduce(Msg::PickAt(45));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "actor");
        assert_eq!(s.here.len(), 2);
        let s = s.reduce(Msg::PickAt(45));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "claim");
        let s = s.reduce(Msg::PickAt(45));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "actor", "cycles back");
        let s = s.reduce(Msg::PickAt(70));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "claim");
        let s = s.reduce(Msg::PickAt(5));
        assert!(s.selected.is_none(), "a click on plain text deselects");
    }

    #[test]
    fn a_waiting_slot_takes_a_click_or_a_new_selection() {
        let s = state().reduce(tag("Event", 59, 98, "ev")).reduce(tag("Actor", 40, 58, "bn"));
        let s = s.reduce(Msg::Select(Some(AnnId::new("ev").unwrap()), None)).reduce(Msg::Arm(Some("source".into())));
        assert_eq!(s.armed.as_deref(), Some("source"));
        // A click on plain text does not fill it; a click on the actor does.
        let s = s.reduce(Msg::PickAt(5));
        assert!(s.anns.relations().is_empty() && s.armed.is_some());
        let s = s.reduce(Msg::PickAt(45));
        assert!(s.armed.is_none());
        let r = &s.anns.relations()[0];
        assert_eq!((r.kind.as_str(), r.from.as_str(), r.to.as_str()), ("source", "ev", "bn"));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "ev", "the event stays selected");
        // Selecting untagged text while Target waits tags it as an Actor and fills Target.
        let s = s.reduce(Msg::Arm(Some("target".into()))).reduce(tag("Claim", 102, 106, "new"));
        assert_eq!(s.anns.get(&AnnId::new("new").unwrap()).unwrap().label, "Actor");
        assert!(s.anns.relations().iter().any(|r| r.kind == "target" && r.to.as_str() == "new"));
        // One undo removes both the new actor and the link.
        let s = s.reduce(Msg::Undo);
        assert!(s.anns.get(&AnnId::new("new").unwrap()).is_none());
        assert_eq!(s.anns.relations().len(), 1);
        s.anns.check_invariants().unwrap();
    }

    #[test]
    fn a_waiting_slot_takes_selected_text_that_is_already_tagged_and_a_single_slot_gives_way() {
        let s = state().reduce(tag("Event", 59, 98, "ev")).reduce(tag("Actor", 40, 58, "bn")).reduce(tag("Actor", 600, 610, "k"));
        let s = s.reduce(Msg::Select(Some(AnnId::new("ev").unwrap()), None)).reduce(Msg::Arm(Some("source".into())));
        // Selecting the actor's exact text (and pressing any label key) fills Source
        // with the actor as it is: no second annotation, the event stays selected.
        let s = s.reduce(tag("Actor", 40, 58, "dup"));
        assert!(s.anns.get(&AnnId::new("dup").unwrap()).is_none());
        assert_eq!(s.anns.len(), 3);
        let r = &s.anns.relations()[0];
        assert_eq!((r.kind.as_str(), r.from.as_str(), r.to.as_str()), ("source", "ev", "bn"));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "ev");
        assert!(s.armed.is_none());
        // Source takes one value: new text in it replaces the actor, in one undoable edit.
        let s = s.reduce(Msg::Arm(Some("source".into()))).reduce(tag("Actor", 102, 106, "new"));
        let sources: Vec<_> = s.anns.relations_from(&AnnId::new("ev").unwrap()).filter(|r| r.kind == "source").map(|r| r.to.as_str().to_owned()).collect();
        assert_eq!(sources, ["new"]);
        let s = s.reduce(Msg::Undo);
        let sources: Vec<_> = s.anns.relations_from(&AnnId::new("ev").unwrap()).filter(|r| r.kind == "source").map(|r| r.to.as_str().to_owned()).collect();
        assert_eq!(sources, ["bn"]);
        // With no slot waiting, the same text selects the existing actor instead.
        let s = s.reduce(tag("Actor", 600, 610, "again"));
        assert_eq!(s.selected.as_ref().unwrap().as_str(), "k");
        s.anns.check_invariants().unwrap();
    }

    #[test]
    fn a_relabel_that_drops_links_says_so_and_one_that_does_not_says_nothing() {
        let s = state().reduce(tag("Event", 59, 98, "ev")).reduce(tag("Actor", 40, 58, "bn"));
        let s = s.reduce(Msg::Select(Some(AnnId::new("ev").unwrap()), None)).reduce(Msg::LinkTo { role: "source".into(), to: AnnId::new("bn").unwrap() });
        assert_eq!(s.anns.relations().len(), 1);
        // Relabelling the event to a claim: its Source slot does not exist for a claim.
        let s = s.reduce(Msg::Relabel { label: "Claim".into(), at: Timestamp(20) });
        assert!(s.anns.relations().is_empty());
        let text = &s.notice.as_ref().expect("a notice").text;
        assert_eq!(text, "Relabelled to Claim; 1 link that did not fit a Claim was removed. Ctrl+Z undoes it.");
        let s = s.reduce(Msg::Undo);
        assert_eq!(s.anns.relations().len(), 1);
        // Without links, a relabel is silent.
        let s = s.reduce(tag("Claim", 600, 610, "cl")).reduce(Msg::Relabel { label: "Event".into(), at: Timestamp(21) });
        assert_eq!(s.anns.get(&AnnId::new("cl").unwrap()).unwrap().label, "Event");
        assert!(s.notice.is_none());
    }

    #[test]
    fn the_last_mention_leaving_its_entity_says_that_the_links_to_it_went_too() {
        let s = state().reduce(tag("Event", 59, 98, "ev")).reduce(tag("Actor", 40, 58, "bn")).reduce(Msg::MakeEntity);
        let entity = s.anns.entity_of(&AnnId::new("bn").unwrap()).unwrap().id.clone();
        let s = s.reduce(Msg::Select(Some(AnnId::new("ev").unwrap()), None)).reduce(Msg::LinkTo { role: "target".into(), to: entity });
        assert_eq!(s.anns.relations().len(), 1);
        let s = s.reduce(Msg::Select(Some(AnnId::new("bn").unwrap()), None)).reduce(Msg::LeaveEntity);
        assert!(s.anns.entities().is_empty() && s.anns.relations().is_empty());
        let text = &s.notice.as_ref().expect("a notice").text;
        assert!(text.contains("it ended, and 1 link to it was removed"), "{text}");
        assert_eq!(s.reduce(Msg::Undo).anns.relations().len(), 1);
    }

    #[test]
    fn same_actor_builds_and_merges_entities_and_delete_asks_first() {
        let s = state().reduce(tag("Actor", 40, 58, "bn")).reduce(tag("Actor", 17, 58, "full")).reduce(tag("Actor", 600, 610, "k"));
        let s = s.reduce(Msg::Select(Some(AnnId::new("bn").unwrap()), None)).reduce(Msg::SameActor(AnnId::new("full").unwrap()));
        let e = s.anns.entities()[0].clone();
        assert_eq!(e.members.len(), 2);
        assert_eq!(e.name, "Israeli Prime Minister Benjamin Netanyahu", "the longer mention names it");
        let s = s.reduce(Msg::Select(Some(AnnId::new("k").unwrap()), None)).reduce(Msg::SameActor(AnnId::new("bn").unwrap()));
        assert_eq!(s.anns.entities()[0].members.len(), 3);
        let s = s.reduce(tag("Event", 59, 98, "ev")).reduce(Msg::LinkTo { role: "source".into(), to: e.id.clone() });
        let s = s.reduce(Msg::Select(Some(AnnId::new("ev").unwrap()), None)).reduce(Msg::RequestDelete);
        assert!(s.pending_delete.is_none() || s.anns.get(&AnnId::new("ev").unwrap()).is_some());
        let s = s.reduce(Msg::Select(Some(AnnId::new("ev").unwrap()), None)).reduce(Msg::LinkTo { role: "source".into(), to: e.id.clone() });
        assert_eq!(s.anns.relations().len(), 1);
        let s = s.reduce(Msg::Select(Some(AnnId::new("bn").unwrap()), None)).reduce(Msg::LeaveEntity).reduce(Msg::Select(Some(AnnId::new("ev").unwrap()), None));
        let s = s.reduce(Msg::RequestDelete);
        assert_eq!(s.pending_delete.as_ref().unwrap().as_str(), "ev", "an annotation with links asks first");
        let kept = s.clone().reduce(Msg::ConfirmDelete(false));
        assert!(kept.anns.get(&AnnId::new("ev").unwrap()).is_some());
        let gone = s.reduce(Msg::ConfirmDelete(true));
        assert!(gone.anns.get(&AnnId::new("ev").unwrap()).is_none());
        assert!(gone.anns.relations().is_empty(), "no dangling links");
        gone.anns.check_invariants().unwrap();
    }

    trait TapId {
        fn tap_id(self, id: &str) -> Self;
    }

    impl TapId for Annotation {
        fn tap_id(mut self, id: &str) -> Self {
            self.id = AnnId::new(id).unwrap();
            self
        }
    }
}
