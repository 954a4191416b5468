//! brat standoff: the exact text (`.txt`), the annotations (`.ann`) and an
//! `annotation.conf` for brat, in one zip.
//!
//! `.ann` lines: `T` spans, `E` events (a label whose roles are all single slots,
//! here Event, with its roles as arguments), `R` relations, `A` attributes, `*
//! Equiv` coreference, `#` AnnotatorNotes. Offsets are 0-based code points with an
//! exclusive end, as brat (Python 3) counts them.
//!
//! brat attributes are binary or take a value from a list that `annotation.conf`
//! declares; every `A` line the export writes is a choice attribute declared there
//! with its values. brat has no free-text attribute, so a free-text attribute
//! (place, time) is a `#` comment line typed by the attribute (`#3\tplace E1\tKyiv`),
//! which brat accepts and shows as "place: Kyiv"; the import reads such a line back
//! as the attribute, and still reads free text given as an `A` line.
//!
//! The hard parts: a `T` line's text cannot hold a newline, so a span across a line
//! break is written as fragments (`0 5;6 10`) whose texts are joined by a space, as
//! brat does; reading joins fragments separated only by whitespace back into one
//! span. brat attribute values cannot hold whitespace, so `%`, space, tab and line
//! breaks in a value are percent-escaped. The zip is written stored (uncompressed),
//! which every unzip reads; compressed zips are refused with a way out, since a
//! decompressor would cost the bundle more than this whole module.
//!
//! brat ids (`T1`, `E1`, `R1`, `A1`, `#1`) are one space: a line whose id an earlier
//! line has is refused, and so is every argument, Equiv member, attribute or note
//! naming that id, since which span it means is ambiguous (see `FileIds`).

use std::collections::BTreeMap;
use std::rc::Rc;

use super::toolkit::{excerpt, mention_of, Builder, FileIds, Holds, ImportError, Imported, MAX_IMPORT_BYTES};
use super::{FileSpec, FormatDef, FormatInfo, Reader, Rule, Written};
use crate::model::schema::AttrKind;
use crate::model::{AnnId, AnnotationSet, Document, Schema, Timestamp};

/// What brat holds: no ids, times, entity names or types, and relations to an
/// entity point at its first mention.
pub(crate) const LOSES: Holds = Holds { ids: false, notes: true, attrs: true, relations: true, entities: false, times: false };

/// The format's name, in the menu and in messages.
pub const NAME: &str = "brat standoff (zip)";

/// brat's row in the registry: a zip, or a lone `.ann` read against the open document.
pub const DEF: FormatDef = FormatDef {
    info: FormatInfo {
        id: "brat",
        name: NAME,
        tool: "brat",
        files: &[FileSpec { suffix: ".brat.zip", mime: "application/zip" }],
        holds: LOSES,
        detect: &[Rule { precedence: 90, test: |h| h.bytes().starts_with(b"PK") || h.name_ends_with(&[".zip", ".ann"]) }],
    },
    import: Some(Reader::Bytes(import)),
    export: |doc, set| Written { files: vec![export_zip(doc, set)], notes: notes(set) },
};

/// The export's notes: brat keeps coreference as `Equiv` lines, but not the
/// entity's name and type; notes lose their line breaks.
pub(crate) fn notes(set: &AnnotationSet) -> Vec<String> {
    let mut notes = LOSES.notes(set, "brat");
    if !set.entities().is_empty() {
        notes.retain(|n| !n.contains("entities (coreference"));
        let n_single = set.entities().iter().filter(|e| e.members.len() < 2).count();
        notes.push(format!(
            "brat keeps coreference as Equiv lines, but not an entity's name and type: {} entit{} lose{} them{}.",
            set.entities().len(),
            if set.entities().len() == 1 { "y" } else { "ies" },
            if set.entities().len() == 1 { "s" } else { "" },
            if n_single > 0 { format!(", and {n_single} with a single mention are left out") } else { String::new() }
        ));
    }
    let n_broken = set.items().iter().filter(|a| a.note.contains(['\n', '\r', '\t'])).count();
    if n_broken > 0 {
        notes.push(format!("brat notes are one line: line breaks and tabs in {n_broken} note{} become spaces.", if n_broken == 1 { "" } else { "s" }));
    }
    notes
}

