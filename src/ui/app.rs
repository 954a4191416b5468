//! The app: toolbar, article, panel, status line and the import dialog, wired to the
//! reducer, the keyboard, the file picker and autosave.
//!
//! Autosave: every change bumps `n_edits`; a write is scheduled 300 ms later (later
//! changes push it back), and pending work is written at once when the page is
//! hidden or closed, or before another document is opened.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::article::Article;
use super::dom;
use super::links::LinkLayer;
use super::panel::Panel;
use super::events_table::EventsTable;
use super::formats_menu::FormatsMenu;
use super::state::{plural, AppState, ImportMode, Msg, Notice, PendingImport, SaveStatus, ScrollTarget, View};
use crate::formats::native;
use crate::formats::MAX_IMPORT_BYTES;
use crate::model::snap::{snap_selection, SnapMode};
use crate::model::{AnnId, Timestamp};
use super::api::Api;
use super::autosave::Autosave;
use crate::storage::browser::BrowserStore;
use crate::storage::idb::IdbStore;
use crate::storage::journal::{Journaler, Unsaved};
use crate::storage::{self, Kv};

/// Properties of [`App`]: the state to start from (opened from storage by `main`)
/// and the IndexedDB store to save to (`None` in render tests, or where IndexedDB
/// is unavailable).
#[derive(Properties, Clone)]
pub struct AppProps {
    /// The initial state.
    pub initial: Rc<AppState>,
    /// Where to save.
    #[prop_or_default]
    pub kv: Option<Rc<IdbStore>>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.initial, &other.initial)
    }
}

