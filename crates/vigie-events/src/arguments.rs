//! Event arguments without a parser: actor and recipient from the entities around the
//! trigger, and the place where the event happened.

use vigie_core::{Document, Entity, EntityKind, Participant, Place, Span, fold_text};

/// Words that mark the following participant as the agent of a passive ("par", "by").
const AGENT_MARKERS: &[&str] = &["par", "by"];

/// Prepositions after which a place is where something happens (folded).
const LOCATIVES: &[&str] = &["a", "au", "aux", "dans", "en", "pres de", "sur", "in", "at", "near", "on", "outside", "inside"];

/// Prepositions after which a place is an origin or destination, not the location.
const DIRECTIONALS: &[&str] = &["vers", "direction de", "direction d'", "towards", "toward", "to", "from", "de", "d'"];

/// True when the span lies inside the speaker of an attribution ("a dit X").
pub fn inside_speaker(doc: &Document, span: Span) -> bool {
    doc.attributions
        .iter()
        .any(|a| a.speaker.as_ref().is_some_and(|s| s.span.contains(span)))
}

fn can_participate(entity: &Entity) -> bool {
    !matches!(entity.kind, EntityKind::Media | EntityKind::Loc | EntityKind::Misc)
}

fn participant(entity: &Entity) -> Participant {
    Participant {
        text: entity.text.clone(),
        span: entity.span,
        code: entity.actor.clone(),
        country: entity.country.clone(),
    }
}

/// The folded text between two offsets, trimmed.
fn between(doc: &Document, start: usize, end: usize) -> String {
    let text: String = doc.text.chars().skip(start).take(end.saturating_sub(start)).collect();
    fold_text(text.trim())
}

/// Actor and recipient of a trigger: the nearest entity before it in the sentence acts,
/// the nearest after it is acted upon; a passive agent ("attaqués par X") swaps them.
pub fn participants(doc: &Document, sentence: Span, trigger: Span) -> (Option<Participant>, Option<Participant>) {
    let candidates: Vec<&Entity> = doc
        .entities
        .iter()
        .filter(|e| sentence.contains(e.span) && can_participate(e) && !inside_speaker(doc, e.span))
        .collect();
    let before = candidates.iter().filter(|e| e.span.end <= trigger.start).max_by_key(|e| e.span.end);
    let after = candidates
        .iter()
        .filter(|e| e.span.start >= trigger.end && e.span.start - trigger.end <= 60)
        .min_by_key(|e| e.span.start);
    let passive_agent = after.filter(|e| {
        let gap = between(doc, trigger.end, e.span.start);
        AGENT_MARKERS.iter().any(|m| gap == *m || gap.ends_with(&format!(" {m}")))
    });
    match passive_agent {
        Some(agent) => (Some(participant(agent)), before.map(|e| participant(e))),
        None => (before.map(|e| participant(e)), after.map(|e| participant(e))),
    }
}

/// Where the event happened: a place after a locative preposition in the sentence,
/// preferring the nearest to the trigger; else the first place that is not an origin or
/// destination; else the first place in the sentence.
pub fn place(doc: &Document, sentence: Span, trigger: Span) -> Option<Place> {
    let places: Vec<&Place> = doc.places.iter().filter(|p| sentence.contains(p.span)).collect();
    let preceding = |p: &Place| {
        let from = sentence.start.max(p.span.start.saturating_sub(16));
        between(doc, from, p.span.start)
    };
    let ends_with_word = |text: &str, word: &str| {
        text == word || text.ends_with(&format!(" {word}")) || (word.ends_with('\'') && text.ends_with(word))
    };
    let distance = |p: &Place| p.span.start.abs_diff(trigger.start);
    places
        .iter()
        .filter(|p| LOCATIVES.iter().any(|l| ends_with_word(&preceding(p), l)))
        .min_by_key(|p| distance(p))
        .or_else(|| {
            places
                .iter()
                .find(|p| !DIRECTIONALS.iter().any(|d| ends_with_word(&preceding(p), d)))
        })
        .or_else(|| places.first())
        .map(|p| (*p).clone())
}
