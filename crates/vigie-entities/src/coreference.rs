//! Light coreference: subject pronouns ("ils", "elles", "they") and definite group nouns
//! already matched by the dictionary point back to the most recent actor of the same
//! paragraph, when that choice is unambiguous.

use vigie_core::{Document, Entity, EntityKind, FoldedText, Span, Token};

/// Plural subject pronouns (folded).
const PLURAL_PRONOUNS: &[&str] = &["ils", "elles", "they"];

/// Singular subject pronouns that may stand for a person (folded).
const PERSON_PRONOUNS: &[&str] = &["il", "elle", "he", "she"];

/// The paragraph (text between blank lines) around `offset`.
fn paragraph_start(chars: &[char], offset: usize) -> usize {
    (1..offset)
        .rev()
        .find(|&i| chars[i] == '\n' && chars[i - 1] == '\n')
        .map_or(0, |i| i + 1)
}

/// Entities for pronouns whose antecedent is unambiguous: within the pronoun's sentence
/// and the one before it, in the same paragraph, exactly one actor (for "ils", "they") or
/// one person (for "il", "she") is mentioned before the pronoun.
/// `tokens` and `folded` are those of `doc.text`.
pub fn resolve_pronouns(doc: &Document, tokens: &[Token], folded: &FoldedText) -> Vec<Entity> {
    let chars: Vec<char> = doc.text.chars().collect();
    let mut found = Vec::new();
    for token in tokens.iter().filter(|t| t.is_word) {
        let word = folded.slice(token.span);
        let plural = PLURAL_PRONOUNS.contains(&word);
        let person = PERSON_PRONOUNS.contains(&word);
        if !plural && !person {
            continue;
        }
        let sentence = doc
            .sentences
            .iter()
            .position(|s| s.start <= token.span.start && token.span.start < s.end);
        let window_start = sentence
            .map(|i| doc.sentences[i.saturating_sub(1)].start)
            .unwrap_or(0)
            .max(paragraph_start(&chars, token.span.start));
        let candidates: Vec<&Entity> = doc
            .entities
            .iter()
            .filter(|e| e.span.start >= window_start && e.span.end <= token.span.start)
            .filter(|e| {
                if person {
                    e.kind == EntityKind::Per
                } else {
                    // "ils" stands for a group or a plural noun ("les Américains"), not for
                    // a state named in the singular ("la Syrie").
                    let plural_noun =
                        e.text.ends_with(['s', 'x']) || e.text.chars().all(|c| c.is_uppercase());
                    e.actor.is_some()
                        && (e.kind == EntityKind::Group
                            || (plural_noun && e.kind != EntityKind::Per))
                }
            })
            .collect();
        let Some(nearest) = candidates.last() else {
            continue;
        };
        let identity = |e: &Entity| {
            if person {
                e.text.clone()
            } else {
                e.actor.clone().unwrap_or_default()
            }
        };
        if candidates.iter().any(|e| identity(e) != identity(nearest)) {
            continue;
        }
        found.push(Entity {
            text: token.text(&doc.text).to_owned(),
            span: Span::new(token.span.start, token.span.end),
            kind: nearest.kind,
            actor: nearest.actor.clone(),
            country: nearest.country.clone(),
            role: None,
            loaded: false,
            antecedent: Some(nearest.span),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActorDictionary, analyze};
    use vigie_core::PreparedText;

    const ACTORS: &str = "code\tname\tkind\tcountry\tsector\taliases
USA\tUnited States\tSTATE\tUS\tgovernment\tAméricains
ISIS\tIslamic State\tGROUP\t\tterrorist\tDaech
";

    #[test]
    fn plural_pronoun_points_to_the_last_actor_of_the_paragraph() {
        let text =
            "Les Américains ont perdu des relais. Ils cherchent à vider la région.\n\nIls partent.";
        let mut doc = Document::new("t", text);
        doc.sentences = vec![Span::new(0, 36), Span::new(37, 69), Span::new(71, 83)];
        let prepared = PreparedText::new(&doc.text);
        analyze(
            &mut doc,
            &prepared,
            &ActorDictionary::from_tsv(ACTORS).unwrap(),
        );
        let pronouns: Vec<(&str, Option<&str>)> = doc
            .entities
            .iter()
            .filter(|e| e.antecedent.is_some())
            .map(|e| (e.text.as_str(), e.actor.as_deref()))
            .collect();
        assert_eq!(
            pronouns,
            [("Ils", Some("USA"))],
            "the second paragraph has no antecedent"
        );
    }

    #[test]
    fn two_different_actors_make_the_pronoun_ambiguous() {
        let text = "Les Américains et Daech se battent. Ils avancent.";
        let mut doc = Document::new("t", text);
        doc.sentences = vec![Span::new(0, text.chars().count())];
        let prepared = PreparedText::new(&doc.text);
        analyze(
            &mut doc,
            &prepared,
            &ActorDictionary::from_tsv(ACTORS).unwrap(),
        );
        assert!(doc.entities.iter().all(|e| e.antecedent.is_none()));
    }
}
