//! Building an import item by item ([`Builder`]), the ids a file gives its items
//! ([`FileIds`]), and what a format can hold ([`Holds`]), for every format but the
//! native one, which reads straight into the model.

use std::rc::Rc;

use super::{excerpt, ImportError, Imported, ItemRefusal, VERSION};
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Relation, Schema, Span, Timestamp};

/// The ids a file gives its items, and the ones it gives more than one item.
///
/// The hard part: a reference to an id that two items carry could mean either, and
/// taking the first or the last would silently attach a relation, an entity member,
/// an attribute or a note to the wrong span. So the first item with an id keeps it,
/// each later item with the same id is refused ([`FileIds::repeat`]), and every
/// reference to an id given twice is refused too ([`FileIds::ambiguous`]), each
/// with a sentence naming the id and the items that carry it.
#[derive(Debug, Default)]
pub(crate) struct FileIds {
    /// Each id, and the items that carry it (kind and 0-based index, as in
    /// [`ItemRefusal`]) in file order.
    holders: std::collections::BTreeMap<String, Vec<(&'static str, usize)>>,
}

impl FileIds {
    /// The ids of a file's items, each given as (id, kind, index) in file order.
    pub(crate) fn new<S: Into<String>>(items: impl IntoIterator<Item = (S, &'static str, usize)>) -> FileIds {
        let mut ids = FileIds::default();
        for (id, kind, index) in items {
            ids.holders.entry(id.into()).or_default().push((kind, index));
        }
        ids
    }

    /// Why the item `kind` `index` may not have `id`: an earlier item has it.
    pub(crate) fn repeat(&self, id: &str, kind: &'static str, index: usize) -> Option<String> {
        let first = *self.holders.get(id)?.first()?;
        (first != (kind, index)).then(|| format!("\"{id}\" is already the id of {} {}; an id names one item", first.0, first.1 + 1))
    }

    /// Why a reference to `id` cannot be followed: more than one item has it.
    pub(crate) fn ambiguous(&self, id: &str) -> Option<String> {
        let holders = self.holders.get(id).filter(|h| h.len() > 1)?;
        let named: Vec<String> = holders.iter().map(|(kind, index)| format!("{kind} {}", index + 1)).collect();
        Some(format!("\"{id}\" is the id of {} items of the file ({}), so which one it means is ambiguous", holders.len(), named.join(", ")))
    }
}

/// What a format can hold, for the notes an export adds about what it left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holds {
    /// Annotation ids survive.
    pub ids: bool,
    /// Notes survive.
    pub notes: bool,
    /// Attributes survive.
    pub attrs: bool,
    /// Relations survive.
    pub relations: bool,
    /// Entities (coreference clusters, with name and type) survive.
    pub entities: bool,
    /// Created and modified times survive.
    pub times: bool,
}

impl Holds {
    /// Sentences naming what `set` has that the format cannot hold.
    pub(crate) fn notes(self, set: &AnnotationSet, format: &str) -> Vec<String> {
        let mut out = Vec::new();
        let n_notes = set.items().iter().filter(|a| !a.note.is_empty()).count();
        let n_attrs: usize = set.items().iter().map(|a| a.attrs.len()).sum();
        let n_to_entities = set.relations().iter().filter(|r| set.entity(&r.to).is_some()).count();
        let mut lost = |n: usize, what: &str| {
            if n > 0 {
                out.push(format!("{format} cannot hold {what}: {n} left out."));
            }
        };
        if !self.notes {
            lost(n_notes, "notes");
        }
        if !self.attrs {
            lost(n_attrs, "attributes");
        }
        if !self.relations {
            lost(set.relations().len(), "relations");
        }
        if !self.entities {
            lost(set.entities().len(), "entities (coreference clusters)");
            if self.relations && n_to_entities > 0 {
                out.push(format!(
                    "{format} cannot point a relation at an entity: {n_to_entities} relation(s) point at the entity's first mention instead."
                ));
            }
        }
        if !set.is_empty() && !self.ids {
            out.push(format!("{format} has its own ids: annotation ids are renumbered."));
        }
        if !set.is_empty() && !self.times {
            out.push(format!("{format} has no times: created and modified times are left out."));
        }
        out
    }
}

/// The annotation a relation's end stands for in a format without entities: the
/// annotation itself, or the entity's first mention in text order.
pub(crate) fn mention_of<'a>(set: &'a AnnotationSet, id: &AnnId) -> Option<&'a Annotation> {
    set.get(id).or_else(|| {
        let e = set.entity(id)?;
        set.items().iter().find(|a| e.members.contains(&a.id)).map(std::rc::Rc::as_ref)
    })
}

