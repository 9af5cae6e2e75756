//! Language identification with `lingua`, restricted to the languages Vigie supports.

use std::sync::LazyLock;

use lingua::{LanguageDetector, LanguageDetectorBuilder};
use vigie_core::Language;

static DETECTOR: LazyLock<LanguageDetector> = LazyLock::new(|| {
    LanguageDetectorBuilder::from_languages(&[lingua::Language::French, lingua::Language::English])
        .build()
});

/// Longest prefix (in bytes) looked at: a few paragraphs decide the language.
const SAMPLE_BYTES: usize = 4000;

/// Identifies French or English; `None` when the text has no letters to judge by.
pub fn identify_language(text: &str) -> Option<Language> {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    if !sample.chars().any(char::is_alphabetic) {
        return None;
    }
    match DETECTOR.detect_language_of(sample)? {
        lingua::Language::French => Some(Language::Fr),
        lingua::Language::English => Some(Language::En),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_french_from_english() {
        assert_eq!(
            identify_language(
                "Les forces irakiennes ont découvert trois tunnels près de la frontière."
            ),
            Some(Language::Fr)
        );
        assert_eq!(
            identify_language("Iraqi forces discovered three tunnels near the border on Tuesday."),
            Some(Language::En)
        );
        assert_eq!(identify_language("12 345 — 678"), None);
    }
}
