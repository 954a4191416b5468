//! The Events table: one row per event (source, event, target, type, modality,
//! place, time and the claims about it), and its CSV download.

use std::rc::Rc;

use yew::prelude::*;

use super::shared::Shared;

use super::dom;
use super::state::{Msg, Notice};
use crate::formats::events_csv::to_csv;
use crate::model::frames::event_rows;
use crate::model::{AnnId, AnnotationSet, Document};

/// Properties of [`EventsTable`].
#[derive(Properties, PartialEq)]
pub struct EventsTableProps {
    /// The document.
    pub doc: Rc<Document>,
    /// The annotations.
    pub anns: Shared<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// Sends a message to the app.
    pub dispatch: Callback<Msg>,
}

/// The Events table.
#[component]
pub fn EventsTable(props: &EventsTableProps) -> Html {
    let rows = use_memo((props.doc.clone(), props.anns.clone()), |(doc, anns)| event_rows(doc, anns));
    let oncsv = {
        let rows = rows.clone();
        let name = format!("{}.events.csv", props.doc.slug());
        let d = props.dispatch.clone();
        Callback::from(move |_| {
            if let Err(e) = dom::download(&name, "text/csv;charset=utf-8", &to_csv(&rows)) {
                d.emit(Msg::Notify(Notice { is_error: true, text: format!("Download failed: {e}"), details: vec![] }));
            }
        })
    };
    let cell = |values: &[String]| html! { { values.join("; ") } };
    html! {
        <section class="events-view" id="view-events" aria-label="Events table">
            <div class="events-head">
                <h2>{ format!("Events ({})", rows.len()) }</h2>
                <button type="button" onclick={oncsv}>{ "Download CSV" }</button>
            </div>
            if rows.is_empty() {
                <p class="empty">{ "No events yet. Tag an Event (2 or e), then fill its Source and Target in the inspector." }</p>
            } else {
                <table class="events">
                    <thead><tr>
                        <th scope="col">{ "Source" }</th><th scope="col">{ "Event" }</th><th scope="col">{ "Target" }</th>
                        <th scope="col">{ "Type" }</th><th scope="col">{ "Modality" }</th><th scope="col">{ "Place" }</th>
                        <th scope="col">{ "Time" }</th><th scope="col">{ "Claims about it" }</th>
                    </tr></thead>
                    <tbody>
                        { for rows.iter().map(|r| {
                            let msg = Msg::Select(Some(r.event.clone()), None);
                            let (onclick, onkeydown) = super::list::activate(&props.dispatch, msg);
                            let sel = props.selected.as_ref() == Some(&r.event);
                            html! {
                                <tr key={r.event.as_str()} class={classes!(sel.then_some("sel"))} tabindex="0" data-id={r.event.to_string()}
                                    aria-selected={sel.to_string()} {onclick} {onkeydown}>
                                    <td>{ cell(&r.source) }</td>
                                    <td class="ev">{ &r.event_text }</td>
                                    <td>{ cell(&r.target) }</td>
                                    <td>{ &r.kind }</td>
                                    <td>{ &r.modality }</td>
                                    <td>{ &r.place }</td>
                                    <td>{ &r.time }</td>
                                    <td>{ cell(&r.claims) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}
