//! The annotation schema as data: labels, the roles that link annotations, the
//! attributes each label carries, and the actor types of entities.
//!
//! Invariant: every role names labels of the schema, and every attribute belongs
//! to one label. The news schema follows the field's traditions: events are coded
//! as source actor → event → target actor (PLOVER/CAMEO, ACLED) with place, time,
//! type and modality; claims as claimer → claim with a cue and a stance (NewsClaims,
//! PARC). Nothing else in the crate names a role or an attribute in code.

use std::rc::Rc;

use super::label::{LabelDef, LabelSet};

/// A kind of relation: which label may point to which, in which role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleDef {
    /// Stable id, stored in relations ("source").
    pub id: String,
    /// Name shown in the inspector ("Source").
    pub name: String,
    /// The label of the annotation the relation starts from.
    pub from: String,
    /// The labels an annotation at the other end may have.
    pub to: Vec<String>,
    /// Whether the other end may be an entity (a coreference cluster of actors).
    pub to_entity: bool,
    /// At most one relation of this role per annotation (a frame slot), or many.
    pub single: bool,
    /// The key that opens this slot's picker when an annotation with the role is selected.
    pub key: char,
}

/// What values an attribute takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrKind {
    /// One of a fixed list.
    Choice(Vec<String>),
    /// Free text, at most [`MAX_TEXT`] code points.
    Text,
}

/// The longest free-text attribute value or note, in code points.
pub const MAX_TEXT: usize = 10_000;

/// A typed attribute of one label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrDef {
    /// Stable id, stored in annotations ("modality").
    pub id: String,
    /// Name shown in the inspector ("Modality").
    pub name: String,
    /// The label that carries it.
    pub label: String,
    /// Its values.
    pub kind: AttrKind,
}

/// Labels, roles, attributes and actor types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    /// The labels.
    pub labels: LabelSet,
    /// The roles, in the order the inspector shows them.
    pub roles: Vec<RoleDef>,
    /// The attributes, in the order the inspector shows them.
    pub attrs: Vec<AttrDef>,
    /// The types an entity may have.
    pub actor_types: Vec<String>,
}

/// PLOVER event types (the successor of CAMEO), plus OTHER.
pub const PLOVER: [&str; 20] = [
    "AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT", "INVESTIGATE", "DEMAND", "DISAPPROVE",
    "REJECT", "THREATEN", "PROTEST", "MOBILIZE", "SANCTION", "COERCE", "ASSAULT", "FIGHT", "CRIME", "OTHER",
];