/// The whole widget.
#[component]
pub fn App(props: &AppProps) -> Html {
    let initial = props.initial.clone();
    let state = use_reducer(move || (*initial).clone());
    let article_ref = use_node_ref();
    let file_ref = use_node_ref();
    let latest: Rc<RefCell<Rc<AppState>>> = use_mut_ref(|| Rc::new((*props.initial).clone()));
    *latest.borrow_mut() = Rc::new((*state).clone());
    // One callback for the component's whole life, so that the children's props stay
    // equal from one render to the next unless what they show changed (yew compares
    // callbacks by identity): an unchanged list entry is then not rendered again.
    let dispatch: Callback<Msg> = {
        let dispatcher = state.dispatcher();
        (*use_memo((), move |_| Callback::from(move |m| dispatcher.dispatch(m)))).clone()
    };

    // Label styles come from the label set, through the CSSOM.
    {
        let anns = state.anns.clone();
        use_effect_with((), move |_| dom::install_label_styles(anns.labels()));
    }

    // Once the page is idle after start, read a small sample file, so that the browser
    // has compiled the import's code before the person's first file (formats::rehearsal).
    {
        let schema = state.anns.schema().clone();
        use_effect_with((), move |_| dom::when_idle(2_000, move || drop(crate::formats::rehearsal::rehearse(&schema, REHEARSAL_COPIES))));
    }

    // Autosave to IndexedDB, and the other tabs.
    let autosave: Rc<Rc<Autosave>> = {
        let kv = props.kv.clone();
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        use_memo((), move |_| Autosave::new(kv, latest, dispatch))
    };
    {
        let autosave = autosave.clone();
        let saving = state.save == SaveStatus::Saving;
        use_effect_with(state.n_edits, move |n| {
            if *n > 0 && saving {
                autosave.schedule(300);
            }
        });
    }
    // The journal: this tab's unsaved actions, written to localStorage in the same
    // turn as the edit (and after each save), so that closing or reloading the page
    // at any moment loses nothing (storage::journal; replayed by storage::open).
    let journal: Rc<RefCell<Journaler>> = {
        let tab = state.id_seed.to_string();
        let adopted = (*state.adopted_journals).clone();
        (*use_memo((), move |_| Rc::new(RefCell::new(Journaler::new(tab, adopted))))).clone()
    };
    {
        let journal = journal.clone();
        let st = state.clone();
        use_effect_with((state.n_edits, state.revision, state.unsaved.len(), state.full_write), move |_| record_journal(&journal, &st));
    }

    // Write pending work at once when the page is hidden or closed; ask the browser
    // to keep the storage. Without IndexedDB, the status says so from the start.
    {
        let autosave = autosave.clone();
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        let no_storage = props.kv.is_none();
        let journal = journal.clone();
        use_effect_with((), move |_| {
            let doc = gloo_utils_document();
            let a1 = autosave.clone();
            let hidden = EventListener::new(&doc, "visibilitychange", move |_| {
                if gloo_utils_document().visibility_state() == web_sys::VisibilityState::Hidden {
                    a1.flush();
                }
            });
            let window = web_sys::window().expect("a window");
            let (j1, l1) = (journal.clone(), latest.clone());
            let pagehide = EventListener::new(&window, "pagehide", move |_| {
                let st = l1.borrow().clone();
                record_journal(&j1, &st);
                autosave.flush();
            });
            // Work that is only on this page (storage failed, full or paused) is lost
            // with it: the browser asks before the page is closed or reloaded.
            let latest = latest.clone();
            let j2 = journal.clone();
            let unload = EventListener::new_with_options(&window, "beforeunload", EventListenerOptions::enable_prevent_default(), move |e| {
                let save = &latest.borrow().save;
                // A pending save asks first, unless the journal holds its work.
                let pending = *save == SaveStatus::Saving && (no_storage || !j2.borrow().holds_work());
                if matches!(save, SaveStatus::Failed(_) | SaveStatus::Blocked) || pending {
                    e.prevent_default();
                }
            });
            if no_storage {
                dispatch.emit(Msg::SaveResult(Err("IndexedDB is not available in this browser".into())));
            }
            wasm_bindgen_futures::spawn_local(async move {
                if crate::storage::idb::request_persistence().await == Some(false) {
                    dispatch.emit(Msg::PersistRefused);
                }
            });
            move || drop((hidden, pagehide, unload))
        });
    }

    // The panel sticks just below the toolbar and ends above the status line, whose
    // heights depend on the window width.
    use_effect_with((), move |_| {
        let measure = || {
            let doc = gloo_utils_document();
            let Some(root) = doc.document_element().and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
            for (selector, var) in [(".toolbar", "--header-h"), (".footer", "--footer-h")] {
                if let Some(el) = doc.query_selector(selector).ok().flatten() {
                    let h = el.get_bounding_client_rect().height().round() as i32;
                    let _ = root.style().set_property(var, &format!("{h}px"));
                }
            }
        };
        measure();
        let window = web_sys::window().expect("a window");
        let listener = EventListener::new(&window, "resize", move |_| measure());
        move || drop(listener)
    });

    // The embedding API (window.spantag) and the change event.
    {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            // After a panic, the overlay offers the in-memory work as a backup.
            let l = latest.clone();
            super::panic::set_backup_source(Box::new(move || {
                let st = l.try_borrow().ok()?.clone();
                Some((format!("{}.spantag.json", st.doc.slug()), native::export(&st.doc, &st.anns)))
            }));
            let api = Api::install(latest, dispatch);
            move || drop(api)
        });
    }
    {
        let st = state.clone();
        use_effect_with((state.n_edits, state.revision), move |_| Api::changed(&st));
    }

    // Keyboard.
    {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        let article_ref = article_ref.clone();
        use_effect_with((), move |_| {
            let doc = gloo_utils_document();
            let opts = EventListenerOptions::enable_prevent_default();
            let listener = EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                let e: &KeyboardEvent = e.unchecked_ref();
                let st = latest.borrow().clone();
                on_key(e, &st, &dispatch, &article_ref);
            });
            move || drop(listener)
        });
    }

    // A waiting slot takes a new selection at once: no key needed.
    let swallow_click: Rc<RefCell<bool>> = use_mut_ref(|| false);
    {
        let swallow_click = swallow_click.clone();
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        let article_ref = article_ref.clone();
        use_effect_with((), move |_| {
            let doc = gloo_utils_document();
            // A click after a drag may never come (the DOM under it was re-rendered),
            // so the next mouse-down ends the swallowing.
            let swallow_down = swallow_click.clone();
            let down = EventListener::new(&doc, "mousedown", move |_| *swallow_down.borrow_mut() = false);
            let listener = EventListener::new(&doc, "mouseup", move |_| {
                let st = latest.borrow().clone();
                let Some(role) = st.armed.as_ref().and_then(|r| st.anns.schema().role(r).cloned()) else { return };
                let has_selection = article_ref.cast::<web_sys::Element>().and_then(|a| dom::selection_in(&a)).is_some();
                if has_selection {
                    if let Some(label) = role.to.first() {
                        // The click that follows this mouse-up must not select the new span.
                        *swallow_click.borrow_mut() = true;
                        apply_label(label, &st, &dispatch, &article_ref);
                    }
                }
            });
            move || drop((down, listener))
        });
    }

    // Scroll requests.
    {
        let selected = state.selected.clone();
        use_effect_with(state.scroll, move |scroll| {
            if let (Some((_, target)), Some(id)) = (scroll, selected) {
                let id = id.as_str().replace('\\', "\\\\").replace('"', "\\\"");
                match target {
                    ScrollTarget::Article => dom::scroll_to(&format!("article mark[data-id=\"{id}\"]"), true),
                    ScrollTarget::List => dom::scroll_to(&format!(".ann-list li[data-id=\"{id}\"]"), false),
                }
            }
        });
    }

    let label_click = {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        let article_ref = article_ref.clone();
        move |label: String| {
            let latest = latest.clone();
            let dispatch = dispatch.clone();
            let article_ref = article_ref.clone();
            Callback::from(move |_: MouseEvent| {
                let st = latest.borrow().clone();
                apply_label(&label, &st, &dispatch, &article_ref);
            })
        }
    };
    // Label buttons keep the text selection: no focus change on mouse down.
    let keep_selection = Callback::from(|e: MouseEvent| e.prevent_default());

    let onexport = {
        let state = state.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            let json = native::export(&state.doc, &state.anns);
            let name = format!("{}.spantag.json", state.doc.slug());
            if let Err(e) = dom::download(&name, "application/json", &json) {
                dispatch.emit(Msg::Notify(Notice { is_error: true, text: format!("Export failed: {e}"), details: vec![] }));
            }
        })
    };

    let onimport = {
        let state = state.clone();
        let dispatch = dispatch.clone();
        let kv = props.kv.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            start_import(file, Current::of(&state, kv.clone()), dispatch.clone());
        })
    };

    let ondecide = {
        let dispatch = dispatch.clone();
        let autosave = autosave.clone();
        move |mode: Option<ImportMode>| {
            let dispatch = dispatch.clone();
            let autosave = autosave.clone();
            Callback::from(move |_: MouseEvent| {
                // Store the current document's last changes before another one opens.
                let dispatch = dispatch.clone();
                let autosave = (*autosave).clone();
                wasm_bindgen_futures::spawn_local(async move {
                    autosave.settle().await;
                    dispatch.emit(Msg::ImportDecide(mode));
                });
            })
        }
    };

    let onpick = {
        let dispatch = dispatch.clone();
        let swallow_click = swallow_click.clone();
        Callback::from(move |cp: usize| {
            if !std::mem::take(&mut *swallow_click.borrow_mut()) {
                dispatch.emit(Msg::PickAt(cp));
            }
        })
    };
    let onpickid = {
        let dispatch = dispatch.clone();
        let swallow_click = swallow_click.clone();
        let latest = latest.clone();
        Callback::from(move |id: AnnId| {
            if std::mem::take(&mut *swallow_click.borrow_mut()) {
                return;
            }
            let armed = latest.borrow().armed.clone();
            match armed {
                Some(role) => dispatch.emit(Msg::LinkTo { role, to: id }),
                None => dispatch.emit(Msg::Select(Some(id), Some(ScrollTarget::List))),
            }
        })
    };
    let onundo = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::Undo))
    };
    let onredo = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::Redo))
    };
    let onsnap = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            dispatch.emit(Msg::SetSnapWords(input.checked()));
        })
    };
    let onfind = {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        let article_ref = article_ref.clone();
        let last = use_mut_ref(|| (String::new(), 0usize));
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                let input: web_sys::HtmlElement = e.target_unchecked_into();
                let _ = input.blur();
                return;
            }
            if e.key() != "Enter" {
                return;
            }
            e.prevent_default();
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let needle = input.value();
            if needle.trim().is_empty() {
                return;
            }
            let st = latest.borrow().clone();
            let from = {
                let l = last.borrow();
                if l.0 == needle { l.1 } else { 0 }
            };
            match find_next(st.doc.text().as_str(), &needle, from) {
                Some((start, end)) => {
                    *last.borrow_mut() = (needle, end);
                    let _ = input.blur();
                    if let Some(article) = article_ref.cast::<web_sys::Element>() {
                        dom::select_range(&article, start, end);
                    }
                    dispatch.emit(Msg::Notify(Notice { is_error: false, text: "Found and selected: press 1, 2, 3 or 4 to tag it, Enter in the box for the next one.".into(), details: vec![] }));
                }
                None => dispatch.emit(Msg::Notify(Notice { is_error: false, text: format!("“{needle}” is not in the text."), details: vec![] })),
            }
        })
    };
    let onformat_import = {
        let dispatch = dispatch.clone();
        let state = state.clone();
        let kv = props.kv.clone();
        Callback::from(move |(file_name, result): (String, Result<crate::formats::native::Imported, String>)| match result {
            Err(why) => dispatch.emit(Msg::ImportFailed(why)),
            Ok(imported) => wasm_bindgen_futures::spawn_local(offer_import(
                imported,
                file_name,
                Current::of(&state, kv.clone()),
                dispatch.clone(),
            )),
        })
    };
    let onformat_notice = {
        let dispatch = dispatch.clone();
        Callback::from(move |(is_error, text, details): (bool, String, Vec<String>)| dispatch.emit(Msg::Notify(Notice { is_error, text, details })))
    };
    let onalllinks = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            dispatch.emit(Msg::ShowAllLinks(input.checked()));
        })
    };
    let onview = |view: View| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::SetView(view)))
    };
    // The view tabs, as the ARIA tabs pattern has them: the arrow keys (and Home, End)
    // move between them and show the one they move to.
    let ontabkey = {
        let dispatch = dispatch.clone();
        let view = state.view;
        Callback::from(move |e: KeyboardEvent| {
            let next = match (e.key().as_str(), view) {
                ("ArrowRight" | "ArrowLeft", View::Article) | ("End", _) => View::Events,
                ("ArrowRight" | "ArrowLeft", View::Events) | ("Home", _) => View::Article,
                _ => return,
            };
            e.prevent_default();
            dispatch.emit(Msg::SetView(next));
            let id = if next == View::Article { "tab-article" } else { "tab-events" };
            dom::focus_id(id);
        })
    };
    let onconfirm = |yes: bool| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::ConfirmDelete(yes)))
    };
    let ondismiss = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::Dismiss))
    };
    let ondamaged = {
        let kv = props.kv.clone();
        let state = state.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            let key = state.damaged_key.clone();
            let blocked = state.save == SaveStatus::Blocked;
            let key = key.unwrap_or_else(|| storage::doc_key(state.doc.id()));
            let name = format!("{}.damaged.json", state.doc.slug());
            let kv = kv.clone();
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let data = match &kv {
                    Some(kv) => kv.get(&key).await.ok().flatten().unwrap_or_default(),
                    None => String::new(),
                };
                match dom::download(&name, "application/json", &data) {
                    Ok(()) if blocked => dispatch.emit(Msg::SetBlocked(false)),
                    Ok(()) => {}
                    Err(e) => dispatch.emit(Msg::Notify(Notice { is_error: true, text: format!("Download failed: {e}"), details: vec![] })),
                }
            });
        })
    };

    let labels = state.anns.labels().clone();
    let status = match &state.save {
        SaveStatus::Saved => format!(
            "Saved in this browser · {} annotation{}{}",
            state.anns.len(),
            plural(state.anns.len()),
            if state.persist_refused { " · the browser may clear this storage; export to keep a copy" } else { "" }
        ),
        SaveStatus::Saving => "Saving…".to_owned(),
        SaveStatus::Failed(e) => format!("Not saved: {e}. Your work is still here; export it to keep it."),
        SaveStatus::Blocked => "Saving paused to protect stored data that could not be read. Download it, or export your work.".to_owned(),
    };
    let status_class = classes!("status", matches!(state.save, SaveStatus::Failed(_) | SaveStatus::Blocked).then_some("bad"));

    // A dialog is modal: the page behind it is inert (no focus, no clicks) while it is
    // open. It takes the focus when it opens, and gives it back to what had it when it
    // closes (the `autofocus` attribute alone works once per page).
    let modal = state.pending_delete.is_some() || state.pending_import.is_some();
    {
        let before = use_mut_ref(|| None::<web_sys::HtmlElement>);
        use_effect_with(modal, move |&open| {
            if open {
                *before.borrow_mut() = dom::active_element();
                dom::focus_selector(".dialog [autofocus]");
            } else if let Some(el) = before.borrow_mut().take() {
                if el.is_connected() {
                    let _ = el.focus();
                }
            }
        });
    }

    html! {
        <div class="app">
            <header class="toolbar" inert={modal}>
                <div class="brand">
                    <span class="logo" aria-hidden="true">{ "▍" }</span>
                    <span class="name">{ "spantag" }</span>
                    <span class="doc-title" title={state.doc.title().to_owned()}>{ state.doc.title() }</span>
                </div>
                <div class="labels" role="toolbar" aria-label="Labels">
                    { for labels.iter().enumerate().map(|(i, l)| {
                        let keys: Vec<String> = l.keys.iter().map(|k| k.to_string()).collect();
                        html! {
                            <button type="button" class={classes!("label-btn", format!("l{i}"))} title={format!("{} — {}", l.id, l.description)}
                                aria-keyshortcuts={keys.join(" ")} onmousedown={keep_selection.clone()} onclick={label_click(l.id.clone())}>
                                <span class="swatch" aria-hidden="true"></span>
                                { &l.id }
                                { for keys.iter().map(|k| html! { <>{ " " }<kbd>{ k }</kbd></> }) }
                            </button>
                        }
                    }) }
                </div>
                <div class="views" role="tablist" aria-label="View" onkeydown={ontabkey}>
                    { for [(View::Article, "tab-article", "view-article", "Article"), (View::Events, "tab-events", "view-events", "Events table")].into_iter().map(|(view, id, panel, name)| {
                        let on = state.view == view;
                        html! {
                            <button type="button" role="tab" id={id} aria-selected={on.to_string()} tabindex={if on { "0" } else { "-1" }}
                                aria-controls={on.then_some(panel)} onclick={onview(view)}>{ name }</button>
                        }
                    }) }
                </div>
                <input id="find" class="find" type="search" aria-label="Find in text" placeholder="Find in text (f)" onkeydown={onfind} />
                <div class="actions">
                    <label class="snap" title="Draw every link in the text, not only the selection's">
                        <input type="checkbox" checked={state.show_all_links} onchange={onalllinks} />{ " All links" }
                    </label>
                    <label class="snap" title="Widen selections to whole words; untick for character precision">
                        <input type="checkbox" checked={state.snap_words} onchange={onsnap} />{ " Whole words" }
                    </label>
                    <button type="button" onclick={onundo} disabled={state.undo.is_empty()} aria-keyshortcuts="Control+Z">{ "Undo" }</button>
                    <button type="button" onclick={onredo} disabled={state.redo.is_empty()} aria-keyshortcuts="Control+Shift+Z">{ "Redo" }</button>
                    <button type="button" class="primary" onclick={onexport}>{ "Export JSON" }</button>
                    <label class="file-btn">
                        { "Import JSON" }
                        <input ref={file_ref} type="file" accept=".json,application/json" aria-label="Import JSON" onchange={onimport} />
                    </label>
                    <FormatsMenu doc={state.doc.clone()} anns={state.anns.clone()} onimport={onformat_import} onnotice={onformat_notice} />
                </div>
            </header>
            <main class="layout" inert={modal}>
                // The notice sits above the article, not above the whole layout, so that
                // the panel beside it starts just below the toolbar and fits the window.
                <div class="main-col">
                    if let Some(n) = &state.notice {
                        <div class={classes!("notice", n.is_error.then_some("error"))} role={if n.is_error { "alert" } else { "status" }}>
                            <p>{ &n.text }</p>
                            if !n.details.is_empty() {
                                <ul>{ for n.details.iter().take(50).map(|d| html! { <li>{ d }</li> }) }</ul>
                                if n.details.len() > 50 { <p>{ format!("…and {} more.", n.details.len() - 50) }</p> }
                            }
                            if state.damaged_key.is_some() || state.save == SaveStatus::Blocked {
                                <button type="button" onclick={ondamaged.clone()}>{ "Download damaged data" }</button>
                            }
                            <button type="button" class="dismiss" onclick={ondismiss} aria-label="Dismiss message">{ "×" }</button>
                        </div>
                    }
                    if state.view == View::Events {
                        <EventsTable doc={state.doc.clone()} anns={state.anns.clone()} selected={state.selected.clone()} dispatch={dispatch.clone()} />
                    } else {
                        <div class="article-wrap" id="view-article" role="tabpanel" aria-labelledby="tab-article">
                            <Article doc={state.doc.clone()} blocks={state.blocks.clone()} anns={state.anns.clone()}
                                selected={state.selected.clone()} onpick={onpick} onpickid={onpickid} article_ref={article_ref.clone()} />
                            <LinkLayer anns={state.anns.clone()} selected={state.selected.clone()} hover={state.hover.clone()} show_all={state.show_all_links} />
                        </div>
                    }
                </div>
                <Panel doc={state.doc.clone()} anns={state.anns.clone()} selected={state.selected.clone()}
                    filter={state.filter.clone()} here={state.here.clone()} armed={state.armed.clone()} dispatch={dispatch.clone()} />
            </main>
            <footer class="footer" inert={modal}>
                <p class={status_class} role="status" aria-live="polite">{ status }</p>
                // While a slot waits, the line says for what, also where the inspector
                // is out of view (below the article on a narrow screen).
                if let Some(role) = state.armed.as_ref().and_then(|r| state.anns.schema().role(r)) {
                    <p class="keys-hint waiting">{ format!("Waiting for {}: click {} in the text, or select new text · Esc cancels",
                        role.name, role.to.iter().map(|l| format!("a{} {l}", if l.starts_with(['A', 'E', 'I', 'O', 'U']) { "n" } else { "" })).collect::<Vec<_>>().join(" or ")) }</p>
                } else {
                    <p class="keys-hint">{ "Select text (or f to find), then 1/a Actor · 2/e Event · 3/c Claim · 4/q Cue · slot keys s t w u b p x · Del remove · Esc clear · j/k next/previous · Ctrl+Z undo" }</p>
                }
            </footer>
            if let Some(a) = state.pending_delete.as_ref().and_then(|id| state.anns.get(id)) {
                <div class="backdrop">
                    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="delete-title">
                        <h2 id="delete-title">{ "Delete this annotation?" }</h2>
                        <p>{ format!("“{}” ({}) is linked: {} link{} will be removed with it. Undo brings everything back.",
                            state.doc.text().slice(a.span.start(), a.span.end()).unwrap_or(""), a.label,
                            state.anns.dependents(&a.id), plural(state.anns.dependents(&a.id))) }</p>
                        <div class="buttons">
                            <button type="button" class="danger" onclick={onconfirm(true)} autofocus=true>{ "Delete" }</button>
                            <button type="button" onclick={onconfirm(false)}>{ "Cancel" }</button>
                        </div>
                    </div>
                </div>
            }
            if let Some(p) = &state.pending_import {
                { import_dialog(p, &state, ondecide) }
            }
        </div>
    }
}

