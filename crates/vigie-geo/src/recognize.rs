//! Toponym recognition: gazetteer names found in running text.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use vigie_core::lexicon::{COMPASS_WORDS, is_calendar_word, is_speech_verb, is_title};
use vigie_core::{Span, Token, fold_text, is_letter};

use crate::gazetteer::Gazetteer;
use crate::name_key::name_key;
use crate::resolve::prior;

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
    "one",
    "two",
    "three",
    "more",
    "most",
    "many",
    "some",
    "other",
    "others",
    "another",
    "new",
    "first",
    "last",
    "both",
    "all",
    "every",
    "each",
    "there",
    "then",
    "when",
    "while",
    "since",
    "although",
    "however",
    "also",
    "still",
    "even",
    "yet",
    "just",
    "now",
    "such",
    "no",
    "not",
    "our",
    "your",
    "his",
    "her",
    "their",
    "its",
    "my",
    "you",
    "if",
    "or",
    "so",
    "up",
    "why",
    "what",
    "who",
    "how",
    "where",
    "which",
    "will",
    "would",
    "can",
    "could",
    "should",
    "must",
    "said",
    "says",
    "park",
    "street",
    "university",
    "bank",
    "royal",
    "wing",
    "snow",
    "river",
    "lake",
    "mount",
    "city",
    "county",
    "hill",
    "valley",
    "beach",
    "island",
    "bay",
    "port",
    "fort",
    "station",
    "airport",
    "hospital",
    "school",
    "college",
    "church",
    "hall",
    "tower",
    "bridge",
    "road",
    "avenue",
    "square",
    "market",
    "world",
    "national",
    "international",
    "federal",
    "united",
    "old",
    "great",
    "little",
    "big",
    "high",
    "grand",
    "golden",
    "green",
    "white",
    "black",
    "red",
    "blue",
    "police",
    "court",
    "office",
    "home",
    "news",
    "star",
    "sun",
    "time",
    "times",
    "post",
    "mail",
    "daily",
    "herald",
    "tribune",
    "globe",
    "league",
    "cup",
    "club",
    "team",
    "center",
    "centre",
    "life",
    "love",
    "hope",
    "faith",
    "liberty",
    "independence",
    "justice",
    "paradise",
    "eden",
    "unity",
    "union",
    "progress",
    "friendship",
    "harmony",
    "nous",
    "vous",
    "leur",
    "leurs",
    "son",
    "sa",
    "ses",
    "mon",
    "ton",
    "tout",
    "tous",
    "toute",
    "toutes",
    "plus",
    "moins",
    "tres",
    "bien",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "dix",
    "cent",
    "mille",
    "monde",
    "ville",
    "pays",
    "region",
    "province",
    "fleuve",
    "mer",
    "ocean",
    "el nino",
    "nina",
    "nino",
    "act",
    "congress",
    "council",
    "bureau",
    "commissioner",
    "law",
    "marine",
    "over",
    "are",
    "four",
    "five",
    "six",
    "cross",
    "southern",
    "northern",
    "eastern",
    "western",
    "delta",
    "salt",
    "white house",
    "capitol",
    "pentagon",
    "kremlin",
    "elysee",
    "downing street",
    "wall street",
    "hollywood",
    "man",
    "day",
    "much",
    "christmas",
    "easter",
    "forest",
    "ski",
    "parkway",
    "democrat",
    "democrats",
    "republican",
    "republicans",
    "northwest",
    "northeast",
    "southwest",
    "southeast",
    "gulf",
    "sen",
    "sens",
    "gov",
    "rep",
    "reps",
    "mr",
    "mrs",
    "ms",
    "dr",
    "the city",
    "duma",
    "war",
    "commerce",
    "superior",
    "area",
    "metro",
    "notre dame",
];

/// [`NOT_PLACES`] as a set: it is consulted for every candidate name.
static NOT_PLACE_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| NOT_PLACES.iter().copied().collect());

/// True for a folded word or key listed in [`NOT_PLACES`].
fn is_not_place(word: &str) -> bool {
    NOT_PLACE_SET.contains(word)
}

const ARTICLE_PREFIXES: &[&str] = &[
    "al-", "el-", "as-", "ash-", "ad-", "ar-", "an-", "at-", "az-", "ech-", "es-", "ez-",
];

