//! CAMEO verb patterns (`data/events/cameo-verbs.tsv`, built from PETRARCH2's CAMEO
//! dictionary by `scripts/build-cameo-verbs.py`): a verb, the words that must come before
//! and after it in its sentence, and the PLOVER type and mode they code.
//!
//! PETRARCH matches its patterns on a parse tree; here a pattern's words are looked for
//! in order in a window of words on either side of the verb, within its sentence. The
//! pattern that names the most words wins; a verb no pattern matches codes what the verb
//! alone codes, if anything.

use std::sync::{Arc, LazyLock};

use rustc_hash::FxHashMap;

use vigie_core::{EventType, Language, PhraseSet, PreparedText, Span, Token, fold_text, tokenize};

use crate::triggers::Trigger;

static EMBEDDED: &str = include_str!("../../../data/events/cameo-verbs.tsv");

static DEFAULT: LazyLock<CameoVerbs> =
    LazyLock::new(|| CameoVerbs::from_tsv(EMBEDDED).expect("the embedded CAMEO verbs are valid"));

/// How many words before the verb a pattern's preceding words may stand.
const WORDS_BEFORE: usize = 6;
/// How many words after the verb a pattern's following words may stand.
const WORDS_AFTER: usize = 10;

/// Folded words after which a verb form is a noun ("the attack", "son appel").
const DETERMINERS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "its", "his", "her", "their", "our", "my",
    "your", "no", "le", "la", "les", "l", "un", "une", "des", "du", "ce", "cet", "cette", "ces",
    "son", "sa", "ses", "leur", "leurs", "notre", "nos", "votre", "vos",
];

/// What a verb or a pattern codes.
#[derive(Debug, Clone, PartialEq)]
struct Coded {
    event_type: EventType,
    mode: Option<String>,
}

/// A folded word of the patterns, by its number in [`Vocabulary`].
type WordId = u32;

/// The words patterns name, numbered: a sentence's words are looked up once, and patterns
/// compare numbers.
#[derive(Debug, Clone, Default)]
struct Vocabulary(FxHashMap<String, WordId>);

impl Vocabulary {
    fn add(&mut self, word: String) -> WordId {
        let next = self.0.len() as WordId;
        *self.0.entry(word).or_insert(next)
    }

    /// The numbers of `words` (None: a word no pattern names).
    fn numbers(&self, words: &[&str]) -> Vec<Option<WordId>> {
        words.iter().map(|w| self.0.get(*w).copied()).collect()
    }
}

/// One word of a pattern: its alternatives, each a sequence of words, by their first
/// word.
#[derive(Debug, Clone, Default)]
struct Slot(FxHashMap<WordId, Vec<Vec<WordId>>>);

impl Slot {
    /// A slot of `|`-separated alternatives, a phrase's words joined by `_`.
    fn parse(alternatives: &str, vocabulary: &mut Vocabulary) -> Self {
        let mut slot = Slot::default();
        for phrase in alternatives.split('|').map(phrase_words) {
            let mut ids = phrase.into_iter().map(|w| vocabulary.add(w));
            if let Some(first) = ids.next() {
                let rest: Vec<WordId> = ids.collect();
                let at = slot.0.entry(first).or_default();
                if !at.contains(&rest) {
                    at.push(rest);
                }
            }
        }
        slot
    }

    /// The length of the longest alternative that starts at `words[0]`.
    fn match_at(&self, words: &[Option<WordId>]) -> Option<usize> {
        let (first, rest) = words.split_first()?;
        self.0
            .get(&(*first)?)?
            .iter()
            .filter(|tail| {
                tail.len() <= rest.len() && tail.iter().zip(rest).all(|(t, w)| Some(*t) == *w)
            })
            .map(|tail| tail.len() + 1)
            .max()
    }
}

#[derive(Debug, Clone)]
struct Pattern {
    language: Language,
    before: Vec<Arc<Slot>>,
    after: Vec<Arc<Slot>>,
    coded: Coded,
}

/// A verb form's block and what the verb codes alone.
#[derive(Debug, Clone)]
struct VerbForm {
    language: Language,
    block: usize,
    alone: Option<Coded>,
}