fn import_dialog(p: &PendingImport, state: &AppState, ondecide: impl Fn(Option<ImportMode>) -> Callback<MouseEvent>) -> Html {
    let same = p.imported.document.id() == state.doc.id();
    let n = p.imported.annotations.len();
    let refused = p.imported.refused.len();
    let refused_note = (refused > 0).then(|| format!(" {refused} item{} in the file will be refused; you will see why.", plural(refused)));
    // What is stored for the file's document (when it is another one).
    let saved = match &p.stored {
        Some(storage::StoredWork::Work { annotations, .. }) if !annotations.is_empty() => Some(annotations.len()),
        _ => None,
    };
    let unreadable = match &p.stored {
        Some(storage::StoredWork::Unreadable { why, kept }) => Some(format!(" The data stored for it in this browser could not be read ({why}). {}", storage::kept_message(kept))),
        _ => None,
    };
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="import-title">
                <h2 id="import-title">{ format!("Import {}", p.file_name) }</h2>
                if same {
                    <p>{ format!("The file has {n} annotation{} for this document; you have {}. Replace yours with the file's, or merge the file's into yours?", plural(n), state.anns.len()) }{ refused_note }</p>
                    <div class="buttons">
                        <button type="button" class="primary" onclick={ondecide(Some(ImportMode::Merge))} autofocus=true>{ "Merge" }</button>
                        <button type="button" class="danger" onclick={ondecide(Some(ImportMode::Replace))}>{ "Replace" }</button>
                        <button type="button" onclick={ondecide(None)}>{ "Cancel" }</button>
                    </div>
                } else if let Some(saved) = saved {
                    <p>{ format!("The file is for another document, “{}”, with {n} annotation{}. You have {saved} annotation{} saved for it in this browser. Merge the file's into them, or replace them with the file's? Your work on “{}” stays saved.",
                        p.imported.document.title(), plural(n), plural(saved), state.doc.title()) }{ refused_note }</p>
                    <div class="buttons">
                        <button type="button" class="primary" onclick={ondecide(Some(ImportMode::Merge))} autofocus=true>{ "Merge" }</button>
                        <button type="button" class="danger" onclick={ondecide(Some(ImportMode::Replace))}>{ "Replace" }</button>
                        <button type="button" onclick={ondecide(None)}>{ "Cancel" }</button>
                    </div>
                } else {
                    <p>{ format!("The file is for another document, “{}”, with {n} annotation{}. Open it? Your work on “{}” stays saved in this browser.", p.imported.document.title(), plural(n), state.doc.title()) }
                        { unreadable }{ refused_note }</p>
                    <div class="buttons">
                        <button type="button" class="primary" onclick={ondecide(Some(ImportMode::Replace))} autofocus=true>{ "Open" }</button>
                        <button type="button" onclick={ondecide(None)}>{ "Cancel" }</button>
                    </div>
                }
            </div>
        </div>
    }
}