/// True when a word can begin or end a proper name: capitalised, or an Arabic article
/// followed by a capital ("al-Anbar").
fn is_name_word(word: &str) -> bool {
    if word.chars().next().is_some_and(char::is_uppercase) {
        return true;
    }
    // Every article prefix ends with a hyphen.
    if !word.contains(['-', '\u{2010}', '\u{2011}']) {
        return false;
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

/// Words after a place name that make it part of an institution's name, which still
/// names the place ("Dublin City Council", "Laurel County Clerk", "Paris High School").
const INSTITUTION_WORDS: &[&str] = &[
    "city",
    "county",
    "council",
    "police",
    "sheriff",
    "high",
    "school",
    "schools",
    "library",
    "international",
    "airport",
    "veterans",
    "department",
    "clerk",
    "public",
    "fire",
    "board",
    "commission",
    "hospital",
    "medical",
    "university",
    "college",
    "church",
    "street",
    "road",
    "avenue",
    "boulevard",
    "area",
    "metro",
    "regional",
    "community",
    "center",
    "centre",
    "zoo",
    "museum",
    "mall",
    "chamber",
    "district",
    "township",
    "state",
    "province",
    "region",
    "port",
    "harbor",
    "harbour",
    "bridge",
    "river",
    "valley",
    "station",
    "mayor",
    "governor",
    "court",
    "jail",
    "municipal",
    "town",
    "village",
    "parish",
    "memorial",
    "project",
];

/// Words before a place name that qualify it ("Metropolitan Atlanta", "Greater London").
const QUALIFIERS: &[&str] = &[
    "metropolitan",
    "greater",
    "downtown",
    "upper",
    "lower",
    "rural",
    "suburban",
    "coastal",
    "inner",
];

/// Saint and mount abbreviations that start names ("St. Petersburg", "Mt. Pleasant").
const NAME_ABBREVIATIONS: &[(&str, &str)] = &[
    ("st", "saint"),
    ("ste", "sainte"),
    ("mt", "mount"),
    ("ft", "fort"),
];

/// A name starting with "St." or "Mt." at token `i`: pushes the longest known one
/// ("St. Petersburg", also tried as "Saint Petersburg") and returns where to go on. When
/// none is known, the whole name is skipped so that "St. Patrick's Day" does not yield
/// "Patrick".
fn saint_name(
    text: &str,
    tokens: &[Token],
    i: usize,
    gazetteer: &Gazetteer,
    mentions: &mut Vec<Mention>,
) -> Option<usize> {
    tokens.get(i + 1).filter(|t| t.text(text) == ".")?;
    let folded = fold_text(tokens[i].text(text));
    let (_, full) = NAME_ABBREVIATIONS
        .iter()
        .find(|(short, _)| folded == *short)?;
    let mut end = i + 2;
    while end < tokens.len()
        && is_name_word(tokens[end].text(text))
        && is_space_between(&text[tokens[end - 1].byte_end..tokens[end].byte_start])
    {
        end += 1;
    }
    if end == i + 2 {
        return None;
    }
    let known = (i + 2..end).rev().find_map(|last| {
        let surface = &text[tokens[i].byte_start..tokens[last].byte_end];
        let rest = name_key(&text[tokens[i + 2].byte_start..tokens[last].byte_end]);
        [name_key(surface), format!("{full} {rest}")]
            .into_iter()
            .find(|key| gazetteer.contains_key(key))
            .map(|key| (last, surface, key))
    });
    // "St. Patrick's Day", "St. Michael's Hospital": a saint's day or building.
    let possessive = |last: usize| {
        tokens
            .get(last + 1)
            .is_some_and(|t| matches!(t.text(text), "'s" | "’s"))
    };
    if let Some((last, surface, key)) = known.filter(|(last, _, _)| !possessive(*last)) {
        mentions.push(Mention {
            span: Span::new(tokens[i].span.start, tokens[last].span.end),
            text: surface.to_owned(),
            key,
        });
        return Some(last + 1);
    }
    Some(end)
}

/// The tokens of `text` prepared for name matching: English possessives split off
/// ("China's" → "China", "'s") and hyphenated compounds that are not themselves names
/// split into their parts ("Tbilisi-based", "Egyptian-US"), while "al-Anbar" and
/// "Saint-Denis" stay whole.
pub fn prepare_tokens(text: &str, tokens: &[Token], gazetteer: &Gazetteer) -> Vec<Token> {
    let mut prepared = Vec::new();
    for &token in tokens {
        let word = token.text(text);
        let possessive = ["'s", "’s"]
            .iter()
            .find(|s| word.len() > s.len() + 1 && word.ends_with(*s));
        let token = match possessive {
            Some(suffix) if token.is_word => {
                let cut = token.byte_end - suffix.len();
                let cut_char = token.span.end - 2;
                prepared.push(Token {
                    span: Span::new(token.span.start, cut_char),
                    byte_end: cut,
                    ..token
                });
                prepared.push(Token {
                    span: Span::new(cut_char, token.span.end),
                    byte_start: cut,
                    is_word: false,
                    ..token
                });
                continue;
            }
            _ => token,
        };
        let compound = token.is_word
            && word.contains('-')
            && !gazetteer.contains_key(&name_key(word))
            && !is_name_word_with_article(word);
        if !compound {
            prepared.push(token);
            continue;
        }
        let (mut byte, mut char_at) = (token.byte_start, token.span.start);
        for (index, part) in word.split('-').enumerate() {
            if index > 0 {
                prepared.push(Token {
                    span: Span::new(char_at, char_at + 1),
                    byte_start: byte,
                    byte_end: byte + 1,
                    is_word: false,
                });
                byte += 1;
                char_at += 1;
            }
            let chars = part.chars().count();
            if chars > 0 {
                prepared.push(Token {
                    span: Span::new(char_at, char_at + chars),
                    byte_start: byte,
                    byte_end: byte + part.len(),
                    is_word: true,
                });
            }
            byte += part.len();
            char_at += chars;
        }
    }
    prepared
}

/// True for words that start with an Arabic article ("al-Anbar", "ash-Sham").
fn is_name_word_with_article(word: &str) -> bool {
    let folded = fold_text(word);
    ARTICLE_PREFIXES.iter().any(|p| folded.starts_with(p))
}

/// Words that are surnames in this text: the last word of a run of two or more
/// capitalised words that is not itself a place ("Mark Kelly" makes a later "Kelly" a
/// person, not Kelly, Wyoming).
fn surnames(text: &str, tokens: &[Token], gazetteer: &Gazetteer) -> Vec<String> {
    let mut names = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let mut end = i;
        while end < tokens.len()
            && tokens[end].is_capitalised(text)
            && (end == i
                || is_space_between(&text[tokens[end - 1].byte_end..tokens[end].byte_start]))
        {
            end += 1;
        }
        if end - i >= 2 {
            let first = fold_text(tokens[i].text(text));
            let run = &text[tokens[i].byte_start..tokens[end - 1].byte_end];
            if !is_not_place(&first) && !gazetteer.contains_key(&name_key(run)) {
                names.push(fold_text(tokens[end - 1].text(text)));
            }
        }
        i = end.max(i + 1);
    }
    names
}

/// Surfaces of a dotted abbreviation starting at token `i` ("U.S.", "W. Va.", "Ky."),
/// longest first, as (last token index, byte end).
fn abbreviations(text: &str, tokens: &[Token], i: usize) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut j = i;
    while j + 1 < tokens.len()
        && tokens[j].is_word
        && tokens[j].text(text).chars().count() <= 4
        && tokens[j + 1].text(text) == "."
        && (j == i
            || matches!(
                &text[tokens[j - 1].byte_end..tokens[j].byte_start],
                "" | " "
            ))
        && text[tokens[j].byte_end..tokens[j + 1].byte_start].is_empty()
    {
        found.push((j + 1, tokens[j + 1].byte_end));
        j += 2;
    }
    found.reverse();
    found
}