/// The CAMEO verb dictionary: verb forms grouped in synonym blocks, each block with its
/// patterns.
#[derive(Debug, Clone)]
pub struct CameoVerbs {
    /// One-word forms (most of them), looked up directly.
    words: FxHashMap<String, Vec<VerbForm>>,
    /// Forms of several words ("called off", "ouvert le feu").
    phrases: PhraseSet<VerbForm>,
    /// Each block's patterns.
    blocks: Vec<Block>,
    vocabulary: Vocabulary,
}

impl CameoVerbs {
    /// The dictionary embedded in the binary.
    pub fn embedded() -> &'static CameoVerbs {
        &DEFAULT
    }

    /// Reads the TSV format documented at the top of `data/events/cameo-verbs.tsv`.
    pub fn from_tsv(text: &str) -> Result<Self, String> {
        let mut sets: FxHashMap<&str, Arc<Slot>> = FxHashMap::default();
        let mut block_numbers: FxHashMap<&str, usize> = FxHashMap::default();
        let mut words: FxHashMap<String, Vec<VerbForm>> = FxHashMap::default();
        let mut phrases = PhraseSet::default();
        let mut vocabulary = Vocabulary::default();
        let mut blocks: Vec<Block> = Vec::new();
        for (number, fields) in vigie_core::tsv::rows(text) {
            let error = |what: &str| format!("CAMEO verbs line {number}: {what}");
            match fields[..] {
                ["set", name, alternatives] => {
                    sets.insert(name, Arc::new(Slot::parse(alternatives, &mut vocabulary)));
                }
                ["verb", lang, block, verb_forms, _cameo, event_type, mode] => {
                    let language =
                        Language::from_code(lang).ok_or_else(|| error("unknown language"))?;
                    let block = *block_numbers.entry(block).or_insert_with(|| {
                        blocks.push(Block::default());
                        blocks.len() - 1
                    });
                    let alone = coded(event_type, mode).map_err(|e| error(&e))?;
                    for form in verb_forms.split(',') {
                        let verb = VerbForm {
                            language,
                            block,
                            alone: alone.clone(),
                        };
                        match phrase_words(form)[..] {
                            [ref word] if !form.ends_with('*') => {
                                words.entry(word.clone()).or_default().push(verb)
                            }
                            _ => phrases.insert(&form.replace('_', " "), verb),
                        }
                    }
                }
                [
                    "pattern",
                    lang,
                    block,
                    before,
                    after,
                    _cameo,
                    event_type,
                    mode,
                ] => {
                    let language =
                        Language::from_code(lang).ok_or_else(|| error("unknown language"))?;
                    let &block = block_numbers
                        .get(block)
                        .ok_or_else(|| error("pattern before its block's verbs"))?;
                    let coded = coded(event_type, mode)
                        .map_err(|e| error(&e))?
                        .ok_or_else(|| error("a pattern without a type"))?;
                    let mut slots = |side: &str| -> Result<Vec<Arc<Slot>>, String> {
                        side.split_whitespace()
                            .map(|word| match word.strip_prefix('&') {
                                Some(_) => sets
                                    .get(word)
                                    .cloned()
                                    .ok_or_else(|| error(&format!("unknown set {word}"))),
                                None => Ok(Arc::new(Slot::parse(word, &mut vocabulary))),
                            })
                            .collect()
                    };
                    let (before, after) = (slots(before)?, slots(after)?);
                    if before.is_empty() && after.is_empty() {
                        return Err(error("a pattern naming no word"));
                    }
                    blocks[block].add(Pattern {
                        language,
                        before,
                        after,
                        coded,
                    });
                }
                _ => return Err(error("unexpected row")),
            }
        }
        Ok(Self {
            words,
            phrases,
            blocks,
            vocabulary,
        })
    }

    /// Triggers coded by the dictionary in the `sentence` of a prepared text, in
    /// `language` (both when unknown).
    pub fn find_in_sentence(
        &self,
        prepared: &PreparedText,
        sentence: Span,
        language: Option<Language>,
    ) -> Vec<Trigger> {
        let folded = prepared.folded.as_str();
        let tokens = prepared.folded_tokens_in(sentence);
        let words: Vec<&str> = tokens.iter().map(|t| t.text(folded)).collect();
        let accept = |l: Language| language.is_none_or(|wanted| wanted == l);
        let mut found: Vec<(Span, &VerbForm)> =
            self.phrases
                .find_in_tokens(folded, tokens, |form| accept(form.language));
        for (token, word) in tokens.iter().zip(&words) {
            if found.iter().any(|(span, _)| span.overlaps(token.span)) {
                continue;
            }
            if let Some(form) = self
                .words
                .get(*word)
                .and_then(|forms| forms.iter().find(|f| accept(f.language)))
            {
                found.push((token.span, form));
            }
        }
        if found.is_empty() {
            return Vec::new();
        }
        found.sort_by_key(|(span, _)| span.start);
        let numbers = self.vocabulary.numbers(&words);
        found
            .into_iter()
            .filter_map(|(span, form)| {
                let first = tokens.partition_point(|t: &Token| t.span.start < span.start);
                let last = tokens.partition_point(|t: &Token| t.span.end <= span.end);
                // "the decree", "une visite": a form after a determiner is a noun.
                if first > 0 && DETERMINERS.contains(&words[first - 1]) {
                    return None;
                }
                let coded = self.blocks[form.block]
                    .candidates(&numbers, first, last)
                    .filter(|p| accept(p.language))
                    .filter_map(|p| p.matched_words(&numbers, first, last).map(|n| (n, p)))
                    // The most specific pattern; the first among equals.
                    .fold(None, |best: Option<(usize, &Pattern)>, (n, p)| match best {
                        Some((m, _)) if m >= n => best,
                        _ => Some((n, p)),
                    })
                    .map(|(_, p)| &p.coded)
                    .or(form.alone.as_ref())?;
                Some(Trigger {
                    span,
                    event_type: coded.event_type,
                    mode: coded.mode.clone(),
                })
            })
            .collect()
    }
}