/// Why `start..end` is no range in any text (a negative offset, a start after the
/// end, or an empty span), or `None` if it is a range.
pub(crate) fn invalid_range(start: i64, end: i64) -> Option<String> {
    if start < 0 || end < 0 {
        Some(format!("its offsets {start}..{end} are invalid: negative offset"))
    } else if start > end {
        Some(format!("its offsets {start}..{end} are invalid: the start is after the end"))
    } else if start == end {
        Some(format!("its offsets {start}..{end} are invalid: the span is empty"))
    } else {
        None
    }
}

/// Builds an [`Imported`] item by item, checking each against the text and the
/// schema and recording every refusal with its reason. Shared by every importer
/// but the native one.
pub(crate) struct Builder {
    doc: Document,
    set: AnnotationSet,
    refused: Vec<ItemRefusal>,
    n_fresh: usize,
    /// Spans offered with a valid range, and those whose range or quote did not fit
    /// the text: if all of them failed, the file is about a different document.
    n_spans: usize,
    n_misfits: usize,
}

impl Builder {
    /// A builder over `text`: the current document if the text is the same (it
    /// keeps its title), else a new document.
    pub(crate) fn new(text: &str, current: &Document, schema: &Rc<Schema>) -> Builder {
        let doc = if text == current.text().as_str() { current.clone() } else { Document::from_text(text) };
        Builder::over(doc, schema)
    }

    /// A builder over `doc` itself.
    pub(crate) fn over(doc: Document, schema: &Rc<Schema>) -> Builder {
        let set = AnnotationSet::new(doc.len_cp(), schema.clone());
        Builder { doc, set, refused: Vec::new(), n_fresh: 0, n_spans: 0, n_misfits: 0 }
    }

    /// The document.
    pub(crate) fn doc(&self) -> &Document {
        &self.doc
    }

    /// The annotations so far.
    pub(crate) fn set(&self) -> &AnnotationSet {
        &self.set
    }

    /// Records a refused item.
    pub(crate) fn refuse(&mut self, kind: &'static str, index: usize, id: Option<String>, reason: impl Into<String>) {
        self.refused.push(ItemRefusal { kind, index, id, reason: reason.into() });
    }

    /// Records a span that does not fit the text (counted for the different-document check).
    pub(crate) fn misfit(&mut self, kind: &'static str, index: usize, id: Option<String>, reason: impl Into<String>) {
        self.n_spans += 1;
        self.n_misfits += 1;
        self.refuse(kind, index, id, reason);
    }

    /// An id that nothing in the set has: `prefix` and a number.
    pub(crate) fn fresh_id(&mut self, prefix: &str) -> AnnId {
        loop {
            self.n_fresh += 1;
            let id = AnnId::new(format!("{prefix}{}", self.n_fresh)).expect("prefix and digits are a valid id");
            if !self.set.is_known(&id) {
                return id;
            }
        }
    }

    /// `id` if it is a valid id nothing has yet, else a fresh one.
    fn id_or_fresh(&mut self, id: Option<&str>, prefix: &str) -> AnnId {
        match id.map(AnnId::new) {
            Some(Ok(id)) if !self.set.is_known(&id) => id,
            _ => self.fresh_id(prefix),
        }
    }

    /// The schema's label for a label name, matched without regard to case.
    pub(crate) fn label(&self, name: &str) -> Option<String> {
        self.set.labels().iter().find(|l| l.id.eq_ignore_ascii_case(name.trim())).map(|l| l.id.clone())
    }

    /// The schema's role for a role name or id ("Source", "claimer", "About event").
    pub(crate) fn role(&self, name: &str) -> Option<String> {
        let squash = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
        let want = squash(name);
        self.set.schema().roles.iter().find(|r| squash(&r.id) == want || squash(&r.name) == want).map(|r| r.id.clone())
    }

