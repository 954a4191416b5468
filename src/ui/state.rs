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
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Refusal, Span, Timestamp};

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
    /// The person chose how to apply the pending import (`None`: cancel), with fresh
    /// ids for merged annotations whose ids clash.
    ImportDecide(Option<ImportMode>, Vec<AnnId>),
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
        }
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
        let inverse = anns.apply(action)?;
        self.anns = Rc::new(anns);
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

    fn import(mut self, pending: &PendingImport, mode: ImportMode, fresh_ids: Vec<AnnId>) -> AppState {
        let imported = &pending.imported;
        let mut details: Vec<String> = imported.refused.iter().map(ItemRefusal::to_string).collect();
        let same_doc = imported.document.id() == self.doc.id();
        let (anns, n_added, n_skipped) = if mode == ImportMode::Merge && same_doc {
            let mut anns = (*self.anns).clone();
            let (mut added, mut skipped) = (0, 0);
            let mut ids = fresh_ids.into_iter();
            for a in imported.annotations.items() {
                let mut a = a.clone();
                if anns.find_duplicate(a.span, &a.label).is_some() {
                    skipped += 1;
                    continue;
                }
                if anns.get(&a.id).is_some() {
                    match ids.next() {
                        Some(id) => a.id = id,
                        None => {
                            details.push(format!("\"{}\": no free id to give it", a.id));
                            continue;
                        }
                    }
                }
                match anns.apply(Action::Add(a)) {
                    Ok(_) => added += 1,
                    Err(r) => details.push(r.to_string()),
                }
            }
            (anns, added, skipped)
        } else {
            (imported.annotations.clone(), imported.annotations.len(), 0)
        };
        if !same_doc {
            self.doc = Rc::new(imported.document.clone());
            self.blocks = Rc::new(self.doc.blocks());
            self.filter = None;
        }
        self.anns = Rc::new(anns);
        self.selected = None;
        self.undo = Rc::new(Vec::new());
        self.redo = Rc::new(Vec::new());
        self.n_edits += 1;
        self.save = SaveStatus::Saving;
        self.pending_import = None;
        let verb = if mode == ImportMode::Merge && same_doc { "Merged" } else { "Imported" };
        let mut text = format!("{verb} {n_added} annotation{} from {}", plural(n_added), pending.file_name);
        if n_skipped > 0 {
            text.push_str(&format!("; {n_skipped} already present"));
        }
        if details.is_empty() {
            text.push('.');
            self.notice = Some(Notice::info(text));
        } else {
            text.push_str(&format!("; {} refused:", details.len()));
            self.notice = Some(Notice { is_error: true, text, details });
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
                match (*self).clone().edit(Action::Relabel { id, label, at }, false) {
                    Ok(mut next) => {
                        next.notice = None;
                        Rc::new(next)
                    }
                    Err(Refusal::Unchanged) => self,
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
                next.selected = id;
                next.scroll = next.next_scroll(scroll);
                Rc::new(next)
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
                match anns.apply(action) {
                    Ok(inverse) => {
                        next.anns = Rc::new(anns);
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
            Msg::ImportDecide(mode, fresh_ids) => {
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
                    Some(mode) => Rc::new(next.import(&pending, mode, fresh_ids)),
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
    }

    #[test]
    fn import_replace_merge_cancel() {
        let s = state().reduce(tag("Actor", 40, 58, "a"));
        let mut file_set = AnnotationSet::new(s.doc.len_cp(), Schema::news());
        file_set.apply(Action::Add(Annotation::new(AnnId::new("a").unwrap(), "Event", Span::new(59, 75, s.doc.len_cp()).unwrap(), Timestamp(1)))).unwrap();
        file_set.apply(Action::Add(s.anns.items()[0].clone().tap_id("z"))).unwrap();
        let json = native::export(&s.doc, &file_set);
        let imported = native::import(&json, &Schema::news()).unwrap();
        let pending = Rc::new(PendingImport { imported, file_name: "x.spantag.json".into() });
        let s = s.reduce(Msg::ImportRead(pending));
        let cancelled = s.clone().reduce(Msg::ImportDecide(None, vec![]));
        assert_eq!(cancelled.anns.len(), 1);
        assert!(cancelled.pending_import.is_none());
        let merged = s.clone().reduce(Msg::ImportDecide(Some(ImportMode::Merge), vec![AnnId::new("fresh").unwrap()]));
        let ids: Vec<_> = merged.anns.items().iter().map(|a| a.id.as_str().to_owned()).collect();
        assert_eq!(ids, ["a", "fresh"], "the duplicate span is skipped and the clashing id renamed");
        assert!(merged.notice.as_ref().unwrap().text.contains("1 already present"));
        let replaced = s.reduce(Msg::ImportDecide(Some(ImportMode::Replace), vec![]));
        assert_eq!(*replaced.anns, file_set);
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
