//! The pure core of spantag: no yew, no web-sys, no gloo.
//!
//! Invariant kept by this module: every annotation in an [`AnnotationSet`] satisfies
//! `0 <= start < end <= document length` in code points, names a label of its
//! [`LabelSet`], and no two annotations share both span and label. The only way to
//! change an [`AnnotationSet`] is [`AnnotationSet::apply`], which either keeps these
//! invariants or refuses with a [`Refusal`].

pub mod annotation;
pub mod document;
pub mod frames;
pub mod label;
pub mod marks;
pub mod merge;
pub mod offsets;
pub mod schema;
pub mod segments;
pub mod snap;
pub mod sort;
pub mod span;
pub mod time;

pub use annotation::{Action, AnnId, Annotation, AnnotationSet, Entity, Refusal, Relation};
pub use document::Document;
pub use label::{LabelDef, LabelSet};
pub use schema::Schema;
pub use span::Span;
pub use time::Timestamp;
