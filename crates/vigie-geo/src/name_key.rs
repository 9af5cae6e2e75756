//! Normalisation of place names into lookup keys.

use vigie_core::fold_text;

/// Arabic definite articles dropped from the front of a name ("al-Anbar" → "anbar").
const ARTICLES: &[&str] = &[
    "al", "el", "as", "ash", "ad", "an", "ar", "at", "az", "ech", "ed", "es", "er", "et", "ez",
];

/// The lookup key of a name: folded (case, accents), hyphens and apostrophes as spaces,
/// spaces collapsed, a leading Arabic article removed. `"al-Ḥasakah"` and `"Hasakah"`
/// share the key `"hasakah"`.
pub fn name_key(name: &str) -> String {
    let folded: String = fold_text(name)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    let words = match words.split_first() {
        Some((first, rest)) if !rest.is_empty() && ARTICLES.contains(first) => rest,
        _ => &words[..],
    };
    words.join(" ")
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
    }
}
