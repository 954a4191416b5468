//! Links drawn over the text: arcs from the selected annotation to what it points
//! at and to what points at it, each labelled with its role. Only the selection's
//! links are drawn (a full article's links at once would be a hairball), unless the
//! person asks for all of them. A link hovered in the panel lights both its ends.
//!
//! The layer is an SVG over the article that ignores the pointer, so selecting and
//! copying text work as before. Positions come from the marks' client rectangles
//! after each render.


use yew::prelude::*;

use super::shared::Shared;

use crate::model::{AnnId, AnnotationSet, Relation};

/// Properties of [`LinkLayer`].
#[derive(Properties, PartialEq)]
pub struct LinkLayerProps {
    /// The annotations.
    pub anns: Shared<AnnotationSet>,
    /// The selected annotation.
    pub selected: Option<AnnId>,
    /// The relation hovered in the panel.
    pub hover: Option<AnnId>,
    /// Draw every link, not only the selection's.
    pub show_all: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct Arc {
    d: String,
    label: String,
    x: i32,
    y: i32,
    hot: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct Box4 {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// The relations to draw: the selection's (and its entity's), or all.
fn relations_to_draw<'a>(anns: &'a AnnotationSet, selected: Option<&AnnId>, show_all: bool) -> Vec<&'a Relation> {
    if show_all {
        return anns.relations().iter().collect();
    }
    let Some(sel) = selected else { return Vec::new() };
    let entity = anns.entity_of(sel).map(|e| e.id.clone());
    anns.relations().iter().filter(|r| &r.from == sel || &r.to == sel || entity.as_ref() == Some(&r.to)).collect()
}

/// The mentions an end stands for: the annotation, or every mention of an entity.
fn ends(anns: &AnnotationSet, id: &AnnId) -> Vec<AnnId> {
    match anns.entity(id) {
        Some(e) => e.members.clone(),
        None => vec![id.clone()],
    }
}

fn rect_of(layer: &web_sys::Element, id: &AnnId) -> Option<Box4> {
    let doc = web_sys::window()?.document()?;
    let sel = format!("article mark[data-id=\"{}\"]", id.as_str().replace('\\', "\\\\").replace('"', "\\\""));
    let el = doc.query_selector(&sel).ok()??;
    // The first line box: a span that wraps has one rectangle per line.
    let r = el.get_client_rects().get(0).unwrap_or_else(|| el.get_bounding_client_rect());
    let origin = layer.get_bounding_client_rect();
    (r.width() > 0.0).then(|| Box4 { x: r.left() - origin.left(), y: r.top() - origin.top(), w: r.width(), h: r.height() })
}

/// The link layer.
#[component]
pub fn LinkLayer(props: &LinkLayerProps) -> Html {
    let svg_ref = use_node_ref();
    let drawn = use_state(|| (Vec::<Arc>::new(), Vec::<Box4>::new()));
    let resized = use_state(|| 0u32);
    {
        let resized = resized.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window().expect("a window");
            let listener = gloo_events::EventListener::new(&window, "resize", move |_| resized.set(*resized + 1));
            move || drop(listener)
        });
    }
    {
        let svg_ref = svg_ref.clone();
        let drawn = drawn.clone();
        let deps = (props.anns.clone(), props.selected.clone(), props.hover.clone(), props.show_all, *resized);
        use_effect_with(deps, move |(anns, selected, hover, show_all, _)| {
            let Some(layer) = svg_ref.cast::<web_sys::Element>() else { return };
            let mut arcs = Vec::new();
            let mut boxes = Vec::new();
            for r in relations_to_draw(anns, selected.as_ref(), *show_all) {
                let role = anns.schema().role(&r.kind).map_or(r.kind.clone(), |x| x.name.clone());
                let hot = hover.as_ref() == Some(&r.id);
                let Some(a) = rect_of(&layer, &r.from) else { continue };
                for to in ends(anns, &r.to) {
                    let Some(b) = rect_of(&layer, &to) else { continue };
                    let (x1, y1) = (a.x + a.w.min(40.0) / 2.0, a.y);
                    let (x2, y2) = (b.x + b.w.min(40.0) / 2.0, b.y);
                    let lift = 18.0 + ((x2 - x1).abs() + (y2 - y1).abs()).min(400.0) / 8.0;
                    let top = y1.min(y2) - lift;
                    // Whole pixels, formatted as integers (no float formatting in the bundle).
                    let (x1, y1, x2, y2, top) = (x1 as i32, y1 as i32, x2 as i32, y2 as i32, top as i32);
                    let d = format!("M{x1},{y1} C{x1},{top} {x2},{top} {x2},{y2}");
                    arcs.push(Arc { d, label: role.clone(), x: (x1 + x2) / 2, y: top + (lift * 0.25) as i32, hot });
                    if hot {
                        boxes.push(b);
                    }
                }
                if hot {
                    boxes.push(a);
                }
            }
            if *drawn != (arcs.clone(), boxes.clone()) {
                drawn.set((arcs, boxes));
            }
        });
    }
    let (arcs, boxes) = &*drawn;
    html! {
        <svg ref={svg_ref} class="link-layer" aria-hidden="true">
            <defs>
                <marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L8,4 L0,8 z" class="arrow-head" />
                </marker>
            </defs>
            { for boxes.iter().map(|b| html! {
                <rect class="link-end" x={((b.x - 3.0) as i32).to_string()} y={((b.y - 2.0) as i32).to_string()}
                    width={((b.w + 6.0) as i32).to_string()} height={((b.h + 4.0) as i32).to_string()} rx="4" />
            }) }
            { for arcs.iter().map(|a| html! {
                <g class={classes!("link", a.hot.then_some("hot"))}>
                    <path d={a.d.clone()} marker-end="url(#arrow)" />
                    <text x={a.x.to_string()} y={a.y.to_string()} text-anchor="middle">{ &a.label }</text>
                </g>
            }) }
        </svg>
    }
}
