//! The inspector: the selected annotation with its frame slots (Source, Target,
//! Claimer, Cue, …), its attributes from the schema, its entity, its note, and the
//! links pointing at it.
//!
//! Every slot can be filled three ways, with no mode switch: click "Pick in text"
//! (or press the slot's key) and click an annotation or select new text; type in the
//! slot's searchable picker; or press the slot's key, then arrows and Enter.
//!
//! Invariant: only the part of the annotation's own label has text, ids, labels and
//! accessible names. Once the page has been idle since the inspector appeared, the
//! parts of the other labels are there too, hidden and without any of those (so that
//! no one finds them by name or text), for a relabel to show instead of build.

use std::rc::Rc;

use yew::prelude::*;

use super::shared::Shared;

use super::dom;
use super::list::quote_of;
use super::picker::{Choice, Picker};
use super::state::{plural, Msg};
use crate::model::frames::end_name;
use crate::model::schema::{AttrKind, RoleDef};
use crate::model::{Action, AnnId, Annotation, AnnotationSet, Document, Entity, Timestamp};

/// Properties of [`Inspector`].
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The document.
    pub doc: Rc<Document>,
    /// The annotations.
    pub anns: Shared<AnnotationSet>,
    /// The selected annotation.
    pub ann: Annotation,
    /// The slot waiting to be filled.
    pub armed: Option<String>,
    /// Other annotations at the place last clicked.
    pub here: Rc<Vec<AnnId>>,
    /// Sends a message to the app.
    pub dispatch: Callback<Msg>,
}

fn label_class(anns: &AnnotationSet, label: &str) -> String {
    format!("l{}", anns.labels().index_of(label).unwrap_or(0))
}

/// "Code points 10–15 · 1 character": the span in the model's unit, and its length as
/// a reader counts characters (grapheme clusters: a flag or a family emoji is one).
fn meta_line(doc: &Document, a: &Annotation) -> String {
    let n = doc.text().slice(a.span.start(), a.span.end()).map_or(a.span.len_cp(), crate::model::offsets::grapheme_len);
    format!("Code points {}–{} · {n} character{}", a.span.start(), a.span.end(), plural(n))
}

/// The choices a role can point at: annotations with a fitting label, and entities.
fn choices(doc: &Document, anns: &AnnotationSet, role: &RoleDef, except: &AnnId) -> Vec<Choice> {
    let mut out: Vec<Choice> = Vec::new();
    if role.to_entity {
        out.extend(anns.entities().iter().map(|e| Choice {
            id: e.id.clone(),
            kind: "Entity".into(),
            class: Some("entity".into()),
            text: format!("{} ({} mention{})", e.name, e.members.len(), plural(e.members.len())),
        }));
    }
    out.extend(anns.items().iter().filter(|a| role.to.contains(&a.label) && &a.id != except).map(|a| Choice {
        id: a.id.clone(),
        kind: a.label.clone(),
        class: Some(label_class(anns, &a.label)),
        text: quote_of(doc, a),
    }));
    out
}

/// A picker's choices for `role`, each passed through `keep` (which may change or
/// drop it), computed when the picker asks (see [`Picker`]).
fn choices_of(props: &InspectorProps, role: RoleDef, keep: impl Fn(Choice) -> Option<Choice> + 'static) -> Callback<(), Vec<Choice>> {
    let (doc, anns, except) = (props.doc.clone(), props.anns.clone(), props.ann.id.clone());
    Callback::from(move |()| choices(&doc, &anns, &role, &except).into_iter().filter_map(&keep).collect())
}

fn now() -> Timestamp {
    Timestamp(dom::now_ms())
}

