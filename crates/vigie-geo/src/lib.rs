//! Geo stage: finds toponyms in a document and resolves them to gazetteer entries
//! (GeoNames ids and coordinates).
//!
//! Recognition matches gazetteer names and aliases over normalised text (case, accents,
//! the Arabic article `al-`/`el-`/`ash-`, hyphens, French elision); resolution scores the
//! candidates of each name by feature type, population and the countries the document
//! already talks about.

pub mod demonyms;
pub mod embedded;
pub mod gazetteer;
pub mod geonames;
pub mod index;
pub mod name_key;
pub mod recognize;
pub mod resolve;

pub use gazetteer::{Gazetteer, GazetteerEntry};
pub use name_key::name_key;
pub use vigie_core::haversine_km;

use vigie_core::{Document, EntityKind, PreparedText, Span};

/// Runs the stage: fills `doc.places`, skipping spans that the entity stage identified
/// as people, organisations, armed groups or media (states and international bodies such
/// as the EU keep their place names). `prepared` is `doc.text` prepared.
pub fn analyze(doc: &mut Document, prepared: &PreparedText, gazetteer: &Gazetteer) {
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
    // Organisations known by the shape of their name only (no actor code) keep the
    // places named inside them ("Kenya Anti-Corruption Commission").
    let named_organisations: Vec<vigie_core::Span> = doc
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Org && e.actor.is_none())
        .map(|e| e.span)
        .collect();
    let tokens = recognize::prepare_tokens(&doc.text, &prepared.tokens, gazetteer);
    let mentions: Vec<recognize::Mention> = recognize::find_toponyms(&doc.text, &tokens, gazetteer)
        .into_iter()
        .filter(|m| {
            !blocked.iter().any(|b| b.overlaps(m.span))
                || named_organisations
                    .iter()
                    .any(|o| o.start <= m.span.start && m.span.end <= o.end && *o != m.span)
        })
        .collect();
    // A single word that is both a demonym and a place name ("American", "Canadian") is
    // the demonym.
    let mentions: Vec<recognize::Mention> = mentions
        .into_iter()
        .filter(|m| {
            m.key.contains(' ')
                || gazetteer
                    .demonym(&vigie_core::fold_text(&m.text), doc.language)
                    .is_none()
        })
        .collect();
    let taken: Vec<vigie_core::Span> = blocked
        .iter()
        .copied()
        .chain(mentions.iter().map(|m| m.span))
        .collect();
    let demonyms = demonyms::find_demonyms(
        &doc.text,
        &prepared.folded,
        &tokens,
        gazetteer,
        doc.language,
        &taken,
    );
    let countries: Vec<String> = demonyms.iter().map(|d| d.country_code.clone()).collect();
    let mut places = resolve::resolve_in_context(&mentions, gazetteer, &countries);
    // Recognition is unsure of such names in the first place: leave them out.
    places.retain(|p| p.confidence > resolve::STRAY_CONFIDENCE);
    places.extend(demonyms);
    places.sort_by_key(|p| (p.span.start, p.span.end));
    doc.places = places;
}

/// Resolves toponyms whose spans are already known (gold annotations, an upstream
/// recogniser): names through the gazetteer, demonyms through the demonym table, all in
/// the context of each other. A name the gazetteer lacks falls back to its longest
/// leading words that name a country or division ("Colorado State University" →
/// Colorado), then to the document's
/// focus — its most mentioned local place — with low confidence ("Royal Street" in a
/// story about New Orleans).
pub fn resolve_spans(
    toponyms: &[(Span, String)],
    gazetteer: &Gazetteer,
    language: Option<vigie_core::Language>,
) -> Vec<vigie_core::Place> {
    let mut mentions = Vec::new();
    let mut places = Vec::new();
    let mut unknown = Vec::new();
    for (span, text) in toponyms {
        let key = name_key(text);
        let words: Vec<&str> = key.split(' ').collect();
        let known_prefix = (1..words.len())
            .rev()
            .map(|n| words[..n].join(" "))
            .find(|k| {
                !recognize::is_generic_word(k)
                    && gazetteer
                        .lookup(k)
                        .any(|e| e.is_country() || e.feature_code == "ADM1")
            });
        if let Some(entry) = gazetteer.demonym(&vigie_core::fold_text(text), language) {
            places.push(demonyms::demonym_place(text, *span, entry));
        } else if gazetteer.contains_key(&key) {
            mentions.push(recognize::Mention {
                span: *span,
                text: text.clone(),
                key,
            });
        } else if let Some(prefix) = known_prefix {
            mentions.push(recognize::Mention {
                span: *span,
                text: text.clone(),
                key: prefix,
            });
        } else {
            unknown.push((*span, text.clone()));
        }
    }
    let countries: Vec<String> = places.iter().map(|p| p.country_code.clone()).collect();
    places.extend(resolve::resolve_in_context(
        &mentions, gazetteer, &countries,
    ));
    if let Some(focus) = focus(&places) {
        places.extend(unknown.into_iter().map(|(span, text)| vigie_core::Place {
            text,
            span,
            confidence: 0.2,
            kind: vigie_core::PlaceKind::Toponym,
            ..focus.clone()
        }));
    }
    places.sort_by_key(|p| (p.span.start, p.span.end));
    places
}

/// The most mentioned place of the finest level present: towns, then divisions, then
/// countries.
fn focus(places: &[vigie_core::Place]) -> Option<vigie_core::Place> {
    let level = |p: &vigie_core::Place| match p.feature_code.as_str() {
        code if code.starts_with("PCL") => 0,
        "ADM1" => 1,
        "CONT" => 0,
        _ => 2,
    };
    let finest = places
        .iter()
        .filter(|p| p.kind == vigie_core::PlaceKind::Toponym)
        .map(level)
        .max()?;
    let candidates: Vec<&vigie_core::Place> = places
        .iter()
        .filter(|p| p.kind == vigie_core::PlaceKind::Toponym && level(p) == finest)
        .collect();
    candidates
        .iter()
        .max_by_key(|p| {
            candidates
                .iter()
                .filter(|q| q.geonameid == p.geonameid)
                .count()
        })
        .map(|p| (*p).clone())
}
