//! Named organisations that no dictionary knows, recognised by the shape of their name:
//! in English a run of capitalised words holding an organisation noun ("Third World Water
//! Forum", "Organization of American States"); in French a capitalised organisation noun
//! with its lower-case qualifiers and complement ("Bureau international du travail",
//! "Forum mondial de l'eau").

use rustc_hash::FxHashSet;
use std::sync::LazyLock;
use vigie_core::lexicon::is_title;
use vigie_core::{Entity, EntityKind, FoldedText, Language, Span, Token, is_letter};

use crate::people::{ORGANISATION_WORDS, is_capitalised, joined_by_space};

/// [`ORGANISATION_WORDS`] for fast lookup.
static ORGANISATION_WORD_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| ORGANISATION_WORDS.iter().copied().collect());

fn is_organisation_noun(folded_word: &str) -> bool {
    ORGANISATION_WORD_SET.contains(folded_word)
}

/// Longest organisation name, in words.
const MAX_WORDS: usize = 7;

/// Lower-case words allowed between the capitalised words of an English name.
const ENGLISH_CONNECTORS: &[&str] = &["of", "for", "and", "on"];

/// French words that end a name: verbs and auxiliaries, pronouns, conjunctions and the
/// prepositions that do not introduce a complement of the name (folded).
const FRENCH_STOP_WORDS: &[&str] = &[
    "a",
    "ont",
    "est",
    "sont",
    "etait",
    "etaient",
    "avait",
    "avaient",
    "sera",
    "seront",
    "va",
    "vont",
    "fait",
    "qui",
    "que",
    "qu'",
    "et",
    "ou",
    "mais",
    "dans",
    "pour",
    "sur",
    "par",
    "avec",
    "en",
    "au",
    "aux",
    "contre",
    "selon",
    "ce",
    "cet",
    "cette",
    "ces",
    "son",
    "sa",
    "ses",
    "leur",
    "leurs",
    "se",
    "s'",
    "ne",
    "n'",
    "y",
    "il",
    "elle",
    "ils",
    "elles",
    "on",
    "lui",
    "pas",
    "plus",
    "aussi",
    "deja",
    "tres",
    "apres",
    "avant",
    "depuis",
    "pendant",
    "lors",
    "le",
    "la",
    "les",
    "un",
    "une",
    "l'",
    "aujourd'hui",
    "hier",
    "demain",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

/// Prepositions that open the complement of a French name ("du travail", "de l'eau").
const FRENCH_COMPLEMENTS: &[&str] = &["de", "du", "des", "d'"];

/// Articles allowed between a complement preposition and its noun ("de la", "de l'").
const FRENCH_ARTICLES: &[&str] = &["la", "l'", "les"];

/// Organisations in `text` (folded: `folded_text`) outside the `taken` spans, over its
/// tokens.
pub fn find_organisations(
    text: &str,
    folded_text: &FoldedText,
    tokens: &[Token],
    taken: &[Span],
    language: Option<Language>,
) -> Vec<Entity> {
    let words = Words {
        text,
        tokens,
        folded: tokens.iter().map(|t| folded_text.slice(t.span)).collect(),
        taken,
    };
    if !words.folded.iter().any(|w| is_organisation_noun(w)) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let end = if !words.is_capitalised(i) || !words.is_free(i) {
            None
        } else if language == Some(Language::Fr) {
            words.french_name(i)
        } else {
            words.english_name(i)
        };
        match end {
            Some(end) => {
                found.push(organisation(text, &tokens[i], &tokens[end - 1]));
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

fn organisation(text: &str, first: &Token, last: &Token) -> Entity {
    Entity {
        text: text[first.byte_start..last.byte_end].to_owned(),
        span: Span::new(first.span.start, last.span.end),
        kind: EntityKind::Org,
        actor: None,
        country: None,
        role: None,
        loaded: false,
        antecedent: None,
    }
}

/// A text's tokens with their folded forms and the spans other entities hold.
struct Words<'a> {
    text: &'a str,
    tokens: &'a [Token],
    folded: Vec<&'a str>,
    taken: &'a [Span],
}

impl Words<'_> {
    /// True when token `k` is outside every taken span.
    fn is_free(&self, k: usize) -> bool {
        !self.taken.iter().any(|s| s.overlaps(self.tokens[k].span))
    }

    fn is_capitalised(&self, k: usize) -> bool {
        is_capitalised(&self.tokens[k], self.text)
    }

    /// True when tokens `k - 1` and `k` are separated by spaces only.
    fn joined(&self, k: usize) -> bool {
        joined_by_space(self.text, &self.tokens[k - 1], &self.tokens[k])
    }

    /// The end (exclusive token index) of an English name starting at `start`:
    /// capitalised words, possibly joined by connectors, at least two of them, one an
    /// organisation noun.
    fn english_name(&self, start: usize) -> Option<usize> {
        let tokens = self.tokens;
        let mut end = start + 1;
        loop {
            let next = end;
            let connector = next + 1 < tokens.len()
                && ENGLISH_CONNECTORS.contains(&self.folded[next])
                && self.is_capitalised(next + 1);
            let last = if connector { next + 1 } else { next };
            let continues = last < tokens.len()
                && last - start < MAX_WORDS
                && (connector || self.is_capitalised(next))
                && (next..=last).all(|k| self.is_free(k) && self.joined(k));
            if !continues {
                break;
            }
            end = last + 1;
        }
        let words = (start..end).filter(|&k| self.is_capitalised(k)).count();
        let has_organisation_noun = (start..end).any(|k| is_organisation_noun(self.folded[k]));
        // "House Speaker", "Senate Majority Leader" are titles of people.
        let ends_in_title = is_title(self.folded[end - 1]);
        // "West Bank", "North Bank": a compass point and one noun name a region.
        let region =
            end - start == 2 && ["north", "south", "east", "west"].contains(&self.folded[start]);
        (words >= 2 && has_organisation_noun && !ends_in_title && !region).then_some(end)
    }

    /// The end (exclusive token index) of a French name starting at `start`: a
    /// capitalised organisation noun inside a sentence, then up to two qualifiers
    /// (capitalised words or lower-case adjectives) and one complement ("du travail",
    /// "de l'eau").
    fn french_name(&self, start: usize) -> Option<usize> {
        let (text, tokens, folded) = (self.text, self.tokens, &self.folded);
        let inside_sentence = tokens[..start]
            .last()
            .is_some_and(|t| t.is_word || !matches!(t.text(text), "." | "!" | "?"));
        if !inside_sentence || !is_organisation_noun(folded[start]) {
            return None;
        }
        let joins = |k: usize| {
            k < tokens.len()
                && tokens[k].is_word
                && self.is_free(k)
                && (k - start) < MAX_WORDS
                && self.joined(k)
        };
        let is_qualifier = |k: usize| {
            joins(k)
                && !FRENCH_STOP_WORDS.contains(&folded[k])
                && !FRENCH_COMPLEMENTS.contains(&folded[k])
                && tokens[k].text(text).chars().all(is_letter)
        };
        let mut end = start + 1;
        while end - start <= 2 && is_qualifier(end) {
            end += 1;
        }
        if joins(end) && FRENCH_COMPLEMENTS.contains(&folded[end]) {
            let mut noun = end + 1;
            // Elided articles are glued to their noun ("l'eau"): no space to require.
            if noun < tokens.len() && FRENCH_ARTICLES.contains(&folded[noun]) && self.is_free(noun)
            {
                noun += 1;
            }
            let glued =
                |k: usize| k < tokens.len() && tokens[k].byte_start == tokens[k - 1].byte_end;
            let noun_follows = noun < tokens.len()
                && tokens[noun].is_word
                && self.is_free(noun)
                && !FRENCH_STOP_WORDS.contains(&folded[noun])
                && (joins(noun) || glued(noun));
            if noun_follows {
                end = noun + 1;
            }
        }
        (end > start + 1).then_some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::tokenize;

    fn names(text: &str, language: Language) -> Vec<String> {
        find_organisations(
            text,
            &FoldedText::new(text),
            &tokenize(text),
            &[],
            Some(language),
        )
        .into_iter()
        .map(|e| e.text)
        .collect()
    }

    #[test]
    fn english_capitalised_names_with_an_organisation_noun() {
        assert_eq!(
            names(
                "The Third World Water Forum concluded on Saturday that the Organization of \
                 American States must act, Western Union said in Paris.",
                Language::En
            ),
            [
                "Third World Water Forum",
                "Organization of American States",
                "Western Union"
            ]
        );
        assert!(names("Prime Minister Tony Blair met him.", Language::En).is_empty());
        assert!(names("The House Speaker spoke.", Language::En).is_empty());
        assert!(names("Shells fell in the West Bank city.", Language::En).is_empty());
    }

    #[test]
    fn french_noun_with_qualifiers_and_complement() {
        assert_eq!(
            names(
                "Le Bureau international du travail (BIT) a réitéré sa demande. Le troisième \
                 Forum mondial de l'eau a conclu samedi. Le Conseil a décidé.",
                Language::Fr
            ),
            ["Bureau international du travail", "Forum mondial de l'eau"]
        );
    }
}
