//! Word tokenisation for French and English news text.
//!
//! Tokens keep hyphenated names whole ("al-Anbar", "Deir ez-Zor" is three tokens) and
//! split French elisions after the apostrophe ("d'Akachat" → "d'", "Akachat"), while
//! keeping words such as "aujourd'hui" and English possessives ("GI's") intact.

use crate::fold::is_word_char;
use crate::span::Span;

/// One token with its position in both code points and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Code-point span.
    pub span: Span,
    /// Byte offset of the first byte.
    pub byte_start: usize,
    /// Byte offset one past the last byte.
    pub byte_end: usize,
    /// True for words (letters or digits), false for punctuation.
    pub is_word: bool,
}

impl Token {
    /// True for a word whose first letter is upper case.
    pub fn is_capitalised(&self, text: &str) -> bool {
        self.is_word
            && self
                .text(text)
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
    }

    /// The token's text in `text` (the string it was produced from).
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.byte_start..self.byte_end]
    }
}

const ELISIONS: [&str; 13] = [
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}') || is_apostrophe(c)
}

/// Splits `text` into word and punctuation tokens (whitespace is dropped).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5);
    let mut chars = text.char_indices().peekable();
    // Code-point offset of the next character `chars` yields.
    let mut char_at = 0;
    while let Some((byte_start, c)) = chars.next() {
        let start = char_at;
        char_at += 1;
        if c.is_whitespace() {
            continue;
        }
        let mut byte_end = byte_start + c.len_utf8();
        let is_word = is_word_char(c);
        while let Some(&(byte, next)) = chars.peek().filter(|_| is_word) {
            let after = byte + next.len_utf8();
            let joins = is_word_char(next)
                || (is_joiner(next) && text[after..].chars().next().is_some_and(is_word_char));
            if !joins {
                break;
            }
            chars.next();
            char_at += 1;
            let elided = is_apostrophe(next)
                && ELISIONS
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(&text[byte_start..byte]));
            byte_end = after;
            if elided {
                break;
            }
        }
        tokens.push(Token {
            span: Span::new(start, char_at),
            byte_start,
            byte_end,
            is_word,
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text(text)).collect()
    }

    #[test]
    fn keeps_names_and_splits_elisions() {
        assert_eq!(
            words("le désert d'Akachat à al-Anbar, aujourd'hui"),
            [
                "le",
                "désert",
                "d'",
                "Akachat",
                "à",
                "al-Anbar",
                ",",
                "aujourd'hui"
            ]
        );
        assert_eq!(words("l’armée des GI's"), ["l’", "armée", "des", "GI's"]);
    }

    #[test]
    fn spans_are_code_points() {
        let text = "à Hassaké.";
        let tokens = tokenize(text);
        assert_eq!(tokens[1].span, Span::new(2, 9));
        assert!(!tokens[2].is_word);
    }
}