impl Schema {
    /// The news schema: Actor, Event, Claim and Cue, event frames and claim attribution.
    pub fn news() -> Rc<Schema> {
        let label = |id: &str, description: &str, color: &str, keys: [char; 2]| LabelDef {
            id: id.to_owned(),
            description: description.to_owned(),
            color: color.to_owned(),
            keys: keys.to_vec(),
        };
        let labels = LabelSet::new(vec![
            label("Actor", "A person, group, organisation or state that acts or is acted on", "#2563eb", ['1', 'a']),
            label("Event", "Something that happens or is done", "#d97706", ['2', 'e']),
            label("Claim", "A statement someone asserts", "#9333ea", ['3', 'c']),
            label("Cue", "The words that introduce a claim (said, urged, emphasizing)", "#0f766e", ['4', 'q']),
        ])
        .expect("the built-in news labels are valid");
        let role = |id: &str, name: &str, from: &str, to: &[&str], to_entity: bool, single: bool, key: char| RoleDef {
            id: id.to_owned(),
            name: name.to_owned(),
            from: from.to_owned(),
            to: to.iter().map(|s| (*s).to_owned()).collect(),
            to_entity,
            single,
            key,
        };
        let roles = vec![
            role("source", "Source", "Event", &["Actor"], true, true, 's'),
            role("target", "Target", "Event", &["Actor"], true, true, 't'),
            role("claimer", "Claimer", "Claim", &["Actor"], true, true, 'w'),
            role("cue", "Cue", "Claim", &["Cue"], false, true, 'u'),
            role("about", "About event", "Claim", &["Event"], false, false, 'b'),
            role("supports", "Supports", "Claim", &["Claim"], false, false, 'p'),
            role("contradicts", "Contradicts", "Claim", &["Claim"], false, false, 'x'),
        ];
        let choice = |v: &[&str]| AttrKind::Choice(v.iter().map(|s| (*s).to_owned()).collect());
        let attr = |id: &str, name: &str, label: &str, kind: AttrKind| AttrDef {
            id: id.to_owned(),
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
        };
        let attrs = vec![
            attr("place", "Place", "Event", AttrKind::Text),
            attr("time", "Time", "Event", AttrKind::Text),
            attr("type", "Type", "Event", choice(&PLOVER)),
            attr("modality", "Modality", "Event", choice(&["occurred", "threatened", "planned", "hypothetical", "denied"])),
            attr("polarity", "Polarity", "Event", choice(&["positive", "negative"])),
            attr("stance", "Stance", "Claim", choice(&["affirm", "refute", "unclear"])),
            attr("check_worthy", "Check-worthy", "Claim", choice(&["yes", "no"])),
        ];
        let actor_types = [
            "state", "government official", "military", "armed group", "party", "international organisation", "civilian", "media", "other",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        Rc::new(Schema { labels, roles, attrs, actor_types })
    }

    /// The role with this id.
    pub fn role(&self, id: &str) -> Option<&RoleDef> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The roles that start from annotations with this label.
    pub fn roles_from<'a>(&'a self, label: &'a str) -> impl Iterator<Item = &'a RoleDef> + 'a {
        self.roles.iter().filter(move |r| r.from == label)
    }

    /// The attribute `id` of `label`.
    pub fn attr(&self, label: &str, id: &str) -> Option<&AttrDef> {
        self.attrs.iter().find(|a| a.label == label && a.id == id)
    }

    /// The attributes of `label`.
    pub fn attrs_of<'a>(&'a self, label: &'a str) -> impl Iterator<Item = &'a AttrDef> + 'a {
        self.attrs.iter().filter(move |a| a.label == label)
    }

    /// Checks a value for an attribute.
    ///
    /// # Errors
    /// Why the value does not fit.
    pub fn check_attr(&self, label: &str, id: &str, value: &str) -> Result<(), String> {
        let def = self.attr(label, id).ok_or_else(|| format!("{label} has no attribute \"{id}\""))?;
        match &def.kind {
            AttrKind::Choice(options) if !options.iter().any(|o| o == value) => {
                Err(format!("\"{value}\" is not a {} (one of {})", def.name, options.join(", ")))
            }
            AttrKind::Text if value.chars().count() > MAX_TEXT => Err(format!("{} is longer than {MAX_TEXT} characters", def.name)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_schema_is_consistent() {
        let s = Schema::news();
        for r in &s.roles {
            assert!(s.labels.get(&r.from).is_some(), "{}", r.id);
            assert!(r.to.iter().all(|l| s.labels.get(l).is_some()), "{}", r.id);
        }
        let mut keys: Vec<char> = s.roles.iter().map(|r| r.key).collect();
        keys.extend(s.labels.iter().flat_map(|l| l.keys.clone()));
        keys.extend(['j', 'k', 'm', 'n', 'f', 'v']);
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "no key does two things");
        for a in &s.attrs {
            assert!(s.labels.get(&a.label).is_some(), "{}", a.id);
        }
        let event_roles: Vec<_> = s.roles_from("Event").map(|r| r.name.as_str()).collect();
        assert_eq!(event_roles, ["Source", "Target"]);
        assert!(s.check_attr("Event", "modality", "threatened").is_ok());
        assert!(s.check_attr("Event", "modality", "maybe").unwrap_err().contains("one of"));
        assert!(s.check_attr("Actor", "modality", "threatened").is_err());
        assert!(s.check_attr("Claim", "stance", "affirm").is_ok());
    }
}