/// A block's patterns, indexed by the words of their first slot.
#[derive(Debug, Clone, Default)]
struct Block {
    patterns: Vec<Pattern>,
    /// Patterns by each first word of their first slot (before the verb if they name
    /// words there, else after it).
    by_first_word: FxHashMap<WordId, Vec<usize>>,
}

impl Block {
    /// Adds a pattern that names at least one word.
    fn add(&mut self, pattern: Pattern) {
        let first_slot = pattern.before.first().or(pattern.after.first());
        for &word in first_slot.into_iter().flat_map(|slot| slot.0.keys()) {
            self.by_first_word
                .entry(word)
                .or_default()
                .push(self.patterns.len());
        }
        self.patterns.push(pattern);
    }

    /// The patterns whose first slot could match a word around the verb at
    /// `words[first..last]`, in the block's order.
    fn candidates<'b>(
        &'b self,
        words: &[Option<WordId>],
        first: usize,
        last: usize,
    ) -> impl Iterator<Item = &'b Pattern> {
        let window =
            &words[first.saturating_sub(WORDS_BEFORE)..words.len().min(last + WORDS_AFTER)];
        let mut indices: Vec<usize> = window
            .iter()
            .flatten()
            .filter_map(|word| self.by_first_word.get(word))
            .flatten()
            .copied()
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices.into_iter().map(|i| &self.patterns[i])
    }
}

impl Pattern {
    /// How many words the pattern matches around the verb at `words[first..last]`, or
    /// None when it does not match.
    fn matched_words(&self, words: &[Option<WordId>], first: usize, last: usize) -> Option<usize> {
        let before = &words[first.saturating_sub(WORDS_BEFORE)..first];
        let after = &words[last..words.len().min(last + WORDS_AFTER)];
        Some(in_order(&self.before, before)? + in_order(&self.after, after)?)
    }
}

/// The number of words `slots` match in `words`, each slot after the previous one, or
/// None when one is missing.
fn in_order(slots: &[Arc<Slot>], words: &[Option<WordId>]) -> Option<usize> {
    let mut at = 0;
    let mut matched = 0;
    for slot in slots {
        let (start, length) =
            (at..words.len()).find_map(|start| Some((start, slot.match_at(&words[start..])?)))?;
        at = start + length;
        matched += length;
    }
    Some(matched)
}