/// The inspector of the selected annotation.
#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let a = &props.ann;
    let anns = &props.anns;
    let schema = anns.schema().clone();
    let d = props.dispatch.clone();
    let warm = use_state(|| false);
    {
        let warm = warm.clone();
        use_effect_with((), move |_| dom::when_idle(1_000, move || warm.set(true)));
    }
    let ondelete = {
        let d = d.clone();
        Callback::from(move |_| d.emit(Msg::RequestDelete))
    };
    let others: Vec<&Annotation> = props.here.iter().filter(|id| **id != a.id).filter_map(|id| anns.get(id)).collect();
    let incoming: Vec<_> = anns
        .relations()
        .iter()
        .filter(|r| r.to == a.id || anns.entity_of(&a.id).is_some_and(|e| e.id == r.to))
        .collect();
    // The section's children are keyed, so that yew matches them by key and not by
    // position. Unkeyed, yew lines children up from the end, and a relabel (an Actor's
    // parts become an Event's) rebuilt the header and morphed one label's fields into
    // another's. Keyed, a relabel replaces only the label's own part ("fields-…"), and
    // selecting another annotation of the same label updates the parts in place.
    let mut parts: Vec<Html> = Vec::with_capacity(8);
    parts.push(html! {
        <h2 key="head">
            <span class={classes!("chip", label_class(anns, &a.label))}>{ &a.label }</span>
            { " " }<q>{ quote_of(&props.doc, a) }</q>
        </h2>
    });
    parts.push(html! {
        <p key="meta" class="meta">
            { meta_line(&props.doc, a) }
        </p>
    });
    parts.push(html! {
        <div key="row" class="row">
            <button type="button" class="danger" onclick={ondelete}>{ "Delete annotation" }</button>
        </div>
    });
    if !others.is_empty() {
        parts.push(html! {
            <div key="here" class="here">
                <p>{ format!("Also at this place ({} more; click the text again to cycle):", others.len()) }</p>
                <ul>
                    { for others.iter().map(|o| {
                        let (onclick, onkeydown) = super::list::activate(&d, Msg::Select(Some(o.id.clone()), None));
                        html! {
                            <li class="entry" tabindex="0" {onclick} {onkeydown}>
                                <span class={classes!("chip", label_class(anns, &o.label))}>{ &o.label }</span>{ " " }
                                <span class="quote">{ quote_of(&props.doc, o) }</span>
                            </li>
                        }
                    }) }
                </ul>
            </div>
        });
    }
    // The fields of the annotation's label, and, once the page has been idle since the
    // inspector appeared, those of every other label too, hidden: a relabel then shows
    // one part and hides another instead of building some hundred elements (the select
    // menus' options among them) and making the browser look at the form controls again.
    // At L that was 2–3 ms of yew and DOM work plus a 2 ms autofill task after the frame
    // (BENCHMARKS.md, session 8). A hidden part has its elements but no text and no
    // names, ids or labels, so that it is not found by its text or name.
    for l in schema.labels.iter().filter(|l| *warm || l.id == a.label) {
        parts.push(fields(props, &l.id, l.id == a.label));
    }
    if !incoming.is_empty() {
        parts.push(html! {
            <div key="incoming" class="incoming">
                <h3>{ "Pointed at by" }</h3>
                <ul class="links">
                    { for incoming.iter().map(|r| {
                        let role = schema.role(&r.kind).map_or(r.kind.clone(), |x| x.name.clone());
                        let from = anns.get(&r.from);
                        let (onclick, onkeydown) = super::list::activate(&d, Msg::Select(Some(r.from.clone()), Some(super::state::ScrollTarget::Article)));
                        let (enter, leave) = hover(&d, &r.id);
                        html! {
                            <li class="entry" tabindex="0" {onclick} {onkeydown} onmouseenter={enter} onmouseleave={leave}>
                                <span class="role">{ format!("{role} of") }</span>
                                { for from.map(|f| html! { <><span class={classes!("chip", label_class(anns, &f.label))}>{ &f.label }</span>{ " " }</> }) }
                                <span class="quote">{ end_name(&props.doc, anns, &r.from) }</span>
                            </li>
                        }
                    }) }
                </ul>
            </div>
        });
    }
    parts.push(note(props));
    html! {
        <section class="selected inspector" aria-label="Inspector">
            { for parts }
        </section>
    }
}

/// The part of the inspector that belongs to `label`: its frame slots, attributes
/// and, for an Actor, its entity. `live`: the annotation has this label; otherwise the
/// part is hidden, without text or names (see [`Inspector`]).
fn fields(props: &InspectorProps, label: &str, live: bool) -> Html {
    let schema = props.anns.schema();
    let roles: Vec<&RoleDef> = schema.roles_from(label).collect();
    let heading = if label == "Event" { "Frame" } else { "Attribution and links" };
    html! {
        <div key={format!("fields-{label}")} class="fields" hidden={!live}>
            if !roles.is_empty() {
                <h3>{ text(live, heading) }</h3>
                { for roles.iter().map(|role| slot(props, role, live)) }
            }
            { for schema.attrs_of(label).map(|def| attr_field(&props.dispatch, &props.ann, def, live)) }
            if label == "Actor" {
                { entity_section(props, live) }
            }
        </div>
    }
}

/// `s` in a live part, nothing in a hidden one.
fn text(live: bool, s: &str) -> String {
    if live { s.to_owned() } else { String::new() }
}

