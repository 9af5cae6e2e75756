//! Language identification, French or English: function words decide when one language
//! clearly dominates, `lingua`'s n-gram models decide the rest.

use std::sync::LazyLock;

use lingua::{LanguageDetector, LanguageDetectorBuilder};
use vigie_core::{Language, is_letter};

static DETECTOR: LazyLock<LanguageDetector> = LazyLock::new(|| {
    LanguageDetectorBuilder::from_languages(&[lingua::Language::French, lingua::Language::English])
        .build()
});

/// Longest prefix (in bytes) looked at: a paragraph of French or English decides the
/// language (lingua is near-perfect on 100+ words; longer samples only cost time).
const SAMPLE_BYTES: usize = 800;

/// Identifies French or English; `None` when the text has no letters to judge by or is
/// mostly written in another script (Cyrillic, Arabic, Chinese …), so neither.
pub fn identify_language(text: &str) -> Option<Language> {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    let (latin, other) =
        sample
            .chars()
            .filter(|c| is_letter(*c))
            .fold((0usize, 0usize), |(latin, other), c| {
                if is_latin(c) {
                    (latin + 1, other)
                } else {
                    (latin, other + 1)
                }
            });
    if latin == 0 || latin < other {
        return None;
    }
    if let Some(language) = by_function_words(sample) {
        return Some(language);
    }
    match DETECTOR.detect_language_of(sample)? {
        lingua::Language::French => Some(Language::Fr),
        lingua::Language::English => Some(Language::En),
    }
}

/// True for letters of the Latin script (basic, Latin-1 and Extended-A/B).
fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || ('\u{C0}'..='\u{24F}').contains(&c)
}

/// Frequent French words that are not English words.
const FRENCH_FUNCTION_WORDS: &[&str] = &[
    "le", "la", "les", "des", "du", "de", "et", "est", "une", "un", "dans", "pour", "que", "qui",
    "sur", "au", "aux", "pas", "ne", "avec", "par", "ce", "cette", "il", "elle", "ils", "ont",
    "sont", "été", "mais", "ou", "leur", "selon", "après", "plus",
];

/// Frequent English words that are not French words.
const ENGLISH_FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "that", "for", "with", "was", "were", "by", "as", "at",
    "from", "be", "has", "have", "are", "it", "its", "this", "which", "said", "but", "or", "their",
    "after", "more", "will", "not", "they", "he", "she",
];

/// Decides by counting function words when one language clearly dominates (news
/// paragraphs are full of them); `None` leaves the decision to the n-gram model.
fn by_function_words(sample: &str) -> Option<Language> {
    let (mut french, mut english) = (0usize, 0usize);
    for word in sample
        .split(|c: char| !is_letter(c))
        .filter(|w| !w.is_empty() && w.len() <= 6)
    {
        let lower = word.to_lowercase();
        french += usize::from(FRENCH_FUNCTION_WORDS.contains(&lower.as_str()));
        english += usize::from(ENGLISH_FUNCTION_WORDS.contains(&lower.as_str()));
    }
    const DECISIVE: usize = 8;
    if french >= DECISIVE && french >= 4 * english {
        Some(Language::Fr)
    } else if english >= DECISIVE && english >= 4 * french {
        Some(Language::En)
    } else {
        None
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

    #[test]
    fn text_in_another_script_is_neither() {
        assert_eq!(
            identify_language("Иракские силы обнаружили три туннеля у границы (Reuters)."),
            None
        );
        assert_eq!(
            identify_language("Le ministre russe Sergueï Lavrov (Сергей Лавров) a parlé."),
            Some(Language::Fr)
        );
    }

    #[test]
    fn function_words_decide_only_when_one_language_dominates() {
        let french = "Selon le ministère, les forces de la coalition ont été déployées dans \
                      la région et le convoi est arrivé pour la relève des troupes.";
        let english = "According to the ministry, the forces of the coalition were deployed \
                       in the region and the convoy has arrived at the base for the relief.";
        assert_eq!(by_function_words(french), Some(Language::Fr));
        assert_eq!(by_function_words(english), Some(Language::En));
        assert_eq!(by_function_words("Le Monde and the Guardian"), None);
        let mixed = format!("{french} {english}");
        assert_eq!(by_function_words(&mixed), None);
    }
}
