//! Toponym recognition: gazetteer names found in running text.

use vigie_core::lexicon::is_calendar_word;
use vigie_core::{Span, Token, fold_text, tokenize};

use crate::gazetteer::Gazetteer;
use crate::name_key::name_key;

/// A stretch of text that names a gazetteer entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Where it is.
    pub span: Span,
    /// Surface text.
    pub text: String,
    /// Lookup key.
    pub key: String,
}

/// Capitalised words that begin sentences or name things other than places, and that
/// gazetteers list as places somewhere ("Est", "Mais", "Centre"); month and day names
/// are excluded through [`is_calendar_word`].
const NOT_PLACES: &[&str] = &[
    "a",
    "au",
    "aux",
    "ce",
    "ces",
    "cet",
    "cette",
    "de",
    "des",
    "du",
    "en",
    "et",
    "il",
    "ils",
    "elle",
    "elles",
    "la",
    "le",
    "les",
    "l",
    "un",
    "une",
    "on",
    "ou",
    "par",
    "pour",
    "sur",
    "sous",
    "mais",
    "selon",
    "depuis",
    "dans",
    "avec",
    "sans",
    "entre",
    "vers",
    "chez",
    "apres",
    "avant",
    "pendant",
    "peine",
    "signe",
    "ainsi",
    "alors",
    "aussi",
    "encore",
    "enfin",
    "puis",
    "donc",
    "car",
    "or",
    "ni",
    "nord",
    "sud",
    "est",
    "ouest",
    "centre",
    "north",
    "south",
    "east",
    "west",
    "central",
    "center",
    "the",
    "an",
    "and",
    "but",
    "for",
    "in",
    "on",
    "at",
    "by",
    "of",
    "to",
    "from",
    "with",
    "as",
    "it",
    "he",
    "she",
    "they",
    "we",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "after",
    "before",
    "president",
    "minister",
    "ministre",
    "general",
    "speaker",
    "house",
    "senate",
    "press",
    "photo",
    "source",
    "sources",
    "premier",
    "prime",
    "republic",
    "republique",
    "union",
    "state",
    "etat",
    "government",
    "gouvernement",
    "army",
    "armee",
    "police",
    "force",
    "forces",
    "resistance",
    "liberation",
    "victoria",
    "florence",
    "nancy",
    "lourdes",
    "orange",
    "mobile",
    "reading",
    "bath",
    "split",
    "nice",
    "troy",
    "sale",
    "male",
    "as",
    "ok",
];

const ARTICLE_PREFIXES: &[&str] = &[
    "al-", "el-", "as-", "ash-", "ad-", "ar-", "an-", "at-", "az-", "ech-", "es-", "ez-",
];

/// True when a word can begin or end a proper name: capitalised, or an Arabic article
/// followed by a capital ("al-Anbar").
fn is_name_word(word: &str) -> bool {
    if word.chars().next().is_some_and(char::is_uppercase) {
        return true;
    }
    let folded = fold_text(word);
    ARTICLE_PREFIXES.iter().any(|p| {
        folded.starts_with(p)
            && word[p.len()..]
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
    })
}

/// True for the gap between two words of one name: spaces, no line break.
fn is_space_between(gap: &str) -> bool {
    !gap.is_empty()
        && gap
            .chars()
            .all(|c| matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
}

fn is_capitalised_word(token: &Token, text: &str) -> bool {
    token.is_word
        && token
            .text(text)
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
}

/// Finds gazetteer names in `text`, longest match first, left to right.
pub fn find_toponyms(text: &str, gazetteer: &Gazetteer) -> Vec<Mention> {
    let tokens = tokenize(text);
    let max_words = gazetteer.longest_key_words().clamp(1, 6);
    let mut mentions = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let first = tokens[i];
        if !first.is_word || !is_name_word(first.text(text)) {
            i += 1;
            continue;
        }
        let found = (1..=max_words.min(tokens.len() - i)).rev().find_map(|n| {
            let run = &tokens[i..i + n];
            let contiguous = run.iter().all(|t| t.is_word)
                && run
                    .windows(2)
                    .all(|w| is_space_between(&text[w[0].byte_end..w[1].byte_start]));
            if !contiguous || !is_name_word(run[n - 1].text(text)) {
                return None;
            }
            let surface = &text[first.byte_start..run[n - 1].byte_end];
            let key = name_key(surface);
            (gazetteer.contains_key(&key) && plausible(surface, &key, gazetteer)).then(|| Mention {
                span: Span::new(first.span.start, run[n - 1].span.end),
                text: surface.to_owned(),
                key,
            })
        });
        match found {
            Some(mention) => {
                let words = tokenize(&mention.text).len();
                let next = tokens.get(i + words);
                let previous_is_name = i > 0 && {
                    let previous = &tokens[i - 1];
                    let sentence_start = i == 1
                        || matches!(tokens[i - 2].text(text), "." | "!" | "?" | "«" | "\"" | ":")
                        || text[..previous.byte_start].ends_with('\n');
                    is_capitalised_word(previous, text)
                        && !sentence_start
                        && !NOT_PLACES.contains(&fold_text(previous.text(text)).as_str())
                        && !is_calendar_word(&fold_text(previous.text(text)))
                        && is_space_between(&text[previous.byte_end..first.byte_start])
                };
                let glued_to_name = previous_is_name
                    || next.is_some_and(|n| {
                        is_capitalised_word(n, text)
                            && is_space_between(&text[tokens[i + words - 1].byte_end..n.byte_start])
                    });
                if !glued_to_name {
                    mentions.push(mention);
                }
                i += words;
            }
            None => i += 1,
        }
    }
    mentions
}

/// Filters out names that are common words or too short to trust.
fn plausible(surface: &str, key: &str, gazetteer: &Gazetteer) -> bool {
    if key.chars().count() < 3 || NOT_PLACES.contains(&key) || is_calendar_word(key) {
        return false;
    }
    let all_caps = surface
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase);
    if all_caps && surface.chars().count() <= 4 {
        return gazetteer.lookup(key).any(|e| e.is_country());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::SAMPLE;

    fn found(text: &str) -> Vec<String> {
        let gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        find_toponyms(text, &gazetteer)
            .into_iter()
            .map(|m| m.text)
            .collect()
    }

    #[test]
    fn finds_names_with_articles_and_elisions() {
        assert_eq!(
            found("A l'ouest d'al-Anbar, sur la frontière avec la Syrie, l'Irak avance."),
            ["al-Anbar", "Syrie", "Irak"]
        );
    }

    #[test]
    fn skips_names_glued_to_other_names() {
        assert_eq!(
            found("Washington Post reporters met in Washington, DC."),
            ["Washington"]
        );
        assert_eq!(found("le mardi, en Toulouse"), ["Toulouse"]);
        assert_eq!(
            found("a dit Sarah Washington. Depuis Toulouse, rien."),
            ["Toulouse"]
        );
    }
}
