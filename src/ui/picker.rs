//! A searchable picker (an ARIA combobox) of annotations and entities, used by the
//! inspector's slots. Type to filter, arrows to move, Enter to pick (and leave the
//! field, back to the page's keys), Escape to leave.

use yew::prelude::*;

use crate::model::AnnId;

/// One choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// What it picks.
    pub id: AnnId,
    /// The label or "Entity".
    pub kind: String,
    /// Its colour class (`l<i>`), if any.
    pub class: Option<String>,
    /// The text shown and searched.
    pub text: String,
}

/// Properties of [`Picker`].
#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// The input's id (so keys can focus it); "" for none.
    pub input_id: String,
    /// The accessible name ("Source"); "" for none.
    pub label: String,
    /// The choices, in order. Called only while the list is open: building them quotes
    /// every fitting annotation, milliseconds on a long document, so a closed picker
    /// (every picker of the inspector, on every edit) never pays for it.
    pub choices: Callback<(), Vec<Choice>>,
    /// Called with the chosen id.
    pub onpick: Callback<AnnId>,
    /// Placeholder text.
    #[prop_or_default]
    pub placeholder: String,
}

/// `Some(s)`, or `None` for "" (no attribute).
fn named(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// The most choices listed at once; typing narrows the list.
const MAX_SHOWN: usize = 40;

/// A searchable picker.
#[component]
pub fn Picker(props: &PickerProps) -> Html {
    let query = use_state(String::new);
    let open = use_state(|| false);
    let active = use_state(|| 0usize);
    let q = crate::ui::dom::lowercase(&query);
    let all = if *open { props.choices.emit(()) } else { Vec::new() };
    let shown: Vec<&Choice> = all.iter().filter(|c| q.is_empty() || crate::ui::dom::lowercase(&c.text).contains(&q)).take(MAX_SHOWN).collect();
    let list_id = format!("{}-list", props.input_id);
    let pick = {
        let onpick = props.onpick.clone();
        let query = query.clone();
        let open = open.clone();
        move |id: AnnId| {
            query.set(String::new());
            open.set(false);
            onpick.emit(id);
        }
    };
    let oninput = {
        let query = query.clone();
        let open = open.clone();
        let active = active.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            query.set(input.value());
            open.set(true);
            active.set(0);
        })
    };
    let onkeydown = {
        let ids: Vec<AnnId> = shown.iter().map(|c| c.id.clone()).collect();
        let active = active.clone();
        let open = open.clone();
        let query = query.clone();
        let pick = pick.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "ArrowDown" => {
                e.prevent_default();
                open.set(true);
                if !ids.is_empty() && *open {
                    active.set((*active + 1).min(ids.len() - 1));
                }
            }
            "ArrowUp" => {
                e.prevent_default();
                active.set(active.saturating_sub(1));
            }
            "Enter" => {
                e.prevent_default();
                if let Some(id) = ids.get(*active).or(ids.first()) {
                    pick(id.clone());
                    // Back to the keys (the next slot's key, j/k…), as a slot that
                    // takes one value does when its picker goes away with the pick.
                    let input: web_sys::HtmlElement = e.target_unchecked_into();
                    let _ = input.blur();
                }
            }
            "Escape" => {
                e.prevent_default();
                e.stop_propagation();
                query.set(String::new());
                open.set(false);
                let input: web_sys::HtmlElement = e.target_unchecked_into();
                let _ = input.blur();
            }
            _ => {}
        })
    };
    let onfocus = {
        let open = open.clone();
        Callback::from(move |_| open.set(true))
    };
    let onblur = {
        let open = open.clone();
        Callback::from(move |_| open.set(false))
    };
    let expanded = *open && !shown.is_empty();
    let active_id = shown.get(*active).map(|c| format!("{}-opt-{}", props.input_id, c.id));
    html! {
        <div class="picker">
            // A picker of a hidden part of the inspector has neither id nor name.
            <input id={named(&props.input_id)} type="text" role="combobox" aria-label={named(&props.label)}
                aria-autocomplete="list" aria-expanded={expanded.to_string()} aria-controls={named(&props.input_id).map(|_| list_id.clone())}
                aria-activedescendant={if expanded { active_id } else { None }}
                placeholder={props.placeholder.clone()} value={(*query).clone()} autocomplete="off"
                {oninput} {onkeydown} {onfocus} {onblur} />
            if expanded {
                <ul id={list_id} role="listbox" aria-label={format!("{} choices", props.label)} class="picker-list">
                    { for shown.iter().enumerate().map(|(i, c)| {
                        let id = c.id.clone();
                        let pick = pick.clone();
                        // Mouse down (not click) so the input keeps focus until the pick.
                        let onmousedown = Callback::from(move |e: MouseEvent| { e.prevent_default(); pick(id.clone()); });
                        html! {
                            <li id={format!("{}-opt-{}", props.input_id, c.id)} role="option" aria-selected={(i == *active).to_string()} {onmousedown}>
                                <span class={classes!("chip", c.class.clone())}>{ &c.kind }</span>{ " " }<span class="quote">{ &c.text }</span>
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    }
}
