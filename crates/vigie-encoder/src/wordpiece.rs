//! The uncased BERT tokenizer: basic tokenization (cleaning, lowercasing, accent
//! stripping, punctuation splitting) followed by greedy longest-match WordPiece.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words longer than this many characters become `[UNK]`, as in BERT.
const MAX_WORD_CHARS: usize = 100;

/// A WordPiece vocabulary and the ids of its special tokens.
#[derive(Debug, Clone)]
pub struct WordPiece {
    ids: HashMap<String, u32>,
    /// `[CLS]`, put before every sequence.
    pub cls: u32,
    /// `[SEP]`, put after every sequence.
    pub sep: u32,
    unknown: u32,
}

impl WordPiece {
    /// Reads a `vocab.txt` (one token per line, the id being the line number).
    pub fn from_vocab(vocab: &str) -> Result<Self, String> {
        let ids: HashMap<String, u32> = vocab
            .lines()
            .enumerate()
            .map(|(id, token)| (token.to_owned(), id as u32))
            .collect();
        let special = |token: &str| {
            ids.get(token)
                .copied()
                .ok_or_else(|| format!("vocabulary has no {token}"))
        };
        Ok(Self {
            cls: special("[CLS]")?,
            sep: special("[SEP]")?,
            unknown: special("[UNK]")?,
            ids,
        })
    }

    /// Token ids of `text`: `[CLS]`, at most `max_tokens - 2` word pieces, `[SEP]`.
    pub fn encode(&self, text: &str, max_tokens: usize) -> Vec<u32> {
        let mut ids = vec![self.cls];
        let room = max_tokens.saturating_sub(1);
        'words: for word in basic_tokens(text) {
            for id in self.word_pieces(&word) {
                if ids.len() >= room {
                    break 'words;
                }
                ids.push(id);
            }
        }
        ids.push(self.sep);
        ids
    }

    /// Greedy longest-match-first pieces of one word; `[UNK]` when a part matches nothing.
    fn word_pieces(&self, word: &str) -> Vec<u32> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > MAX_WORD_CHARS {
            return vec![self.unknown];
        }
        let mut pieces = Vec::new();
        let mut start = 0;
        let mut candidate = String::new();
        while start < chars.len() {
            let found = (start + 1..=chars.len()).rev().find_map(|end| {
                candidate.clear();
                if start > 0 {
                    candidate.push_str("##");
                }
                candidate.extend(&chars[start..end]);
                self.ids.get(&candidate).map(|&id| (id, end))
            });
            match found {
                Some((id, end)) => {
                    pieces.push(id);
                    start = end;
                }
                None => return vec![self.unknown],
            }
        }
        pieces
    }
}

/// BERT's basic tokenization: control characters dropped, lowercased, accents
/// stripped, split on whitespace and around punctuation and CJK ideographs.
fn basic_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, tokens: &mut Vec<String>| {
        if !current.is_empty() {
            tokens.push(std::mem::take(current));
        }
    };
    for c in text.chars().flat_map(char::to_lowercase).nfd() {
        if c == '\0' || c == '\u{fffd}' || is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            flush(&mut current, &mut tokens);
        } else if c.is_control() {
            continue;
        } else if is_punctuation(c) || is_cjk(c) {
            flush(&mut current, &mut tokens);
            tokens.push(c.to_string());
        } else {
            current.push(c);
        }
    }
    flush(&mut current, &mut tokens);
    tokens
}

/// ASCII non-alphanumeric symbols (as BERT treats them) and the common Unicode
/// punctuation blocks.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '¡' | '§' | '«' | '¶' | '·' | '»' | '¿'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205e}'
            | '\u{3001}'..='\u{303f}')
}

/// CJK ideographs, which BERT splits one by one.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4e00}'..='\u{9fff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{2fa1f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> WordPiece {
        let tokens = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "un", "##aff", "##able", "army", ",",
            "etat", "##s", "-", "unis",
        ];
        WordPiece::from_vocab(&tokens.join("\n")).expect("special tokens present")
    }

    #[test]
    fn splits_words_into_longest_pieces_and_punctuation() {
        let vocab = vocabulary();
        // unaffable = un ##aff ##able; "États-Unis" loses case and accent and splits on "-".
        assert_eq!(
            vocab.encode("The unaffable army, États-Unis", 64),
            vec![2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 3]
        );
    }

    #[test]
    fn unknown_words_and_truncation() {
        let vocab = vocabulary();
        assert_eq!(vocab.encode("the xyz army", 64), vec![2, 4, 1, 8, 3]);
        assert_eq!(vocab.encode("the army the army", 4), vec![2, 4, 8, 3]);
        assert_eq!(vocab.encode("", 8), vec![2, 3]);
    }

    #[test]
    fn vocabulary_needs_its_special_tokens() {
        assert!(WordPiece::from_vocab("the\narmy").is_err());
    }
}
