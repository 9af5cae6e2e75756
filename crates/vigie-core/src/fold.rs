//! Length-preserving text folding for dictionary matching.
//!
//! Folding maps every code point to exactly one code point (lower case, no diacritics,
//! typographic apostrophes and dashes unified), so a match found in the folded text has
//! the same code-point offsets in the original text.

use unicode_normalization::char::decompose_canonical;

/// Folds one code point: lower case, diacritics removed, `’ʼ‘` → `'`, `‐‑–` → `-`.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' => '\'',
        '\u{2010}' | '\u{2011}' => '-',
        '\u{00A0}' | '\u{202F}' => ' ',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c => {
            let lower = c.to_lowercase().next().unwrap_or(c);
            let mut base = lower;
            let mut first = true;
            decompose_canonical(lower, |d| {
                if first {
                    base = d;
                    first = false;
                }
            });
            base
        }
    }
}

/// Folds a whole string with [`fold_char`]; the result has as many code points as `text`.
pub fn fold_text(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// True for characters that belong inside a word (letters, digits).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_apostrophes() {
        assert_eq!(
            fold_text("Hassaké d’Akachat ÉTATS"),
            "hassake d'akachat etats"
        );
    }

    #[test]
    fn preserves_code_point_count() {
        for text in ["Œuvre ß İstanbul", "Deir ez‑Zor", "Aïn al-Asad"] {
            assert_eq!(fold_text(text).chars().count(), text.chars().count());
        }
    }
}