/// True when the most likely entry of a key is a country or a region: such names stay
/// places even inside longer names ("Jamaica Observer"), unlike "Washington Post" or
/// "Mary Loveless".
fn is_major(key: &str, gazetteer: &Gazetteer) -> bool {
    gazetteer
        .lookup(key)
        .max_by(|a, b| prior(a).total_cmp(&prior(b)))
        .is_some_and(|e| e.is_country() || e.feature_class == 'L')
}

/// False when no name of several words can start with this word: no key starts with its
/// key and a space. A lone Arabic article may always start one ("Al Anbar" → "anbar").
fn may_start_longer_name(word: &str, gazetteer: &Gazetteer) -> bool {
    let mut key = name_key(word);
    if crate::name_key::is_article(&key) {
        return true;
    }
    key.push(' ');
    gazetteer.has_key_prefix(&key)
}

/// Finds gazetteer names in `text`, longest match first, left to right, over its tokens
/// prepared by [`prepare_tokens`].
pub fn find_toponyms(text: &str, tokens: &[Token], gazetteer: &Gazetteer) -> Vec<Mention> {
    let surnames = surnames(text, tokens, gazetteer);
    let max_words = gazetteer.longest_key_words().clamp(1, 6);
    let mut mentions = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let first = tokens[i];
        if !first.is_word || !is_name_word(first.text(text)) {
            i += 1;
            continue;
        }
        if let Some(skip_to) = saint_name(text, tokens, i, gazetteer, &mut mentions) {
            i = skip_to;
            continue;
        }
        let abbreviation =
            abbreviations(text, tokens, i)
                .into_iter()
                .find_map(|(last, byte_end)| {
                    let surface = &text[first.byte_start..byte_end];
                    let key = name_key(surface);
                    (gazetteer.contains_key(&key) && plausible(surface, &key, gazetteer))
                        .then_some((last, surface, key))
                });
        let longest = if may_start_longer_name(first.text(text), gazetteer) {
            max_words.min(tokens.len() - i)
        } else {
            1
        };
        let words = || {
            (1..=longest).rev().find_map(|n| {
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
                (gazetteer.contains_key(&key) && plausible(surface, &key, gazetteer))
                    .then(|| (i + n - 1, surface, key))
            })
        };
        let Some((last, surface, key)) = abbreviation.or_else(words) else {
            i += 1;
            continue;
        };
        let major = is_major(&key, gazetteer);
        let previous_is_name = i > 0 && {
            let previous = &tokens[i - 1];
            let folded_previous = fold_text(previous.text(text));
            if is_title(&folded_previous) {
                // "President Obama", "Sen. Kelly": a person.
                i = last + 1;
                continue;
            }
            let sentence_start = i == 1
                || matches!(tokens[i - 2].text(text), "." | "!" | "?" | "«" | "\"" | ":")
                || text[..previous.byte_start].ends_with('\n');
            let folded = fold_text(previous.text(text));
            previous.is_capitalised(text)
                && !sentence_start
                && !is_not_place(&folded)
                && !QUALIFIERS.contains(&folded.as_str())
                && !COMPASS_WORDS.contains(&folded.as_str())
                && !is_calendar_word(&folded)
                && is_space_between(&text[previous.byte_end..first.byte_start])
        };
        let next_is_name = tokens.get(last + 1).is_some_and(|n| {
            n.is_capitalised(text)
                && !INSTITUTION_WORDS.contains(&fold_text(n.text(text)).as_str())
                && is_space_between(&text[tokens[last].byte_end..n.byte_start])
        });
        let speaker = tokens
            .get(last + 1)
            .is_some_and(|n| is_speech_verb(&fold_text(n.text(text))));
        let surname = last == i && !major && (speaker || surnames.contains(&key));
        if !surname && (major || !(previous_is_name || next_is_name)) {
            mentions.push(Mention {
                span: Span::new(first.span.start, tokens[last].span.end),
                text: surface.to_owned(),
                key,
            });
        }
        i = last + 1;
    }
    mentions
}

/// True for common capitalised words that gazetteers list as places ("South", "Mais").
pub(crate) fn is_generic_word(key: &str) -> bool {
    is_not_place(key) || is_calendar_word(key)
}

/// Filters out names that are common words or too short to trust.
fn plausible(surface: &str, key: &str, gazetteer: &Gazetteer) -> bool {
    let all_caps = surface
        .chars()
        .filter(|c| is_letter(*c))
        .all(char::is_uppercase);
    if all_caps && surface.chars().filter(|c| is_letter(*c)).count() <= 4 {
        // "US", "UK", "UAE", "EU": only as the name of a country or region.
        return gazetteer
            .lookup(key)
            .any(|e| e.is_country() || e.feature_class == 'L');
    }
    key.chars().count() >= 3 && !is_not_place(key) && !is_calendar_word(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::SAMPLE;
    use vigie_core::tokenize;

    fn found(text: &str) -> Vec<String> {
        let gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        find_toponyms(
            text,
            &prepare_tokens(text, &tokenize(text), &gazetteer),
            &gazetteer,
        )
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
