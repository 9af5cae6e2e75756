//! Normalisation of place names into lookup keys.

use vigie_core::{fold_text, is_letter, is_word_char};

/// Arabic definite articles dropped from the front of a name ("al-Anbar" → "anbar").
const ARTICLES: &[&str] = &[
    "al", "el", "as", "ash", "ad", "an", "ar", "at", "az", "ech", "ed", "es", "er", "et", "ez",
];

/// The lookup key of a name: folded (case, accents), hyphens and apostrophes as spaces,
/// spaces collapsed, a leading Arabic article removed. `"al-Ḥasakah"` and `"Hasakah"`
/// share the key `"hasakah"`.
pub fn name_key(name: &str) -> String {
    if let Some(key) = abbreviation_key(name) {
        return key;
    }
    let folded = fold_text(name);
    let mut words = folded
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty());
    let mut key = String::with_capacity(folded.len());
    let Some(first) = words.next() else {
        return key;
    };
    let second = words.next();
    if second.is_none() || !is_article(first) {
        key.push_str(first);
    }
    for word in second.into_iter().chain(words) {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    key
}

/// True for an Arabic article that [`name_key`] drops before a following word.
pub(crate) fn is_article(word: &str) -> bool {
    ARTICLES.contains(&word)
}

/// The key of a dotted abbreviation ("U.S." → "u.s.", "W. Va." → "w.va.", "Ky." → "ky."):
/// groups of at most four letters, each followed by a period. Dots are kept so that
/// "Ky." and the word "Ky" stay apart.
fn abbreviation_key(name: &str) -> Option<String> {
    if !name.trim_end().ends_with('.') {
        return None;
    }
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let groups: Vec<&str> = compact.strip_suffix('.')?.split('.').collect();
    let well_formed = groups
        .iter()
        .all(|g| (1..=4).contains(&g.chars().count()) && g.chars().all(is_letter));
    well_formed.then(|| fold_text(&compact))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_articles_accents_and_punctuation() {
        assert_eq!(name_key("al-Anbar"), "anbar");
        assert_eq!(name_key("Al Anbar"), "anbar");
        assert_eq!(name_key("Ash Shaddādah"), "shaddadah");
        assert_eq!(name_key("Deir ez-Zor"), "deir ez zor");
        assert_eq!(name_key("Hassaké"), "hassake");
        assert_eq!(name_key("Al"), "al");
        assert_eq!(name_key("U.S."), "u.s.");
        assert_eq!(name_key("W. Va."), "w.va.");
        assert_eq!(name_key("St. Louis"), "st louis");
    }
}
