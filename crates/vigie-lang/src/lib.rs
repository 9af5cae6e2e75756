//! Language stage: identifies the language of a document and splits its text into
//! sentences.

pub mod identify;
pub mod sentences;

pub use identify::identify_language;
pub use sentences::split_sentences;

use vigie_core::{Document, Language};

/// How the language of a document is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LanguageChoice {
    /// Identify it from the text.
    #[default]
    Auto,
    /// Use this language.
    Fixed(Language),
}

/// Runs the stage: sets `language` (unless already set) and `sentences`.
pub fn analyze(doc: &mut Document, choice: LanguageChoice) {
    doc.language = match choice {
        LanguageChoice::Fixed(language) => Some(language),
        LanguageChoice::Auto => doc.language.or_else(|| identify_language(&doc.text)),
    };
    doc.sentences = split_sentences(&doc.text);
}
