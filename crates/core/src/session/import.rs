//! Applying an imported file to the session: replace, or merge into the work it meets
//! (this document's, or what is stored for the file's document).
//!
//! An import is not an undoable edit: it replaces the history, and the next save
//! writes the whole document (`full_write`) on the revision of the work it met, so
//! that a merge never writes blind over another tab's newer save.

use std::rc::Rc;

use super::{plural, Session};
use crate::formats::native::Imported;
use crate::formats::ItemRefusal;
use crate::model::merge::merge;
use crate::model::AnnId;
use crate::storage::{kept_message, StoredWork};

/// How an import is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// The file's annotations replace the current ones.
    Replace,
    /// The file's annotations are added to the current ones; exact duplicates are skipped.
    Merge,
}

/// What an import did, in words for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// The sentence to show.
    pub text: String,
    /// Itemised: refused items, values filled in, values kept.
    pub details: Vec<String>,
    /// Something was refused or differs: show it as an error.
    pub is_error: bool,
    /// The import opened another document.
    pub switched: bool,
}

impl Session {
    /// Applies `imported` (read from `file_name`) as `mode` says. `stored` is what
    /// this browser holds for the file's document when it is not the open one.
    pub fn import(&mut self, imported: &Imported, stored: &StoredWork, mode: ImportMode, file_name: &str) -> ImportReport {
        let mut details: Vec<String> = imported.refused.iter().map(ItemRefusal::to_string).collect();
        let same_doc = imported.document.id() == self.doc.id();
        // The work the file meets: this document's, or what is stored for the file's.
        let (base, base_revision) = match stored {
            _ if same_doc => (Some(self.anns.clone()), self.revision),
            StoredWork::Work { annotations, revision } => (Some(annotations.clone()), Some(*revision)),
            StoredWork::Nothing | StoredWork::Unreadable { .. } => (None, None),
        };
        let n_base = base.as_ref().map_or(0, |b| b.len());
        let merging = mode == ImportMode::Merge && base.is_some();
        let (anns, n_added, n_skipped, filled, conflicts) = match (merging, &base) {
            (true, Some(base)) => {
                let mut anns = (**base).clone();
                let (seed, n_ids) = (self.id_seed.clone(), &mut self.n_ids);
                let report = merge(&mut anns, &imported.annotations, |set| loop {
                    *n_ids += 1;
                    let id = AnnId::new(format!("m{seed}{n_ids}")).expect("seeds are ASCII");
                    if !set.is_known(&id) {
                        return id;
                    }
                });
                details.extend(report.refused);
                (anns, report.n_added, report.n_present, report.filled, report.conflicts)
            }
            _ => (imported.annotations.clone(), imported.annotations.len(), 0, Vec::new(), Vec::new()),
        };
        if !same_doc {
            self.doc = Rc::new(imported.document.clone());
            self.blocks = Rc::new(self.doc.blocks());
            self.revision = base_revision;
        }
        self.anns = Rc::new(anns);
        self.unsaved = Rc::default();
        self.undo = Rc::default();
        self.redo = Rc::default();
        self.require_full_write();

        let verb = if merging { "Merged" } else { "Imported" };
        let mut text = format!("{verb} {n_added} annotation{} from {file_name}", plural(n_added));
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
        if n_refused > 0 {
            text.push_str(&format!("; {n_refused} refused"));
        }
        text.push(if details.is_empty() { '.' } else { ':' });
        let mut is_error = n_refused > 0 || !conflicts.is_empty();
        if let StoredWork::Unreadable { why, kept } = stored {
            if !same_doc {
                text = format!("The data stored for “{}” could not be read ({why}). {} {text}", self.doc.title(), kept_message(kept));
                is_error = true;
            }
        }
        ImportReport { text, details, is_error, switched: !same_doc }
    }
}