/// Whether brat should see `label` as an event type: it has roles, and each is a
/// single slot (a frame), as Event's Source and Target are.
fn is_event(schema: &Schema, label: &str) -> bool {
    let mut roles = schema.roles_from(label).peekable();
    roles.peek().is_some() && roles.all(|r| r.single)
}

/// A role's brat type: its id with a capital ("Source", "Claimer").
fn brat_type(role: &str) -> String {
    let mut c = role.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn escape_value(v: &str) -> String {
    let mut out = String::new();
    for c in v.chars() {
        match c {
            '%' => out.push_str("%25"),
            ' ' => out.push_str("%20"),
            '\t' => out.push_str("%09"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            _ => out.push(c),
        }
    }
    out
}

fn unescape_value(v: &str) -> String {
    v.replace("%20", " ").replace("%09", "\t").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
}

/// The `.ann` for a document.
pub fn export_ann(doc: &Document, set: &AnnotationSet) -> String {
    let schema = set.schema();
    let text = doc.text();
    let mut out = String::new();
    let mut t_of: BTreeMap<&AnnId, String> = BTreeMap::new();
    let mut e_of: BTreeMap<&AnnId, String> = BTreeMap::new();
    for (i, a) in set.items().iter().enumerate() {
        let t = format!("T{}", i + 1);
        // Fragments: the span split at line breaks, as brat writes spans across lines.
        let mut frags: Vec<(usize, usize)> = Vec::new();
        let mut open: Option<usize> = None;
        for cp in a.span.start()..a.span.end() {
            let brk = matches!(text.char_at(cp), Some('\n' | '\r'));
            match (brk, open) {
                (false, None) => open = Some(cp),
                (true, Some(s)) => {
                    frags.push((s, cp));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(s) = open {
            frags.push((s, a.span.end()));
        }
        if frags.is_empty() {
            frags.push((a.span.start(), a.span.end()));
        }
        let offsets: Vec<String> = frags.iter().map(|(s, e)| format!("{s} {e}")).collect();
        let quoted: Vec<String> = frags.iter().map(|(s, e)| text.slice(*s, *e).unwrap_or("").replace(['\n', '\r'], " ")).collect();
        out.push_str(&format!("{t}\t{} {}\t{}\n", a.label, offsets.join(";"), quoted.join(" ")));
        t_of.insert(&a.id, t);
    }
    let tid = |id: &AnnId| mention_of(set, id).and_then(|a| t_of.get(&a.id)).cloned();
    let mut n_e = 0;
    for a in set.items().iter().filter(|a| is_event(schema, &a.label)) {
        n_e += 1;
        let e = format!("E{n_e}");
        let mut line = format!("{e}\t{}:{}", a.label, t_of[&a.id]);
        for r in set.relations_from(&a.id) {
            if let Some(t) = tid(&r.to) {
                line.push_str(&format!(" {}:{t}", brat_type(&r.kind)));
            }
        }
        out.push_str(&line);
        out.push('\n');
        e_of.insert(&a.id, e);
    }
    let mut n_r = 0;
    for r in set.relations() {
        let from = set.get(&r.from).expect("relations start at annotations");
        if is_event(schema, &from.label) {
            continue;
        }
        if let Some(to) = tid(&r.to) {
            n_r += 1;
            out.push_str(&format!("R{n_r}\t{} Arg1:{} Arg2:{to}\n", brat_type(&r.kind), t_of[&r.from]));
        }
    }
    for e in set.entities().iter().filter(|e| e.members.len() > 1) {
        let mut members: Vec<&String> = e.members.iter().filter_map(|m| t_of.get(m)).collect();
        members.sort_by_key(|t| t[1..].parse::<usize>().unwrap_or(0));
        let ids: Vec<&str> = members.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!("*\tEquiv {}\n", ids.join(" ")));
    }
    // Choice attributes are `A` lines, declared with their values in annotation.conf;
    // brat has no free-text attribute, so free text is a `#` line typed by the attribute.
    let is_text = |label: &str, key: &str| schema.attr(label, key).is_some_and(|d| matches!(d.kind, AttrKind::Text));
    let mut n_a = 0;
    for a in set.items() {
        let owner = e_of.get(&a.id).unwrap_or(&t_of[&a.id]);
        for (k, v) in a.attrs.iter().filter(|(k, _)| !is_text(&a.label, k)) {
            n_a += 1;
            out.push_str(&format!("A{n_a}\t{k} {owner} {}\n", escape_value(v)));
        }
    }
    let mut n_n = 0;
    for a in set.items().iter().filter(|a| !a.note.is_empty()) {
        n_n += 1;
        out.push_str(&format!("#{n_n}\t{NOTES} {}\t{}\n", t_of[&a.id], a.note.replace(['\n', '\r', '\t'], " ")));
    }
    for a in set.items() {
        let owner = e_of.get(&a.id).unwrap_or(&t_of[&a.id]);
        for (k, v) in a.attrs.iter().filter(|(k, _)| is_text(&a.label, k)) {
            n_n += 1;
            out.push_str(&format!("#{n_n}\t{k} {owner}\t{}\n", escape_comment(v)));
        }
    }
    out
}

/// The type of brat's own note lines.
const NOTES: &str = "AnnotatorNotes";

/// The escapes in the text of a `#` line that holds a free-text attribute, and
/// the characters they stand for.
const COMMENT_ESCAPES: [(&str, char); 4] = [("%09", '\t'), ("%0A", '\n'), ("%0D", '\r'), ("%25", '%')];

/// A free-text value as the text of a `#` line: one line, so tabs and line breaks
/// are percent-escaped, and so is a `%` that would read as an escape; spaces and
/// any other `%` stay as they are, as brat shows them.
fn escape_comment(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for (i, c) in v.char_indices() {
        match COMMENT_ESCAPES.iter().find(|(_, ch)| *ch == c) {
            Some(("%25", _)) if !COMMENT_ESCAPES.iter().any(|(esc, _)| v[i..].starts_with(esc)) => out.push('%'),
            Some((esc, _)) => out.push_str(esc),
            None => out.push(c),
        }
    }
    out
}

/// The value [`escape_comment`] wrote, read left to right in one pass.
fn unescape_comment(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(c) = rest.chars().next() {
        match COMMENT_ESCAPES.iter().find(|(esc, _)| rest.starts_with(esc)) {
            Some((esc, ch)) => {
                out.push(*ch);
                rest = &rest[esc.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// brat's `annotation.conf` for the schema, so that brat shows the files as they are.
pub fn config(schema: &Schema) -> String {
    let mut out = String::from("# brat configuration written by spantag\n[entities]\n");
    let events: Vec<&str> = schema.labels.iter().map(|l| l.id.as_str()).filter(|l| is_event(schema, l)).collect();
    for l in schema.labels.iter().filter(|l| !events.contains(&l.id.as_str())) {
        out.push_str(&format!("{}\n", l.id));
    }
    out.push_str("\n[relations]\n");
    for r in schema.roles.iter().filter(|r| !events.contains(&r.from.as_str())) {
        out.push_str(&format!("{}\tArg1:{}, Arg2:{}\n", brat_type(&r.id), r.from, r.to.join("|")));
    }
    out.push_str("Equiv\tArg1:Actor, Arg2:Actor, <REL-TYPE>:symmetric-transitive\n\n[events]\n");
    for e in &events {
        let args: Vec<String> = schema.roles_from(e).map(|r| format!("{}?:{}", brat_type(&r.id), r.to.join("|"))).collect();
        out.push_str(&format!("{e}\t{}\n", args.join(", ")));
    }
    out.push_str("\n[attributes]\n");
    let mut free_text = Vec::new();
    for a in &schema.attrs {
        let values = match &a.kind {
            AttrKind::Choice(v) => v.iter().map(|x| escape_value(x)).collect::<Vec<_>>().join("|"),
            AttrKind::Text => {
                free_text.push(format!("{} ({})", a.id, a.label));
                continue;
            }
        };
        out.push_str(&format!("{}\tArg:{}, Value:{values}\n", a.id, a.label));
    }
    if !free_text.is_empty() {
        // brat attributes are binary or take a value from a list: free text cannot be one.
        out.push_str(&format!(
            "# Free-text attributes ({}) are not brat attributes: the .ann holds them as\n# comment lines typed by the attribute, e.g. #3<TAB>place E1<TAB>Kyiv, which brat shows as notes.\n",
            free_text.join(", ")
        ));
    }
    out
}

/// The zip: `<slug>.txt`, `<slug>.ann` and `annotation.conf`.
pub fn export_zip(doc: &Document, set: &AnnotationSet) -> Vec<u8> {
    let slug = doc.slug();
    zip_stored(&[
        (format!("{slug}.txt"), doc.text().as_str().as_bytes().to_vec()),
        (format!("{slug}.ann"), export_ann(doc, set).into_bytes()),
        ("annotation.conf".to_owned(), config(set.schema()).into_bytes()),
    ])
}

/// Reads a brat zip (the `.txt` and `.ann` inside), or a lone `.ann` against the
/// current document.
///
/// # Errors
/// [`ImportError`] if the zip cannot be read, holds no `.ann`, or the lone `.ann`
/// is about a different document.
pub fn import(bytes: &[u8], file_name: &str, schema: &Rc<Schema>, current: &Document) -> Result<Imported, ImportError> {
    let name = NAME;
    let utf8 = |b: &[u8], what: &str| {
        std::str::from_utf8(b).map(|s| s.strip_prefix('\u{feff}').unwrap_or(s).to_owned()).map_err(|e| {
            ImportError::Invalid(name, format!("{what} is not UTF-8 text (the bytes at byte offset {} are not UTF-8)", e.valid_up_to()))
        })
    };
    if !bytes.starts_with(b"PK") {
        let ann = utf8(bytes, file_name)?;
        return read_ann(&ann, Builder::over(current.clone(), schema), true);
    }
    let entries = unzip(bytes).map_err(|why| ImportError::Invalid(name, why))?;
    let ann = entries.iter().find(|(n, _)| n.ends_with(".ann")).ok_or_else(|| ImportError::Invalid(name, "the zip holds no .ann file".into()))?;
    let stem = &ann.0[..ann.0.len() - 4];
    let txt = entries
        .iter()
        .find(|(n, _)| n.strip_suffix(".txt") == Some(stem))
        .or_else(|| entries.iter().find(|(n, _)| n.ends_with(".txt")));
    let ann_text = utf8(&ann.1, &ann.0)?;
    match txt {
        Some((txt_name, t)) => {
            let text = utf8(t, txt_name)?;
            read_ann(&ann_text, Builder::new(&text, current, schema), false)
        }
        None => read_ann(&ann_text, Builder::over(current.clone(), schema), true),
    }
}

fn read_ann(ann: &str, mut b: Builder, against_current: bool) -> Result<Imported, ImportError> {
    let mut lines: Vec<(usize, Vec<&str>)> =
        ann.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| (i, l.split('\t').collect())).collect();
    // Every line but an Equiv has an id, all in one space: a line whose id an earlier
    // line has is refused, and so is every reference to that id (see `FileIds`).
    let file_ids = FileIds::new(lines.iter().filter(|(_, c)| !matches!(c[0], "" | "*")).map(|(i, c)| (c[0], "line", *i)));
    lines.retain(|(index, cols)| match file_ids.repeat(cols[0], "line", *index).filter(|_| !matches!(cols[0], "" | "*")) {
        Some(why) => {
            b.refuse("line", *index, Some(cols[0].to_owned()), why);
            false
        }
        None => true,
    });
    // brat ids (T1, E1) to annotation ids.
    let mut ids: BTreeMap<String, AnnId> = BTreeMap::new();
    let zero = (Timestamp(0), Timestamp(0));
    for (index, cols) in lines.iter().filter(|(_, c)| c[0].starts_with('T')) {
        let (index, brat_id) = (*index, cols[0]);
        let shown = Some(brat_id.to_owned());
        let Some((label, offsets)) = cols.get(1).and_then(|c| c.split_once(' ')) else {
            b.refuse("line", index, shown, "a T line needs a type and offsets");
            continue;
        };
        let frags: Option<Vec<(i64, i64)>> = offsets
            .split(';')
            .map(|f| {
                let (s, e) = f.trim().split_once(' ')?;
                Some((s.parse().ok()?, e.parse().ok()?))
            })
            .collect();
        let Some(frags) = frags.filter(|f| !f.is_empty()) else {
            b.refuse("line", index, shown, format!("{} are not offsets", excerpt(offsets)));
            continue;
        };
        let (start, end) = (frags[0].0, frags[frags.len() - 1].1);
        let text = b.doc().text();
        let gaps_blank = frags.windows(2).all(|w| {
            w[0].1 <= w[1].0 && w[0].1 >= 0 && text.slice(w[0].1 as usize, w[1].0 as usize).is_some_and(|g| g.chars().all(char::is_whitespace))
        });
        if !gaps_blank {
            b.refuse("line", index, shown, format!("the span {} is discontinuous; spantag spans are continuous", excerpt(offsets)));
            continue;
        }
        if let Some(quoted) = cols.get(2) {
            let in_range = |s: i64, e: i64| s >= 0 && e >= s && (e as usize) <= text.len_cp();
            let expected: Option<Vec<&str>> =
                frags.iter().map(|&(s, e)| in_range(s, e).then(|| text.slice(s as usize, e as usize)).flatten()).collect();
            if let Some(expected) = expected {
                let expected = expected.join(" ").replace(['\n', '\r'], " ");
                if expected != *quoted {
                    let why = format!("its text {} does not match the document at {start}..{end}, which is {}", excerpt(quoted), excerpt(&expected));
                    b.misfit("line", index, shown, why);
                    continue;
                }
            }
        }
        if let Some(id) = b.span("line", index, Some(brat_id), label, start, end, None, zero) {
            ids.insert(brat_id.to_owned(), id);
        }
    }
    fn arg(s: &str) -> Option<(&str, &str)> {
        s.split_once(':').map(|(role, id)| (role.trim_end_matches(|c: char| c.is_ascii_digit()), id))
    }
    let events: Vec<&(usize, Vec<&str>)> = lines.iter().filter(|(_, c)| c[0].starts_with('E')).collect();
    // Triggers first, so that arguments may be other events.
    for (_, cols) in &events {
        if let Some((_, trigger)) = cols.get(1).and_then(|c| c.split(' ').next()).and_then(arg) {
            if let Ok(id) = look(&ids, &file_ids, trigger) {
                ids.insert(cols[0].to_owned(), id);
            }
        }
    }
    for (index, cols) in &events {
        let shown = Some(cols[0].to_owned());
        let trigger = cols.get(1).and_then(|c| c.split(' ').next()).and_then(arg).map(|(_, t)| t);
        if let Some(why) = trigger.and_then(|t| file_ids.ambiguous(t)) {
            b.refuse("line", *index, shown, why);
            continue;
        }
        let Some(from) = ids.get(cols[0]).cloned() else {
            b.refuse("line", *index, shown, "its trigger is not a span of this file");
            continue;
        };
        for a in cols.get(1).map(|c| c.split(' ').skip(1).filter(|s| !s.is_empty()).collect::<Vec<_>>()).unwrap_or_default() {
            match arg(a).map(|(role, id)| (role, look(&ids, &file_ids, id))) {
                Some((role, Ok(to))) => {
                    b.link("line", *index, None, role, &from, &to);
                }
                Some((_, Err(Some(why)))) => b.refuse("line", *index, shown.clone(), format!("argument {}: {why}", excerpt(a))),
                _ => b.refuse("line", *index, shown.clone(), format!("argument {} is not a span of this file", excerpt(a))),
            }
        }
    }
    for (index, cols) in lines.iter().filter(|(_, c)| c[0] == "*") {
        if let Some(why) = cols.get(1).and_then(|c| c.split(' ').skip(1).find_map(|m| file_ids.ambiguous(m))) {
            b.refuse("line", *index, None, why);
            continue;
        }
        let members: Option<Vec<AnnId>> = cols.get(1).and_then(|c| c.split(' ').skip(1).map(|m| ids.get(m).cloned()).collect());
        match members {
            Some(members) if !members.is_empty() => {
                let name = b.set().get(&members[0]).and_then(|a| b.doc().text().slice(a.span.start(), a.span.end())).unwrap_or("").to_owned();
                b.entity("line", *index, None, &name, "", members);
            }
            _ => b.refuse("line", *index, None, "an Equiv member is not a span of this file"),
        }
    }
    for (index, cols) in lines.iter().filter(|(_, c)| c[0].starts_with('R')) {
        let shown = Some(cols[0].to_owned());
        let parts: Vec<&str> = cols.get(1).map(|c| c.split(' ').collect()).unwrap_or_default();
        if let Some(why) = parts.iter().skip(1).find_map(|a| arg(a).and_then(|(_, id)| file_ids.ambiguous(id))) {
            b.refuse("line", *index, shown, why);
            continue;
        }
        let ends: Option<Vec<AnnId>> = parts.iter().skip(1).map(|a| arg(a).and_then(|(_, id)| ids.get(id).cloned())).collect();
        match (parts.first(), ends.as_deref()) {
            (Some(role), Some([from, to])) => {
                let (from, to) = (from.clone(), to.clone());
                b.link("line", *index, Some(cols[0]), role, &from, &to);
            }
            _ => b.refuse("line", *index, shown, "a relation needs a type, Arg1 and Arg2 that are spans of this file"),
        }
    }
    for (index, cols) in lines.iter().filter(|(_, c)| c[0].starts_with('A') || c[0].starts_with('M')) {
        let shown = Some(cols[0].to_owned());
        let parts: Vec<&str> = cols.get(1).map(|c| c.splitn(3, ' ').collect()).unwrap_or_default();
        if let Some(why) = parts.get(1).and_then(|t| file_ids.ambiguous(t)) {
            b.refuse("line", *index, shown, why);
            continue;
        }
        match (parts.first(), parts.get(1).and_then(|t| ids.get(*t)).cloned()) {
            (Some(key), Some(target)) => {
                let value = parts.get(2).map_or_else(|| "true".to_owned(), |v| unescape_value(v));
                b.attr("line", *index, Some(cols[0]), &target, key, &value);
            }
            _ => b.refuse("line", *index, shown, "an attribute needs a name and a span of this file"),
        }
    }
    for (index, cols) in lines.iter().filter(|(_, c)| c[0].starts_with('#')) {
        let kind = cols.get(1).and_then(|c| c.split(' ').next()).unwrap_or("");
        let target = cols.get(1).and_then(|c| c.split(' ').nth(1));
        if let Some(why) = target.and_then(|t| file_ids.ambiguous(t)) {
            b.refuse("line", *index, Some(cols[0].to_owned()), why);
            continue;
        }
        let target = target.and_then(|t| ids.get(t)).cloned();
        // A comment typed by a free-text attribute of the span's label is that attribute
        // (how the export writes free text); any other comment is a note.
        let text_attr = target.as_ref().and_then(|t| b.set().get(t)).is_some_and(|a| {
            kind != NOTES && b.set().schema().attr(&a.label, kind).is_some_and(|d| matches!(d.kind, AttrKind::Text))
        });
        match (target, cols.get(2)) {
            (Some(target), Some(value)) if text_attr => {
                b.attr("line", *index, Some(cols[0]), &target, kind, &unescape_comment(value));
            }
            (Some(target), Some(note)) => {
                b.note("line", *index, Some(cols[0]), &target, note);
            }
            _ => b.refuse("line", *index, Some(cols[0].to_owned()), "a note needs a span of this file and a text"),
        }
    }
    for (index, cols) in lines.iter().filter(|(_, c)| !matches!(c[0].chars().next(), Some('T' | 'E' | 'R' | 'A' | 'M' | '#' | '*'))) {
        b.refuse("line", *index, Some(cols[0].to_owned()), "spantag does not read this kind of brat line");
    }
    b.finish(against_current)
}

/// The annotation a brat id names: `Err(Some(why))` if the file gives the id to
/// more than one line, `Err(None)` if no span or event of the file has it.
fn look(ids: &BTreeMap<String, AnnId>, file_ids: &FileIds, id: &str) -> Result<AnnId, Option<String>> {
    if let Some(why) = file_ids.ambiguous(id) {
        return Err(Some(why));
    }
    ids.get(id).cloned().ok_or(None)
}

/// CRC-32 (IEEE), bit by bit: small, and fast enough for a document.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A zip of stored (uncompressed) files, with a fixed date so the bytes are
/// deterministic.
pub fn zip_stored(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    const DOS_DATE: u16 = (1 << 5) | 1; // 1980-01-01
    let mut out = Vec::new();
    let mut central = Vec::new();
    let u16le = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let u32le = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        // Local header: version 2.0, flag bit 11 (UTF-8 names), stored.
        u32le(&mut out, 0x0403_4b50);
        for x in [20, 1 << 11, 0, 0, DOS_DATE] {
            u16le(&mut out, x);
        }
        for x in [crc, data.len() as u32, data.len() as u32] {
            u32le(&mut out, x);
        }
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        u32le(&mut central, 0x0201_4b50);
        for x in [20, 20, 1 << 11, 0, 0, DOS_DATE] {
            u16le(&mut central, x);
        }
        for x in [crc, data.len() as u32, data.len() as u32] {
            u32le(&mut central, x);
        }
        for x in [name.len() as u16, 0, 0, 0, 0] {
            u16le(&mut central, x);
        }
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    for x in [0, 0, files.len() as u16, files.len() as u16] {
        u16le(&mut out, x);
    }
    u32le(&mut out, central.len() as u32);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    out
}

/// The files of a zip whose members are stored, by name.
///
/// # Errors
/// A sentence if the zip is damaged, too big, or compressed.
pub fn unzip(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let u16at = |i: usize| bytes.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize).ok_or("the zip is cut short");
    let u32at = |i: usize| bytes.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize).ok_or("the zip is cut short");
    let eocd = (0..bytes.len().saturating_sub(21)).rev().take(65_557).find(|&i| bytes[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06])).ok_or("the zip has no end record")?;
    let (n, mut at) = (u16at(eocd + 10)?, u32at(eocd + 16)?);
    let mut out = Vec::new();
    let mut total = 0usize;
    for _ in 0..n.min(1000) {
        if u32at(at)? != 0x0201_4b50 {
            return Err("the zip's directory is damaged".into());
        }
        let (method, crc, size, name_len, extra_len, comment_len, local) =
            (u16at(at + 10)?, u32at(at + 16)?, u32at(at + 20)?, u16at(at + 28)?, u16at(at + 30)?, u16at(at + 32)?, u32at(at + 42)?);
        let name = String::from_utf8_lossy(bytes.get(at + 46..at + 46 + name_len).ok_or("the zip is cut short")?).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        if name.ends_with('/') {
            continue;
        }
        if method != 0 {
            return Err(format!(
                "{name} is compressed; spantag reads zips stored without compression (zip -0), or import the .ann alone with its document open"
            ));
        }
        total += size;
        if total > MAX_IMPORT_BYTES {
            return Err("the zip's contents are too big".into());
        }
        let start = local + 30 + u16at(local + 26)? + u16at(local + 28)?;
        let data = bytes.get(start..start + size).ok_or("the zip is cut short")?.to_vec();
        if crc32(&data) as usize != crc {
            return Err(format!("{name} is damaged (its checksum does not match)"));
        }
        out.push((name, data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn stored_zip_round_trips() {
        let files = vec![("a.txt".to_owned(), "héllo 👍".as_bytes().to_vec()), ("b.ann".to_owned(), Vec::new())];
        let zip = zip_stored(&files);
        assert_eq!(unzip(&zip).unwrap(), files);
        let mut bad = zip.clone();
        bad[36] ^= 1; // A byte of a.txt's data (after the 30-byte header and the name).
        assert!(unzip(&bad).unwrap_err().contains("checksum"));
        assert!(unzip(&zip[..20]).is_err());
    }

    #[test]
    fn free_text_in_a_comment_line_escapes_only_what_it_must() {
        assert_eq!(escape_comment("Kyiv, 100% sure"), "Kyiv, 100% sure");
        for v in ["a\tb\nc\r", "%09 literally", "%25", "%%09", "100%", "%", "%0a stays", "👍%0D"] {
            assert!(!escape_comment(v).contains(['\t', '\n', '\r']), "{v:?}");
            assert_eq!(unescape_comment(&escape_comment(v)), v, "{v:?} -> {:?}", escape_comment(v));
        }
    }

    #[test]
    fn attribute_values_escape_whitespace() {
        let v = "Gaza City\t100%\nnorth";
        assert!(!escape_value(v).contains([' ', '\t', '\n']));
        assert_eq!(unescape_value(&escape_value(v)), v);
    }
}
