//! Entities stage: actors from the actor dictionary, people with their roles, pronouns
//! linked to their actor, and the attribution of reported speech (who says what).

pub mod actors;
pub mod attribution;
pub mod coreference;
pub mod ner;
pub mod organisations;
pub mod people;

pub use actors::{Actor, ActorDictionary};

use vigie_core::{Document, Entity, PreparedText};

/// Runs the stage: fills `doc.entities`, `doc.attributions` and the actors of each
/// caption; `prepared` is `doc.text` prepared.
pub fn analyze(doc: &mut Document, prepared: &PreparedText, dictionary: &ActorDictionary) {
    let mut entities: Vec<Entity> =
        dictionary.find_prepared(&doc.text, prepared, doc.published.as_deref());
    let taken: Vec<vigie_core::Span> = entities.iter().map(|e| e.span).collect();
    let tokens = &prepared.tokens;
    entities.extend(people::find_people(&doc.text, tokens, &taken));
    let taken: Vec<vigie_core::Span> = entities.iter().map(|e| e.span).collect();
    entities.extend(organisations::find_organisations(
        &doc.text,
        &prepared.folded,
        tokens,
        &taken,
        doc.language,
    ));
    entities.sort_by_key(|e| (e.span.start, e.span.end));
    doc.entities = entities;
    let pronouns = coreference::resolve_pronouns(doc, tokens, &prepared.folded);
    doc.entities.extend(pronouns);
    doc.entities.sort_by_key(|e| (e.span.start, e.span.end));
    doc.attributions = attribution::find_attributions(doc, prepared);
    for caption in &mut doc.captions {
        caption.entities = dictionary.find(&caption.text, doc.published.as_deref());
    }
}