/// One attribute of the schema as a labelled select or text field.
fn attr_field(d: &Callback<Msg>, a: &Annotation, def: &crate::model::schema::AttrDef, live: bool) -> Html {
    let id = a.id.clone();
    let key = def.id.clone();
    let value = a.attrs.get(&def.id).cloned().unwrap_or_default();
    // Only the live part has ids (attribute ids are unique per label only).
    let input_id = live.then(|| format!("attr-{}", def.id));
    match &def.kind {
        AttrKind::Choice(options) => {
            let d = d.clone();
            let onchange = Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                let value = (!v.is_empty()).then_some(v);
                d.emit(Msg::Apply(Action::SetAttr { id: id.clone(), key: key.clone(), value, at: now() }));
            });
            html! {
                <div class="field">
                    <label for={input_id.clone()}>{ text(live, &def.name) }</label>
                    <select id={input_id} {onchange}>
                        <option value="" selected={value.is_empty()}>{ text(live, "—") }</option>
                        { for options.iter().map(|o| html! { <option value={text(live, o)} selected={*o == value}>{ text(live, o) }</option> }) }
                    </select>
                </div>
            }
        }
        AttrKind::Text => {
            let d = d.clone();
            let onchange = Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                let value = (!v.trim().is_empty()).then_some(v);
                d.emit(Msg::Apply(Action::SetAttr { id: id.clone(), key: key.clone(), value, at: now() }));
            });
            html! {
                <div class="field">
                    <label for={input_id.clone()}>{ text(live, &def.name) }</label>
                    <input id={input_id} type="text" value={value} {onchange} />
                </div>
            }
        }
    }
}

fn hover(d: &Callback<Msg>, rel: &AnnId) -> (Callback<MouseEvent>, Callback<MouseEvent>) {
    let (d1, d2, id) = (d.clone(), d.clone(), rel.clone());
    (Callback::from(move |_| d1.emit(Msg::Hover(Some(id.clone())))), Callback::from(move |_| d2.emit(Msg::Hover(None))))
}

fn slot(props: &InspectorProps, role: &RoleDef, live: bool) -> Html {
    let a = &props.ann;
    let anns = &props.anns;
    let d = &props.dispatch;
    let filled: Vec<_> = anns.relations_from(&a.id).filter(|r| live && r.kind == role.id).collect();
    let armed = live && props.armed.as_deref() == Some(role.id.as_str());
    let onarm = {
        let d = d.clone();
        let role_id = role.id.clone();
        Callback::from(move |_| d.emit(Msg::Arm(if armed { None } else { Some(role_id.clone()) })))
    };
    let onpick = {
        let d = d.clone();
        let role_id = role.id.clone();
        Callback::from(move |to: AnnId| d.emit(Msg::LinkTo { role: role_id.clone(), to }))
    };
    // A filled slot that takes one value shows its picker while armed: a pick replaces
    // the value (its key, then type or arrows and Enter, as for an empty slot).
    let show_picker = !role.single || filled.is_empty() || armed;
    html! {
        <div class={classes!("slot", armed.then_some("armed"))} data-role={live.then(|| role.id.clone())}>
            <div class="slot-head">
                <span class="slot-name">{ text(live, &role.name) }{ " " }<kbd>{ text(live, &role.key.to_string()) }</kbd></span>
                <button type="button" class="arm" aria-pressed={armed.to_string()} onclick={onarm}
                    title={live.then(|| format!("Then click a {} in the text, or select new text", role.to.join(" or ")))}>
                    { text(live, if armed { "Waiting… (Esc)" } else { "Pick in text" }) }
                </button>
            </div>
            if !filled.is_empty() {
                <ul class="values">
                    { for filled.iter().map(|r| {
                        let name = end_name(&props.doc, anns, &r.to);
                        let kind = anns.get(&r.to).map_or("Entity".to_owned(), |t| t.label.clone());
                        let class = anns.get(&r.to).map_or("entity".to_owned(), |t| label_class(anns, &t.label));
                        let d2 = d.clone();
                        let rid = r.id.clone();
                        let input_id = format!("slot-{}", role.id);
                        // The focus goes to the slot's picker once it renders, not to
                        // the page's start with the removed button.
                        let onremove = Callback::from(move |_| {
                            d2.emit(Msg::Apply(Action::Unlink { id: rid.clone() }));
                            let input_id = input_id.clone();
                            gloo_timers::callback::Timeout::new(0, move || {
                                dom::focus_id(&input_id);
                            })
                            .forget();
                        });
                        let (enter, leave) = hover(d, &r.id);
                        html! {
                            <li class="value" onmouseenter={enter} onmouseleave={leave}>
                                <span class={classes!("chip", class)}>{ kind }</span>{ " " }<span class="quote">{ name.clone() }</span>
                                <button type="button" class="remove" aria-label={format!("Remove {} {}", role.name, name)} onclick={onremove}>{ "×" }</button>
                            </li>
                        }
                    }) }
                </ul>
            }
            if show_picker {
                <Picker input_id={text(live, &format!("slot-{}", role.id))} label={text(live, &role.name)}
                    choices={choices_of(props, role.clone(), Some)} {onpick}
                    placeholder={text(live, &format!("Search {}…", crate::ui::dom::lowercase(&role.to.join("/")) + if role.to_entity { "s and entities" } else { "s" }))} />
            }
        </div>
    }
}