/// The next occurrence of `needle` (ignoring case) in `text` at or after code point
/// `from`, wrapping around; as a code point range.
fn find_next(text: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    // Each character lowercased on its own (`dom::lowercase_each`, the browser's tables).
    // Lowercasing can change lengths (rare); then match exactly instead.
    let lower = |s: &str| s.chars().flat_map(|c| dom::lowercase(c.encode_utf8(&mut [0; 4])).chars().collect::<Vec<char>>()).collect::<Vec<char>>();
    let (hay, pat) = match dom::lowercase_each(text) {
        Some(hay) => (hay, lower(needle)),
        None => (text.chars().collect(), needle.chars().collect()),
    };
    if pat.is_empty() || pat.len() > hay.len() {
        return None;
    }
    let hit = |i: usize| hay[i..i + pat.len()] == pat[..];
    let last = hay.len() - pat.len();
    (from.min(last + 1)..=last).chain(0..from.min(last + 1)).find(|&i| hit(i)).map(|i| (i, i + pat.len()))
}

/// Writes this tab's journal so that it holds the unsaved work of `st`.
fn record_journal(journal: &Rc<RefCell<Journaler>>, st: &AppState) {
    if !cfg!(target_arch = "wasm32") || st.save == SaveStatus::Blocked {
        return;
    }
    let unsaved = Unsaved { doc: &st.doc, set: &st.anns, base: st.revision, actions: &st.unsaved, full: st.full_write.then_some(st.n_edits) };
    let Ok(mut j) = journal.try_borrow_mut() else { return };
    // A failed write (localStorage full or off) only means a pending save asks
    // before the page closes (`holds_work`).
    let _ = j.record(&mut BrowserStore, &unsaved, dom::now_ms());
}

