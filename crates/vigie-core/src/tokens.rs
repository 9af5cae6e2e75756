//! Word tokenisation for French and English news text.
//!
//! Tokens keep hyphenated names whole ("al-Anbar", "Deir ez-Zor" is three tokens) and
//! split French elisions after the apostrophe ("d'Akachat" → "d'", "Akachat"), while
//! keeping words such as "aujourd'hui" and English possessives ("GI's") intact.

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
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if !c.is_alphanumeric() {
            tokens.push(Token {
                span: Span::new(i, i + 1),
                byte_start: byte_at(i),
                byte_end: byte_at(i + 1),
                is_word: false,
            });
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while end < chars.len() {
            let c = chars[end].1;
            if c.is_alphanumeric() {
                end += 1;
            } else if is_joiner(c)
                && chars
                    .get(end + 1)
                    .is_some_and(|&(_, n)| n.is_alphanumeric())
            {
                if is_apostrophe(c) {
                    let prefix = text[byte_at(start)..byte_at(end)].to_lowercase();
                    if ELISIONS.contains(&prefix.as_str()) {
                        end += 1;
                        break;
                    }
                }
                end += 1;
            } else {
                break;
            }
        }
        tokens.push(Token {
            span: Span::new(start, end),
            byte_start: byte_at(start),
            byte_end: byte_at(end),
            is_word: true,
        });
        i = end;
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
