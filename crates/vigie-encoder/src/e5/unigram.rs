//! SentencePiece unigram tokenisation, as the model was trained: the text normalised
//! code point by code point, runs of spaces collapsed, a `▁` for each space and one in
//! front, then the most probable split into vocabulary pieces (Viterbi over their
//! log-probabilities). A character no piece covers is one `<unk>`.
//!
//! Each piece keeps the code-point span of the input it came from, so that what a head
//! predicts for a piece lands on the text.

use std::collections::HashMap;

use unicode_normalization::char::{canonical_combining_class, compose};

use super::file::Vocabulary;

/// The word-boundary mark of SentencePiece.
const SPACE_MARK: char = '\u{2581}';

/// Tokens of one text: ids with `<s>` and `</s>`, and for each the span of the input it
/// covers (`None` for the markers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// Vocabulary ids.
    pub ids: Vec<u32>,
    /// Code-point span of the input text covered by each token.
    pub spans: Vec<Option<(usize, usize)>>,
}

/// A unigram tokenizer over the model's vocabulary.
#[derive(Debug, Clone)]
pub struct Unigram {
    index: HashMap<String, u32>,
    scores: Vec<f32>,
    normalisation: HashMap<char, String>,
    unknown_score: f32,
    longest_piece: usize,
    bos: u32,
    eos: u32,
    unk: u32,
}

impl Unigram {
    /// The tokenizer of a vocabulary.
    pub fn new(vocabulary: Vocabulary) -> Self {
        let lowest = vocabulary
            .scores
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        let longest_piece = vocabulary
            .pieces
            .iter()
            .map(|p| p.chars().count())
            .max()
            .unwrap_or(1);
        let index = vocabulary
            .pieces
            .into_iter()
            .enumerate()
            .map(|(id, piece)| (piece, id as u32))
            .collect();
        Unigram {
            index,
            scores: vocabulary.scores,
            normalisation: vocabulary.normalisation,
            // As the reference engine: an unknown character costs ten below the rarest piece.
            unknown_score: lowest - 10.0,
            longest_piece,
            bos: vocabulary.bos,
            eos: vocabulary.eos,
            unk: vocabulary.unk,
        }
    }

    /// The normalised text as characters, each with the span of input code points it
    /// comes from, starting with a space mark.
    fn normalise(&self, text: &str) -> Vec<(char, Option<(usize, usize)>)> {
        // Composed first, as NFC does (the map holds the code points of composed text):
        // a combining mark joins the character before it when they compose.
        let mut composed: Vec<(char, (usize, usize))> = Vec::with_capacity(text.len());
        for (position, c) in text.chars().enumerate() {
            let joined = composed
                .last()
                .filter(|_| canonical_combining_class(c) != 0)
                .and_then(|(previous, _)| compose(*previous, c));
            match (joined, composed.last_mut()) {
                (Some(joined), Some(last)) => *last = (joined, (last.1.0, position + 1)),
                _ => composed.push((c, (position, position + 1))),
            }
        }
        let mut out: Vec<(char, Option<(usize, usize)>)> = vec![(SPACE_MARK, None)];
        for (c, position) in composed {
            let mapped = self.normalisation.get(&c);
            let chars: Vec<char> = mapped.map_or_else(|| vec![c], |to| to.chars().collect());
            for c in chars {
                let c = if c == ' ' { SPACE_MARK } else { c };
                if c == SPACE_MARK && out.last().is_some_and(|(last, _)| *last == SPACE_MARK) {
                    continue;
                }
                out.push((c, Some(position)));
            }
        }
        out
    }

    /// Tokenises `text`.
    pub fn encode(&self, text: &str) -> Tokens {
        let chars = self.normalise(text);
        let n = chars.len();
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut back: Vec<(usize, u32)> = vec![(0, self.unk); n + 1];
        best[0] = 0.0;
        let mut piece = String::new();
        for start in 0..n {
            if best[start] == f32::NEG_INFINITY {
                continue;
            }
            piece.clear();
            for end in start + 1..=n.min(start + self.longest_piece) {
                piece.push(chars[end - 1].0);
                if let Some(&id) = self.index.get(piece.as_str())
                    && id != self.unk
                {
                    let score = best[start] + self.scores[id as usize];
                    if score > best[end] {
                        best[end] = score;
                        back[end] = (start, id);
                    }
                }
            }
            let score = best[start] + self.unknown_score;
            if score > best[start + 1] {
                best[start + 1] = score;
                back[start + 1] = (start, self.unk);
            }
        }
        let mut pieces = Vec::new();
        let mut end = n;
        while end > 0 {
            let (start, id) = back[end];
            pieces.push((id, start, end));
            end = start;
        }
        pieces.reverse();
        let mut tokens = Tokens {
            ids: vec![self.bos],
            spans: vec![None],
        };
        for (id, start, end) in pieces {
            // The span of the input characters the piece covers, leading space left out.
            let sources = chars[start..end]
                .iter()
                .filter(|(c, _)| *c != SPACE_MARK)
                .filter_map(|(_, s)| *s);
            let span = sources
                .clone()
                .map(|s| s.0)
                .min()
                .zip(sources.map(|s| s.1).max());
            tokens.ids.push(id);
            tokens.spans.push(span);
        }
        tokens.ids.push(self.eos);
        tokens.spans.push(None);
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        let pieces = [
            "<s>",
            "<pad>",
            "</s>",
            "<unk>",
            "▁",
            "▁Les",
            "▁forces",
            "▁for",
            "ces",
            "é",
            "▁é",
            "t",
            "▁Mossoul",
        ];
        let scores = [
            0.0, 0.0, 0.0, 0.0, -5.0, -3.0, -4.0, -3.0, -3.0, -6.0, -4.0, -6.0, -6.0,
        ];
        Vocabulary {
            pieces: pieces.iter().map(|p| (*p).to_owned()).collect(),
            scores: scores.to_vec(),
            bos: 0,
            eos: 2,
            unk: 3,
            normalisation: [('\u{a0}', " ".to_owned())].into_iter().collect(),
        }
    }

    #[test]
    fn finds_the_most_probable_split_and_keeps_spans() {
        let tokenizer = Unigram::new(vocabulary());
        let tokens = tokenizer.encode("Les  forces\u{a0}été");
        let pieces: Vec<u32> = tokens.ids.clone();
        // <s> ▁Les ▁forces (-4 beats ▁for + ces = -6) ▁é t é </s>
        assert_eq!(pieces, [0, 5, 6, 10, 11, 9, 2]);
        assert_eq!(
            tokens.spans,
            [
                None,
                Some((0, 3)),
                Some((5, 11)),
                Some((12, 13)),
                Some((13, 14)),
                Some((14, 15)),
                None
            ]
        );
    }

    #[test]
    fn unknown_characters_are_one_unk_each_and_decomposed_text_is_composed() {
        let tokenizer = Unigram::new(vocabulary());
        assert_eq!(tokenizer.encode("Les ﷺ").ids, [0, 5, 4, 3, 2]);
        let decomposed = tokenizer.encode("e\u{301}");
        assert_eq!(decomposed.ids, tokenizer.encode("é").ids);
        assert_eq!(decomposed.spans[1], Some((0, 2)));
    }
}