fn gloo_utils_document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// How many copies of the rehearsal's sample paragraph the app reads when idle. One
/// compiles the code (a task of about 9 ms on the benchmark's machine); 200 also made
/// V8 optimise it, for a first L load about 17 ms faster, but as one 77 ms task plus
/// 118 ms of background compilation on every page load (BENCHMARKS.md), so one it is.
const REHEARSAL_COPIES: usize = 1;

/// What an import needs to know of the page it opens in.
struct Current {
    /// The open document's id.
    doc_id: String,
    /// It has no annotations.
    empty: bool,
    /// Where work is stored.
    kv: Option<Rc<IdbStore>>,
    /// The schema imports are checked against.
    schema: Rc<crate::model::Schema>,
}

impl Current {
    fn of(state: &AppState, kv: Option<Rc<IdbStore>>) -> Current {
        Current { doc_id: state.doc.id().to_owned(), empty: state.anns.is_empty(), kv, schema: state.anns.schema().clone() }
    }
}

/// Offers a file read for import: looks up what is stored for the file's document
/// when that is not the open one ([`storage::stored_work`]), so that opening it merges
/// into that work or replaces it only as the person chooses; then asks, or opens the
/// file at once when there is nothing to replace or merge with.
async fn offer_import(imported: native::Imported, file_name: String, current: Current, dispatch: Callback<Msg>) {
    let same = imported.document.id() == current.doc_id;
    let doc_id = imported.document.id().to_owned();
    let looked_up = (!same).then(|| current.kv.clone());
    let stored = if looked_up.is_some() { None } else { Some(storage::StoredWork::Nothing) };
    dispatch.emit(Msg::ImportRead(Rc::new(PendingImport { imported, file_name, stored, chosen: None })));
    match looked_up {
        // The dialog is up; the lookup follows (a choice made before it ends waits).
        Some(Some(kv)) => dispatch.emit(Msg::ImportStored(storage::stored_work(kv.as_ref(), &doc_id, &current.schema, dom::now_ms()).await)),
        Some(None) => dispatch.emit(Msg::ImportStored(storage::StoredWork::Nothing)),
        // Nothing to replace or merge with: no need to ask.
        None if current.empty => dispatch.emit(Msg::ImportDecide(Some(ImportMode::Replace))),
        None => {}
    }
}