    /// Adds a span `[start_cp, end_cp)` with a label, checking the range and, if
    /// given, the quote against the text. Returns its id, or `None` if refused.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn span(
        &mut self,
        kind: &'static str,
        index: usize,
        id: Option<&str>,
        label: &str,
        start_cp: i64,
        end_cp: i64,
        quote: Option<&str>,
        at: (Timestamp, Timestamp),
    ) -> Option<AnnId> {
        let shown = id.map(str::to_owned);
        // Offsets that are no range in any text are the item's fault, not a sign that
        // the file is about another document: refused, not counted as misfits.
        if let Some(why) = invalid_range(start_cp, end_cp) {
            self.refuse(kind, index, shown, why);
            return None;
        }
        let (start, end) = (start_cp as usize, end_cp as usize);
        let span = match Span::new(start, end, self.doc.len_cp()) {
            Ok(s) => s,
            Err(e) => {
                self.misfit(kind, index, shown, e.to_string());
                return None;
            }
        };
        if let Some(q) = quote {
            let actual = self.doc.text().slice(start, end).unwrap_or_default();
            if q != actual {
                let reason = format!("its text {} does not match the document at {start}..{end}, which is {}", excerpt(q), excerpt(actual));
                self.misfit(kind, index, shown, reason);
                return None;
            }
        }
        self.n_spans += 1;
        let Some(label_id) = self.label(label) else {
            self.refuse(kind, index, shown, format!("unknown label {}", excerpt(label)));
            return None;
        };
        let new_id = self.id_or_fresh(id, "a");
        let mut ann = Annotation::new(new_id.clone(), label_id, span, at.0);
        ann.modified = at.1;
        self.apply_or_refuse(kind, index, id, Action::Add(ann)).then_some(new_id)
    }

    /// Adds a relation of role `role` (a name or id).
    pub(crate) fn link(&mut self, kind: &'static str, index: usize, id: Option<&str>, role: &str, from: &AnnId, to: &AnnId) -> bool {
        let Some(role_id) = self.role(role) else {
            self.refuse(kind, index, id.map(str::to_owned), format!("unknown relation kind {}", excerpt(role)));
            return false;
        };
        let rel_id = self.id_or_fresh(id, "r");
        self.apply_or_refuse(kind, index, id, Action::Link(Relation { id: rel_id, kind: role_id, from: from.clone(), to: to.clone() }))
    }

    /// Sets an attribute of an annotation.
    pub(crate) fn attr(&mut self, kind: &'static str, index: usize, id: Option<&str>, ann: &AnnId, key: &str, value: &str) -> bool {
        let action = Action::SetAttr { id: ann.clone(), key: key.to_owned(), value: Some(value.to_owned()), at: self.modified_of(ann) };
        self.apply_or_refuse(kind, index, id, action)
    }

    /// Sets the note of an annotation (a second note is added on a new line).
    pub(crate) fn note(&mut self, kind: &'static str, index: usize, id: Option<&str>, ann: &AnnId, note: &str) -> bool {
        let old = self.set.get(ann).map(|a| a.note.clone()).unwrap_or_default();
        let note = if old.is_empty() { note.to_owned() } else { format!("{old}\n{note}") };
        let action = Action::SetNote { id: ann.clone(), note, at: self.modified_of(ann) };
        self.apply_or_refuse(kind, index, id, action)
    }

    /// Adds an entity over `members`.
    pub(crate) fn entity(&mut self, kind: &'static str, index: usize, id: Option<&str>, name: &str, actor_type: &str, members: Vec<AnnId>) -> Option<AnnId> {
        let e_id = self.id_or_fresh(id, "E");
        let e = Entity { id: e_id.clone(), name: name.to_owned(), kind: actor_type.to_owned(), members };
        self.apply_or_refuse(kind, index, id, Action::PutEntity(e)).then_some(e_id)
    }

    /// The annotation's modified time: setting a note or an attribute on import
    /// keeps it, since the file's times are the times to keep.
    fn modified_of(&self, ann: &AnnId) -> Timestamp {
        self.set.get(ann).map(|a| a.modified).unwrap_or_default()
    }

    fn apply_or_refuse(&mut self, kind: &'static str, index: usize, id: Option<&str>, action: Action) -> bool {
        match self.set.apply(action) {
            Ok(_) => true,
            Err(r) => {
                self.refuse(kind, index, id.map(str::to_owned), r.to_string());
                false
            }
        }
    }

    /// The import. When the file does not carry its text and was read against the
    /// current document, a file none of whose spans fit the text is an error.
    pub(crate) fn finish(self, against_current: bool) -> Result<Imported, ImportError> {
        if against_current && self.n_spans > 0 && self.n_misfits == self.n_spans {
            let first = self.refused.iter().find(|r| r.kind != "document").map(ToString::to_string).unwrap_or_default();
            return Err(ImportError::DifferentDocument(format!(
                "none of its {} span{} fits the text of “{}”; the first: {first}",
                self.n_spans,
                if self.n_spans == 1 { "" } else { "s" },
                self.doc.title()
            )));
        }
        Ok(Imported { document: self.doc, annotations: self.set, refused: self.refused, version: VERSION })
    }
}
