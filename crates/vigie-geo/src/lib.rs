//! Geo stage: finds toponyms in a document and resolves them to gazetteer entries
//! (GeoNames ids and coordinates).
//!
//! Recognition matches gazetteer names and aliases over normalised text (case, accents,
//! the Arabic article `al-`/`el-`/`ash-`, hyphens, French elision); resolution scores the
//! candidates of each name by feature type, population and the countries the document
//! already talks about.

pub mod gazetteer;
pub mod name_key;
pub mod recognize;
pub mod resolve;

pub use gazetteer::{Gazetteer, GazetteerEntry};
pub use name_key::name_key;

use vigie_core::{Document, EntityKind};

/// Runs the stage: fills `doc.places`, skipping spans that the entity stage identified
/// as people, organisations, armed groups or media (states and international bodies such
/// as the EU keep their place names).
pub fn analyze(doc: &mut Document, gazetteer: &Gazetteer) {
    let blocked: Vec<vigie_core::Span> = doc
        .entities
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EntityKind::Per | EntityKind::Org | EntityKind::Group | EntityKind::Media
            )
        })
        .map(|e| e.span)
        .collect();
    let mentions: Vec<recognize::Mention> = recognize::find_toponyms(&doc.text, gazetteer)
        .into_iter()
        .filter(|m| !blocked.iter().any(|b| b.overlaps(m.span)))
        .collect();
    doc.places = resolve::resolve(&mentions, gazetteer);
}