fn start_import(file: web_sys::File, current: Current, dispatch: Callback<Msg>) {
    let name = file.name();
    let size = file.size() as usize;
    if size > MAX_IMPORT_BYTES {
        dispatch.emit(Msg::ImportFailed(format!(
            "{name} is {} MB; spantag reads files up to {} MB.",
            crate::formats::megabytes(size),
            MAX_IMPORT_BYTES / 1_048_576
        )));
        return;
    }
    let file = gloo_file::File::from(file);
    wasm_bindgen_futures::spawn_local(async move {
        // Bytes, not text: copied into wasm memory as they are and checked as UTF-8
        // here, which is faster than decoding to a JavaScript string and encoding it
        // back, and says where a file is not UTF-8 instead of replacing what is not.
        let bytes = match gloo_file::futures::read_as_bytes(&file).await {
            Ok(b) => b,
            Err(e) => {
                dispatch.emit(Msg::ImportFailed(format!("{name} could not be read: {e}")));
                return;
            }
        };
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
            Err(e) => {
                dispatch.emit(Msg::ImportFailed(format!("{name} is not UTF-8 text ({e}).")));
                return;
            }
        };
        match native::import(text, &current.schema) {
            Err(e) => dispatch.emit(Msg::ImportFailed(format!("{name}: {e}."))),
            Ok(imported) => offer_import(imported, name, current, dispatch).await,
        }
    });
}