/// The folded words of a dictionary phrase (`armed_forces`).
fn phrase_words(phrase: &str) -> Vec<String> {
    let folded = fold_text(&phrase.replace('_', " "));
    tokenize(&folded)
        .iter()
        .map(|t| t.text(&folded).to_owned())
        .collect()
}

/// The PLOVER type and mode columns; an empty type codes nothing. A mode the type does
/// not have ([`EventType::modes`]) is left out: the 2021 table names a few its manual's
/// tables do not ("martial-law", "ease", "pro-autocracy").
fn coded(event_type: &str, mode: &str) -> Result<Option<Coded>, String> {
    if event_type.is_empty() {
        return Ok(None);
    }
    let event_type = EventType::from_name(event_type)
        .ok_or_else(|| format!("unknown event type {event_type}"))?;
    Ok(Some(Coded {
        event_type,
        mode: event_type
            .modes()
            .iter()
            .find(|&&m| m == mode)
            .map(|&m| m.to_owned()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DICTIONARY: &str = "kind\tcolumns
set\t&MILITARY\tarmy|troops|armed_forces
verb\ten\tARRANGE\tstage,stages,staged,staging\t\t\t
verb\ten\tATTACK\tattack,attacks,attacked,attacking\t190\tASSAULT\t
pattern\ten\tARRANGE\t\tprotest|protests\t141\tPROTEST\tdemo
pattern\ten\tARRANGE\t&MILITARY\texercises\t062\tCOOPERATE\tmilitary
pattern\ten\tARRANGE\t\tair raid|raids\t195\tASSAULT\theavy-weapons
";

    fn coded(text: &str) -> Vec<(String, EventType, Option<String>)> {
        let verbs = CameoVerbs::from_tsv(DICTIONARY).unwrap();
        let prepared = PreparedText::new(text);
        let sentence = Span::new(0, text.chars().count());
        verbs
            .find_in_sentence(&prepared, sentence, Some(Language::En))
            .into_iter()
            .map(|t| {
                let trigger: String = text.chars().skip(t.span.start).take(t.span.len()).collect();
                (trigger, t.event_type, t.mode)
            })
            .collect()
    }

    #[test]
    fn the_words_around_the_verb_choose_the_code() {
        assert_eq!(
            coded("Students staged a large protest in the capital."),
            [("staged".into(), EventType::Protest, Some("demo".into()))]
        );
        assert_eq!(
            coded("The armed forces staged joint exercises."),
            [(
                "staged".into(),
                EventType::Cooperate,
                // COOPERATE has no modes: "military" is left out.
                None
            )]
        );
        // The most specific pattern wins: "air raid" names two words.
        assert_eq!(
            coded("Jets staged an air raid on the town."),
            [(
                "staged".into(),
                EventType::Assault,
                Some("heavy-weapons".into())
            )]
        );
    }

    #[test]
    fn a_verb_codes_alone_only_when_the_dictionary_says_so() {
        assert_eq!(coded("They staged a play."), []);
        assert_eq!(
            coded("Rebels attacked the convoy."),
            [("attacked".into(), EventType::Assault, None)]
        );
        // Words out of order, or too far from the verb, do not match.
        assert_eq!(coded("Exercises were staged."), []);
    }

    #[test]
    fn a_bad_row_is_an_error_naming_its_line() {
        let error = CameoVerbs::from_tsv("kind\tcolumns\nverb\tde\tX\tx\t\t\t\n").unwrap_err();
        assert!(
            error.contains("line 2") && error.contains("language"),
            "{error}"
        );
        let error = CameoVerbs::from_tsv("kind\tcolumns\npattern\ten\tX\t\tx\t190\tASSAULT\t\n")
            .unwrap_err();
        assert!(error.contains("before its block"), "{error}");
        let error = CameoVerbs::from_tsv(
            "kind\tcolumns\nverb\ten\tX\tx\t\t\t\npattern\ten\tX\t\t\t190\tASSAULT\t\n",
        )
        .unwrap_err();
        assert!(
            error.contains("line 3") && error.contains("no word"),
            "{error}"
        );
    }
}
