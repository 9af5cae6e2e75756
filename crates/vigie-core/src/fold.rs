//! Length-preserving text folding for dictionary matching.
//!
//! Folding maps every code point to exactly one code point (lower case, no diacritics,
//! typographic apostrophes and dashes unified), so a match found in the folded text has
//! the same code-point offsets in the original text.

use unicode_normalization::char::decompose_canonical;

use crate::span::Span;
use crate::text_index::TextIndex;
use crate::tokens::{Token, tokenize};

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
    if text.is_ascii() {
        // The common case, without per-character decoding.
        let mut folded = text.to_ascii_lowercase();
        if folded.contains('`') {
            folded = folded.replace('`', "'");
        }
        return folded;
    }
    let mut folded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        // Runs of ASCII letters are folded in bulk, other code points one by one.
        let run = rest
            .bytes()
            .position(|b| !b.is_ascii_alphanumeric() && b != b' ')
            .unwrap_or(rest.len());
        if run > 0 {
            let start = folded.len();
            folded.push_str(&rest[..run]);
            folded[start..].make_ascii_lowercase();
            rest = &rest[run..];
        } else {
            folded.push(fold_char(c));
            rest = &rest[c.len_utf8()..];
        }
    }
    folded
}

/// A text folded once, whose folded stretches are read by code-point span without
/// allocating (folding keeps code-point offsets).
#[derive(Debug, Clone)]
pub struct FoldedText {
    folded: String,
    index: TextIndex,
}

impl FoldedText {
    /// Folds `text` with [`fold_text`].
    pub fn new(text: &str) -> Self {
        let folded = fold_text(text);
        let index = TextIndex::new(&folded);
        Self { folded, index }
    }

    /// The folded form of the code-point span `span` of the original text.
    pub fn slice(&self, span: Span) -> &str {
        self.index.slice(&self.folded, span)
    }

    /// The whole folded text.
    pub fn as_str(&self) -> &str {
        &self.folded
    }

    /// The code-point index of the folded text.
    pub fn index(&self) -> &TextIndex {
        &self.index
    }
}

/// The views of a document's text that several stages read, built once per document:
/// its code-point index, its tokens, its folded form and the tokens of the folded form.
/// The text must not change afterwards.
#[derive(Debug, Clone)]
pub struct PreparedText {
    /// Code-point index of the text.
    pub index: TextIndex,
    /// Tokens of the text (for names, pronouns and places).
    pub tokens: Vec<Token>,
    /// The folded text.
    pub folded: FoldedText,
    /// Tokens of the folded text (for phrase lexicons).
    pub folded_tokens: Vec<Token>,
}

impl PreparedText {
    /// Prepares `text`.
    pub fn new(text: &str) -> Self {
        let folded = FoldedText::new(text);
        let folded_tokens = tokenize(folded.as_str());
        Self {
            index: TextIndex::new(text),
            tokens: tokenize(text),
            folded,
            folded_tokens,
        }
    }

    /// The folded tokens that lie inside `span`.
    pub fn folded_tokens_in(&self, span: Span) -> &[Token] {
        let start = self
            .folded_tokens
            .partition_point(|t| t.span.start < span.start);
        let end = self
            .folded_tokens
            .partition_point(|t| t.span.end <= span.end);
        &self.folded_tokens[start..end.max(start)]
    }
}

/// True for characters that belong inside a word (letters, digits): the same answer as
/// [`char::is_alphanumeric`], with ASCII, Latin and Cyrillic script and general
/// punctuation answered without the Unicode tables.
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    match c {
        '\u{B2}' | '\u{B3}' | '\u{B9}' | '\u{BC}'..='\u{BE}' => true,
        '\u{80}'..='\u{24F}' | '\u{400}'..='\u{52F}' | '\u{2000}'..='\u{206F}' => is_letter(c),
        _ => c.is_alphanumeric(),
    }
}

/// True for letters: the same answer as [`char::is_alphabetic`], with ASCII, Latin
/// (accented letters included) and Cyrillic script and general punctuation (curly
/// quotes, dashes, spaces) answered without the Unicode tables.
#[inline]
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    match c {
        '\u{AA}' | '\u{B5}' | '\u{BA}' => true,
        '\u{80}'..='\u{BF}' | '\u{D7}' | '\u{F7}' | '\u{2000}'..='\u{206F}' => false,
        '\u{C0}'..='\u{24F}' | '\u{400}'..='\u{481}' | '\u{48A}'..='\u{52F}' => true,
        _ => c.is_alphabetic(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_and_word_char_agree_with_the_unicode_tables_on_every_char() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn folds_accents_case_and_apostrophes() {
        assert_eq!(
            fold_text("Hassaké d’Akachat ÉTATS"),
            "hassake d'akachat etats"
        );
    }

    #[test]
    fn text_folds_like_each_character() {
        for text in ["Deir EZ-Zor's `Quote`", "Deir EZ-Zor's `Quote` – d’Akachat"] {
            let by_character: String = text.chars().map(fold_char).collect();
            assert_eq!(fold_text(text), by_character);
        }
    }

    #[test]
    fn folded_text_reads_by_original_spans() {
        let folded = FoldedText::new("Œuvre à Hassaké");
        assert_eq!(folded.slice(Span::new(8, 15)), "hassake");
        assert_eq!(folded.slice(Span::new(6, 7)), "a");
    }

    #[test]
    fn preserves_code_point_count() {
        for text in ["Œuvre ß İstanbul", "Deir ez‑Zor", "Aïn al-Asad"] {
            assert_eq!(fold_text(text).chars().count(), text.chars().count());
        }
    }
}