fn in_text_field(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return false };
    let tag = el.tag_name().to_ascii_lowercase();
    let typing_input = tag == "input"
        && el.dyn_ref::<web_sys::HtmlInputElement>().is_some_and(|i| !matches!(i.type_().as_str(), "checkbox" | "radio" | "button" | "file"));
    typing_input || tag == "textarea" || tag == "select" || el.is_content_editable()
}

fn on_key(e: &KeyboardEvent, st: &AppState, dispatch: &Callback<Msg>, article_ref: &NodeRef) {
    if e.default_prevented() || e.is_composing() {
        return;
    }
    let key = e.key();
    // A dialog is modal: Escape cancels it, and no other key reaches the page behind.
    if st.pending_import.is_some() {
        if key == "Escape" {
            dispatch.emit(Msg::ImportDecide(None));
        }
        return;
    }
    if st.pending_delete.is_some() {
        if key == "Escape" {
            dispatch.emit(Msg::ConfirmDelete(false));
        }
        return;
    }
    if in_text_field(e) {
        // Escape leaves a field, back to the keys.
        if key == "Escape" {
            if let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.blur();
            }
        }
        return;
    }
    let ctrl = e.ctrl_key() || e.meta_key();
    if ctrl && !e.alt_key() {
        match key.as_str() {
            "z" | "Z" if e.shift_key() => dispatch.emit(Msg::Redo),
            "z" | "Z" => dispatch.emit(Msg::Undo),
            "y" | "Y" => dispatch.emit(Msg::Redo),
            _ => return,
        }
        e.prevent_default();
        return;
    }
    if e.alt_key() || ctrl {
        return;
    }
    match key.as_str() {
        "Escape" if st.armed.is_some() => dispatch.emit(Msg::Arm(None)),
        "Escape" => {
            dom::clear_selection();
            dispatch.emit(Msg::Select(None, None));
            dispatch.emit(Msg::Dismiss);
        }
        "Delete" | "Backspace" if st.selected_annotation().is_some() => {
            e.prevent_default();
            dispatch.emit(Msg::RequestDelete);
        }
        "Delete" | "Backspace" => {}
        "f" | "/" => {
            e.prevent_default();
            if dom::focus_id("find") {
                if let Some(input) = gloo_utils_document().get_element_by_id("find").and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    input.select();
                }
            }
        }
        "n" if st.selected_annotation().is_some() => {
            e.prevent_default();
            dom::focus_id("note");
        }
        "v" if st.selected_annotation().is_some() => {
            e.prevent_default();
            dom::focus_selector(".inspector [id^=attr-]");
        }
        "m" if st.selected_annotation().is_some_and(|a| a.label == "Actor") => {
            e.prevent_default();
            dom::focus_id("slot-same");
        }
        "j" | "k" => {
            let items: Vec<&AnnId> = st.anns.items().iter().filter(|a| st.filter.as_ref().is_none_or(|f| &a.label == f)).map(|a| &a.id).collect();
            if items.is_empty() {
                return;
            }
            let pos = st.selected.as_ref().and_then(|s| items.iter().position(|id| *id == s));
            let next = match (pos, key.as_str()) {
                (None, "j") => 0,
                (None, _) => items.len() - 1,
                (Some(p), "j") => (p + 1).min(items.len() - 1),
                (Some(p), _) => p.saturating_sub(1),
            };
            dispatch.emit(Msg::Select(Some(items[next].clone()), Some(ScrollTarget::Article)));
        }
        k if k.chars().count() == 1 => {
            let c = k.chars().next().unwrap_or(' ');
            let role = st.selected_annotation().and_then(|a| st.anns.schema().roles_from(&a.label).find(|r| r.key == c).cloned());
            if let Some(role) = role {
                // A slot key arms the slot and opens its picker: type or use arrows, then Enter.
                e.prevent_default();
                dispatch.emit(Msg::Arm(Some(role.id.clone())));
                // A filled slot that takes one value shows its picker once armed: focus
                // it after that render if it is not there yet.
                let id = format!("slot-{}", role.id);
                if !dom::focus_id(&id) {
                    gloo_timers::callback::Timeout::new(0, move || {
                        dom::focus_id(&id);
                    })
                    .forget();
                }
            } else if let Some(label) = st.anns.labels().by_key(c) {
                e.prevent_default();
                let label = label.id.clone();
                apply_label(&label, st, dispatch, article_ref);
            }
        }
        _ => {}
    }
}

/// Tags the current text selection with `label`, or relabels the selected annotation.
fn apply_label(label: &str, st: &AppState, dispatch: &Callback<Msg>, article_ref: &NodeRef) {
    let selection = article_ref.cast::<web_sys::Element>().and_then(|a| dom::selection_in(&a));
    if let Some((start, end)) = selection {
        let mode = if st.snap_words { SnapMode::Word } else { SnapMode::Character };
        match snap_selection(st.doc.text(), start, end, mode) {
            Some((start, end)) => {
                dom::clear_selection();
                dispatch.emit(Msg::Tag { label: label.to_owned(), start, end, id: dom::fresh_id(), at: Timestamp(dom::now_ms()) });
            }
            None => dispatch.emit(Msg::Notify(Notice { is_error: false, text: "The selection holds only spaces; nothing was tagged.".into(), details: vec![] })),
        }
    } else if st.selected_annotation().is_some() {
        dispatch.emit(Msg::Relabel { label: label.to_owned(), at: Timestamp(dom::now_ms()) });
    } else {
        dispatch.emit(Msg::Notify(Notice {
            is_error: false,
            text: format!("Select some text in the article first, then press a key or click {label}."),
            details: vec![],
        }));
    }
}
