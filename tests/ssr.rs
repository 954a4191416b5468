//! Server-side render tests: the UI contract (article, label buttons, the
//! "Annotations" list, import/export controls) and text rendered as text.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use spantag::model::offsets::cp_len;
use spantag::model::{Action, AnnId, Annotation, AnnotationSet, Document, Schema, Span, Timestamp};
use spantag::ui::app::{App, AppProps};
use spantag::ui::state::AppState;

const SEED: &str = include_str!("../seeds/000_b394ad186b713fdd.txt");

fn add(set: &mut AnnotationSet, text: &str, needle: &str, label: &str, id: &str) {
    let byte = text.find(needle).unwrap();
    let start = cp_len(&text[..byte]);
    let span = Span::new(start, start + cp_len(needle), set.len_cp()).unwrap();
    set.apply(Action::Add(Annotation::new(AnnId::new(id).unwrap(), label, span, Timestamp(1)))).unwrap();
}

async fn render(doc: Document, set: AnnotationSet) -> String {
    let state = AppState::new(doc, set);
    yew::LocalServerRenderer::<App>::with_props(AppProps { initial: Rc::new(state), kv: None }).hydratable(false).render().await
}

#[tokio::test]
async fn seed_renders_the_contract() {
    let doc = Document::from_text(SEED);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    add(&mut set, SEED, "Benjamin Netanyahu", "Actor", "a1");
    add(&mut set, SEED, "Israeli Prime Minister Benjamin Netanyahu abruptly canceled", "Claim", "c1");
    let html = render(doc, set).await;
    assert!(html.contains("<article"), "the text is inside <article>");
    for (label, keys) in [("Actor", "1 a"), ("Event", "2 e"), ("Claim", "3 c")] {
        assert!(html.contains(&format!("aria-keyshortcuts=\"{keys}\"")), "{label}'s keys are announced");
        assert!(html.contains(&format!("class=\"swatch\"></span>{label} <kbd>")), "the button's name begins with {label}");
    }
    assert!(html.contains("aria-label=\"Annotations\""));
    assert!(html.contains("Export JSON"));
    assert!(html.contains("aria-label=\"Import JSON\""));
    // The dateline is a styled span over the exact text.
    assert!(html.contains("class=\"dateline\""));
    // The nested actor is drawn inside the claim, with its label tag data.
    let claim = html.find("data-label=\"Claim\"").expect("claim mark");
    let actor = html.find("data-label=\"Actor\"").expect("actor mark");
    assert!(claim < actor);
    assert!(html.contains("<h2 class=\"block\">"), "subheadings are headings");
}

#[tokio::test]
async fn document_text_is_rendered_as_text_not_html() {
    let text = "A <script>alert(1)</script> and <img src=x onerror=alert(1)> &lt; tag.";
    let doc = Document::from_text(text);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    add(&mut set, text, "<img src=x onerror=alert(1)>", "Claim", "x");
    let html = render(doc, set).await;
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("&amp;lt;"), "an entity in the text stays literal");
}

#[tokio::test]
async fn inspector_shows_the_event_frame_and_claim_attribution() {
    use spantag::model::{Entity, Relation};
    let doc = Document::from_text(SEED);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    add(&mut set, SEED, "Benjamin Netanyahu", "Actor", "bn");
    add(&mut set, SEED, "canceled a high-stakes delegation visit", "Event", "ev");
    add(&mut set, SEED, "Netanyahu's office", "Actor", "office");
    let id = |s: &str| AnnId::new(s).unwrap();
    set.apply(Action::PutEntity(Entity { id: id("E1"), name: "Benjamin Netanyahu".into(), kind: "government official".into(), members: vec![id("bn"), id("office")] })).unwrap();
    set.apply(Action::Link(Relation { id: id("r1"), kind: "source".into(), from: id("ev"), to: id("E1") })).unwrap();
    set.apply(Action::SetAttr { id: id("ev"), key: "modality".into(), value: Some("occurred".into()), at: Timestamp(2) }).unwrap();
    set.apply(Action::SetNote { id: id("ev"), note: "<img src=x onerror=alert(1)> javascript:alert(1)".into(), at: Timestamp(3) }).unwrap();
    let mut state = AppState::new(doc, set);
    state.selected = Some(id("ev"));
    let html = yew::LocalServerRenderer::<App>::with_props(AppProps { initial: Rc::new(state), kv: None }).hydratable(false).render().await;
    let inspector = &html[html.find("aria-label=\"Inspector\"").expect("an inspector for the selection")..];
    for role in ["source", "target"] {
        assert!(inspector.contains(&format!("data-role=\"{role}\"")), "a slot for {role}");
    }
    assert!(inspector.contains("aria-label=\"Target\""), "an empty slot has a searchable picker");
    assert!(!inspector.contains("aria-label=\"Source\""), "a filled single slot shows its value instead");
    for field in ["Place", "Time", "Type", "Modality"] {
        assert!(inspector.contains(&format!(">{field}</label>")), "a field for {field}");
    }
    assert!(inspector.contains("data-role=\"source\""));
    assert!(inspector.contains("aria-label=\"Remove Source Benjamin Netanyahu\""), "the source shows the entity's name");
    assert!(inspector.contains("<option value=\"occurred\" selected"), "{inspector}");
    assert!(!html.contains("<img"), "the note is text");
    assert!(!html.contains("href=\"javascript"), "a note never becomes a link");

    // A claim shows its attribution slots; an actor in an entity shows the entity.
    let doc = Document::from_text(SEED);
    let mut set = AnnotationSet::new(doc.len_cp(), Schema::news());
    add(&mut set, SEED, "the Biden administration's policy toward Israel", "Claim", "cl");
    let mut state = AppState::new(doc, set);
    state.selected = Some(id("cl"));
    let html = yew::LocalServerRenderer::<App>::with_props(AppProps { initial: Rc::new(state), kv: None }).hydratable(false).render().await;
    for slot in ["Claimer", "Cue", "About event", "Supports", "Contradicts"] {
        assert!(html.contains(&format!("aria-label=\"{slot}\"")), "claim slot {slot}");
    }
    assert!(html.contains(">Stance</label>"));
}

#[tokio::test]
async fn the_panel_says_when_the_list_shows_nothing() {
    let doc = Document::from_text(SEED);
    let empty = AnnotationSet::new(doc.len_cp(), Schema::news());
    assert!(render(doc.clone(), empty.clone()).await.contains("No annotations yet."));
    let mut set = empty;
    add(&mut set, SEED, "Benjamin Netanyahu", "Actor", "a1");
    let filtered = |label: &str| {
        let mut state = AppState::new(doc.clone(), set.clone());
        state.filter = Some(label.to_owned());
        yew::LocalServerRenderer::<App>::with_props(AppProps { initial: Rc::new(state), kv: None }).hydratable(false).render()
    };
    let event = filtered("Event").await;
    assert!(event.contains("No Event annotations."), "a filter that shows nothing says so");
    let actor = filtered("Actor").await;
    assert!(!actor.contains("No Actor annotations.") && !actor.contains("No annotations yet."), "a filter that shows entries says nothing");
    assert!(!render(doc, set).await.contains("No annotations yet."));
}
