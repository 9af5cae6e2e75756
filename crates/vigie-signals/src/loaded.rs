//! Loaded language: pejorative labels and emotionally charged wording, from a lexicon
//! written by us (`data/lexicons/loaded_language.tsv`) and from actor aliases the actor
//! dictionary marks as loaded ("daechistes", "supplétifs US").

use std::sync::LazyLock;

use vigie_core::{Document, Language, PhraseSet, PreparedText, Signal, SignalKind};

static EMBEDDED: &str = include_str!("../../../data/lexicons/loaded_language.tsv");

static DEFAULT: LazyLock<LoadedLexicon> = LazyLock::new(|| {
    LoadedLexicon::from_tsv(EMBEDDED).expect("the embedded loaded-language lexicon is valid")
});

#[derive(Debug, Clone)]
struct Technique {
    language: Language,
    label: String,
}

/// Loaded-language patterns labelled with SemEval-2023 persuasion techniques.
#[derive(Debug, Clone, Default)]
pub struct LoadedLexicon {
    patterns: PhraseSet<Technique>,
}

impl LoadedLexicon {
    /// The lexicon embedded in the binary.
    pub fn embedded() -> &'static LoadedLexicon {
        &DEFAULT
    }

    /// Reads `lang<TAB>pattern<TAB>technique<TAB>note` rows (header first, `#` comments).
    pub fn from_tsv(text: &str) -> Result<Self, String> {
        let mut patterns = PhraseSet::default();
        for (number, fields) in vigie_core::tsv::rows(text) {
            let (Some(lang), Some(pattern), Some(technique)) =
                (fields.first(), fields.get(1), fields.get(2))
            else {
                return Err(format!(
                    "loaded-language line {}: expected lang, pattern, technique",
                    number
                ));
            };
            let language = Language::from_code(lang)
                .ok_or_else(|| format!("loaded-language line {number}: unknown language {lang}"))?;
            patterns.insert(
                pattern,
                Technique {
                    language,
                    label: (*technique).to_owned(),
                },
            );
        }
        Ok(Self { patterns })
    }

    /// The technique labels of the lexicon's hits in `text`, one per hit.
    pub fn techniques_in(&self, text: &str, language: Option<Language>) -> Vec<&str> {
        self.patterns
            .find(text, |t| language.is_none_or(|l| l == t.language))
            .into_iter()
            .map(|(_, technique)| technique.label.as_str())
            .collect()
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// True when there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// One signal per loaded expression and per loaded actor name.
/// `prepared` is `doc.text` prepared.
pub fn signals(doc: &Document, prepared: &PreparedText, lexicon: &LoadedLexicon) -> Vec<Signal> {
    let index = &prepared.index;
    let mut signals: Vec<Signal> = lexicon
        .patterns
        .find_in_tokens(prepared.folded.as_str(), &prepared.folded_tokens, |t| {
            doc.language.is_none_or(|l| l == t.language)
        })
        .into_iter()
        .map(|(span, technique)| Signal {
            kind: SignalKind::LoadedLanguage,
            span: Some(span),
            detail: format!("{}: “{}”", technique.label, index.slice(&doc.text, span)),
            score: 0.6,
        })
        .collect();
    for entity in doc.entities.iter().filter(|e| e.loaded) {
        if signals
            .iter()
            .any(|s| s.span.is_some_and(|s| s.overlaps(entity.span)))
        {
            continue;
        }
        signals.push(Signal {
            kind: SignalKind::LoadedLanguage,
            span: Some(entity.span),
            detail: format!(
                "Name_Calling-Labeling: “{}” is a pejorative name for {}",
                entity.text,
                entity.actor.as_deref().unwrap_or("an actor")
            ),
            score: 0.8,
        });
    }
    signals.sort_by_key(|s| s.span.map(|s| s.start));
    signals
}