fn entity_section(props: &InspectorProps, live: bool) -> Html {
    let a = &props.ann;
    let anns = &props.anns;
    let d = props.dispatch.clone();
    let onsame = {
        let d = d.clone();
        Callback::from(move |id: AnnId| d.emit(Msg::SameActor(id)))
    };
    let same_role = same_actor_role();
    match anns.entity_of(&a.id).filter(|_| live) {
        Some(e) => {
            let entity: Entity = e.clone();
            let onname = {
                let d = d.clone();
                let e = entity.clone();
                Callback::from(move |ev: Event| {
                    let name = ev.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                    d.emit(Msg::Apply(Action::PutEntity(Entity { name, ..e.clone() })));
                })
            };
            let ontype = {
                let d = d.clone();
                let e = entity.clone();
                Callback::from(move |ev: Event| {
                    let kind = ev.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                    d.emit(Msg::Apply(Action::PutEntity(Entity { kind, ..e.clone() })));
                })
            };
            let onleave = {
                let d = d.clone();
                Callback::from(move |_| d.emit(Msg::LeaveEntity))
            };
            html! {
                <div class="entity-box">
                    <h3>{ "Entity" }</h3>
                    <div class="field"><label for="entity-name">{ "Canonical name" }</label>
                        <input id="entity-name" type="text" value={entity.name.clone()} onchange={onname} /></div>
                    <div class="field"><label for="entity-type">{ "Actor type" }</label>
                        <select id="entity-type" onchange={ontype}>
                            <option value="" selected={entity.kind.is_empty()}>{ "—" }</option>
                            { for anns.schema().actor_types.iter().map(|t| html! { <option value={t.clone()} selected={*t == entity.kind}>{ t }</option> }) }
                        </select></div>
                    <p class="meta">{ format!("{} mention{}:", entity.members.len(), plural(entity.members.len())) }</p>
                    <ul class="links">
                        { for entity.members.iter().filter_map(|m| anns.get(m)).map(|m| {
                            let (onclick, onkeydown) = super::list::activate(&d, Msg::Select(Some(m.id.clone()), Some(super::state::ScrollTarget::Article)));
                            html! { <li class={classes!("entry", (m.id == a.id).then_some("sel"))} tabindex="0" {onclick} {onkeydown}><span class="quote">{ quote_of(&props.doc, m) }</span></li> }
                        }) }
                    </ul>
                    <Picker input_id="slot-same" label="Same actor as" choices={choices_of(props, same_role, move |c| (!entity.members.contains(&c.id) && c.id != entity.id).then_some(c))} onpick={onsame} placeholder="Add a mention… (m)" />
                    <button type="button" onclick={onleave}>{ "Leave entity" }</button>
                </div>
            }
        }
        None => {
            let onmake = {
                let d = d.clone();
                Callback::from(move |_| d.emit(Msg::MakeEntity))
            };
            html! {
                <div class="entity-box">
                    <h3>{ text(live, "Same actor as") }</h3>
                    <Picker input_id={text(live, "slot-same")} label={text(live, "Same actor as")} choices={{
                        let anns = anns.clone();
                        choices_of(props, same_role, move |mut c| { if let Some(e) = anns.entity(&c.id) { c.id = e.members[0].clone(); } Some(c) })
                    }}
                        onpick={onsame} placeholder={text(live, "Search actors and entities… (m)")} />
                    <button type="button" onclick={onmake}>{ text(live, "New entity from this mention") }</button>
                </div>
            }
        }
    }
}

/// "Same actor as" picks among actors and entities, like an actor slot.
fn same_actor_role() -> RoleDef {
    RoleDef { id: "same".into(), name: "Same actor as".into(), from: "Actor".into(), to: vec!["Actor".into()], to_entity: true, single: false, key: 'm' }
}

fn note(props: &InspectorProps) -> Html {
    let d = props.dispatch.clone();
    let id = props.ann.id.clone();
    let onchange = Callback::from(move |e: Event| {
        let note = e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value();
        d.emit(Msg::Apply(Action::SetNote { id: id.clone(), note, at: now() }));
    });
    html! {
        <div key="note" class="field note">
            <label for="note">{ "Note" }</label>
            <textarea id="note" rows="3" value={props.ann.note.clone()} {onchange} aria-keyshortcuts="n" placeholder="A note (saved when you leave the field; key n)" />
        </div>
    }
}
