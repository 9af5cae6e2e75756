//! Trigger detection: words and phrases that signal a PLOVER event
//! (`data/lexicons/event_triggers.tsv`).

use std::sync::LazyLock;

use vigie_core::lexicon::weekday_number;
use vigie_core::{EventType, Language, PhraseSet, PreparedText, Span, Token};

static EMBEDDED: &str = include_str!("../../../data/lexicons/event_triggers.tsv");

static DEFAULT: LazyLock<TriggerLexicon> = LazyLock::new(|| {
    TriggerLexicon::from_tsv(EMBEDDED).expect("the embedded trigger lexicon is valid")
});

/// What a trigger pattern signals.
#[derive(Debug, Clone, PartialEq)]
struct Signalled {
    language: Language,
    event_type: EventType,
    mode: Option<String>,
}

/// A trigger found in a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// Where it is in the document.
    pub span: Span,
    /// The event type it signals.
    pub event_type: EventType,
    /// The PLOVER mode it implies, if any.
    pub mode: Option<String>,
}

/// Trigger patterns for French and English.
#[derive(Debug, Clone)]
pub struct TriggerLexicon {
    patterns: PhraseSet<Signalled>,
}

impl TriggerLexicon {
    /// The lexicon embedded in the binary.
    pub fn embedded() -> &'static TriggerLexicon {
        &DEFAULT
    }

    /// Reads the TSV format documented at the top of `data/lexicons/event_triggers.tsv`.
    pub fn from_tsv(text: &str) -> Result<Self, String> {
        let mut patterns = PhraseSet::default();
        for (number, fields) in vigie_core::tsv::rows(text) {
            let (lang, pattern, event_type, mode) = match fields[..] {
                [lang, pattern, event_type, mode] => (lang, pattern, event_type, mode),
                [lang, pattern, event_type] => (lang, pattern, event_type, ""),
                _ => return Err(format!("triggers line {}: expected 4 fields", number)),
            };
            let language = Language::from_code(lang)
                .ok_or_else(|| format!("triggers line {number}: unknown language {lang}"))?;
            let event_type = EventType::from_name(event_type).ok_or_else(|| {
                format!("triggers line {}: unknown event type {event_type}", number)
            })?;
            let mode = Some(mode.trim().to_owned()).filter(|m| !m.is_empty());
            patterns.insert(
                pattern,
                Signalled {
                    language,
                    event_type,
                    mode,
                },
            );
        }
        Ok(Self { patterns })
    }

    /// Triggers in the `sentence` of a prepared document text for `language` (both
    /// languages when unknown), longest first, without overlaps, with spans in the
    /// document.
    pub fn find_in_sentence(
        &self,
        prepared: &PreparedText,
        sentence: Span,
        language: Option<Language>,
    ) -> Vec<Trigger> {
        let folded = prepared.folded.as_str();
        // "a accepté jeudi les exigences": a day standing inside a phrase does not break it.
        let words: Vec<Token> = prepared
            .folded_tokens_in(sentence)
            .iter()
            .filter(|t| !is_time_word(t.text(folded)))
            .copied()
            .collect();
        self.patterns
            .find_in_tokens(folded, &words, |s| language.is_none_or(|l| l == s.language))
            .into_iter()
            .map(|(span, s)| Trigger {
                span,
                event_type: s.event_type,
                mode: s.mode.clone(),
            })
            .collect()
    }
}

/// True for folded day names and day words ("jeudi", "today", "hier").
fn is_time_word(word: &str) -> bool {
    weekday_number(word).is_some()
        || ["today", "yesterday", "tomorrow", "hier", "demain"].contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Triggers in `text` taken as one sentence.
    fn find(lexicon: &TriggerLexicon, text: &str, language: Language) -> Vec<Trigger> {
        let sentence = Span::new(0, text.chars().count());
        lexicon.find_in_sentence(&PreparedText::new(text), sentence, Some(language))
    }

    #[test]
    fn finds_longest_triggers_with_prefixes_and_elisions() {
        let lexicon = TriggerLexicon::from_tsv(
            "lang\tpattern\ttype\tmode\nfr\tattaqu*\tASSAULT\t\nfr\ts'abatt*\tASSAULT\t\nfr\tfrappe*\tASSAULT\theavy-weapons\nfr\tfrappes aeriennes\tASSAULT\theavy-weapons\nen\tattack*\tASSAULT\t\n",
        )
        .unwrap();
        let text = "Les forces s’abattent sur eux après des frappes aériennes et ont attaqué.";
        let found = find(&lexicon, text, Language::Fr);
        let chars: Vec<char> = text.chars().collect();
        let words: Vec<String> = found
            .iter()
            .map(|t| chars[t.span.start..t.span.end].iter().collect())
            .collect();
        assert_eq!(words, ["s’abattent", "frappes aériennes", "attaqué"]);
        assert!(find(&lexicon, "They attacked.", Language::Fr).is_empty());
        assert_eq!(find(&lexicon, "They attacked.", Language::En).len(), 1);
    }

    #[test]
    fn a_day_inside_a_phrase_does_not_break_it() {
        let lexicon = TriggerLexicon::from_tsv(
            "lang\tpattern\ttype\tmode\nfr\taccept*\tAGREE\t\nfr\taccepte les exigences\tCONCEDE\t\n",
        )
        .unwrap();
        let found = find(
            &lexicon,
            "Le gouvernement a accepté jeudi les exigences.",
            Language::Fr,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].event_type, EventType::Concede);
    }

    #[test]
    fn embedded_lexicon_loads() {
        assert!(TriggerLexicon::embedded().patterns.len() > 100);
    }
}
