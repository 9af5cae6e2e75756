//! Word vectors: the encoder's token vectors after chosen layers, averaged over the
//! tokens that cover each word and concatenated layer after layer.

use std::ops::Range;

use vigie_encoder::e5::{MultilingualEncoder, Role, Tokens};

use crate::event_layer::EventLayer;

/// One vector per word of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct WordVectors {
    /// Floats per word.
    pub width: usize,
    /// \[words, width\], row by row.
    pub values: Vec<f32>,
}

impl WordVectors {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// True when there is no word.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Word vectors at half precision: how training keeps sentences in memory and caches
/// them on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct HalfVectors {
    /// Floats per word.
    pub width: usize,
    /// \[words, width\], row by row.
    pub values: Vec<half::f16>,
}

impl HalfVectors {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// True when there is no word.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Back to single precision.
    pub fn to_f32(&self) -> WordVectors {
        WordVectors {
            width: self.width,
            values: self.values.iter().map(|v| v.to_f32()).collect(),
        }
    }

    /// Appends the vectors to `out`: width and word count (u32), then the values.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend((self.width as u32).to_le_bytes());
        out.extend((self.len() as u32).to_le_bytes());
        for value in &self.values {
            out.extend(value.to_le_bytes());
        }
    }

    /// Reads vectors written by [`write`](Self::write) from the front of `bytes`.
    pub fn read(bytes: &mut &[u8]) -> Result<Self, String> {
        let mut take = |n: usize| -> Result<&[u8], String> {
            let (head, tail) = bytes.split_at_checked(n).ok_or("truncated word vectors")?;
            *bytes = tail;
            Ok(head)
        };
        let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
        let width = u32_at(take(4)?);
        let words = u32_at(take(4)?);
        let values = take(words * width * 2)?
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]))
            .collect();
        Ok(HalfVectors { width, values })
    }
}

impl From<&WordVectors> for HalfVectors {
    fn from(vectors: &WordVectors) -> Self {
        HalfVectors {
            width: vectors.width,
            values: vectors
                .values
                .iter()
                .map(|&v| half::f16::from_f32(v))
                .collect(),
        }
    }
}

/// The vectors of `words` (code-point spans of `text`) after each of `layers`.
///
/// A word covered by no token (past the encoder's longest input) gets zeros.
pub fn word_vectors(
    encoder: &MultilingualEncoder,
    text: &str,
    words: &[(usize, usize)],
    layers: &[usize],
) -> Result<WordVectors, String> {
    let mut vectors = word_vectors_many(encoder, &[(text, words)], layers)?;
    Ok(vectors.remove(0))
}

/// [`word_vectors`] of several texts, each with its words, encoded together
/// ([`MultilingualEncoder::token_layers_many`]). One entry per text, in order.
pub fn word_vectors_many(
    encoder: &MultilingualEncoder,
    texts: &[(&str, &[(usize, usize)])],
    layers: &[usize],
) -> Result<Vec<WordVectors>, String> {
    let plain: Vec<&str> = texts.iter().map(|(text, _)| *text).collect();
    let encoded = encoder.token_layers_many(&plain, Role::Passage, layers)?;
    Ok(texts
        .iter()
        .zip(&encoded)
        .map(|((_, words), (tokens, states))| {
            let blocks: Vec<&[f32]> = states.iter().map(Vec::as_slice).collect();
            pool(&covering_tokens(tokens, words), &blocks, encoder.width())
        })
        .collect())
}

/// [`word_vectors_many`] twice from one encoder pass: after `plain` layers as the encoder
/// gives them, and after `tuned` layers with the one `event_layer` replaces taken from the
/// event layer. One pair per text, in order.
pub fn word_vectors_through(
    encoder: &MultilingualEncoder,
    texts: &[(&str, &[(usize, usize)])],
    plain: &[usize],
    tuned: &[usize],
    event_layer: &EventLayer,
) -> Result<Vec<(WordVectors, WordVectors)>, String> {
    let mut asked: Vec<usize> = plain
        .iter()
        .chain(tuned.iter().filter(|&&l| l != event_layer.replaces()))
        .copied()
        .chain([event_layer.reads()])
        .collect();
    asked.sort_unstable();
    asked.dedup();
    let texts_only: Vec<&str> = texts.iter().map(|(text, _)| *text).collect();
    let encoded = encoder.token_layers_many(&texts_only, Role::Passage, &asked)?;
    // Where each layer's states are among those asked.
    let state = |layer: usize| asked.iter().position(|&l| l == layer).expect("asked");
    let below: Vec<(usize, &[f32])> = encoded
        .iter()
        .map(|(tokens, states)| {
            (
                tokens.ids.len(),
                states[state(event_layer.reads())].as_slice(),
            )
        })
        .collect();
    let through_all = through_event_layer(event_layer, &below, encoder)?;
    texts
        .iter()
        .zip(&encoded)
        .zip(&through_all)
        .map(|(((_, words), (tokens, states)), through)| {
            let covering = covering_tokens(tokens, words);
            let blocks = |layers: &[usize], tuned: bool| -> Vec<&[f32]> {
                layers
                    .iter()
                    .map(|&l| {
                        if tuned && l == event_layer.replaces() {
                            through.as_slice()
                        } else {
                            states[state(l)].as_slice()
                        }
                    })
                    .collect()
            };
            Ok((
                pool(&covering, &blocks(plain, false), encoder.width()),
                pool(&covering, &blocks(tuned, true), encoder.width()),
            ))
        })
        .collect()
}

/// `event_layer` over each text's token vectors `below` (its token count and its vectors
/// after the layer it reads), in the encoder's own passes
/// ([`MultilingualEncoder::batches`]): one product over many sequences costs less per
/// token than one per sequence. Each sequence attends only to itself and every other step works row
/// by row, so with integer products the vectors are those of one pass per text to the
/// bit (in f32, up to the rounding of candle's products). One entry per text, in order.
fn through_event_layer(
    event_layer: &EventLayer,
    below: &[(usize, &[f32])],
    encoder: &MultilingualEncoder,
) -> Result<Vec<Vec<f32>>, String> {
    let width = encoder.width();
    let lengths: Vec<usize> = below.iter().map(|(length, _)| *length).collect();
    let mut through = Vec::with_capacity(below.len());
    for batch in MultilingualEncoder::batches(&lengths) {
        let states: Vec<f32> = below[batch.clone()]
            .iter()
            .flat_map(|(_, states)| *states)
            .copied()
            .collect();
        let out = event_layer.apply(&states, &lengths[batch.clone()], encoder.arithmetic())?;
        let mut out = out.as_slice();
        for &length in &lengths[batch] {
            let (text, others) = out.split_at(length * width);
            through.push(text.to_vec());
            out = others;
        }
    }
    Ok(through)
}

/// The tokens covering each of `words` (code-point spans): a range of token indexes, empty
/// for a word no token covers (past the encoder's longest input).
pub fn covering_tokens(tokens: &Tokens, words: &[(usize, usize)]) -> Vec<Range<usize>> {
    let mut first_token = 0;
    words
        .iter()
        .map(|&(start, end)| {
            // Tokens are in text order: skip those that end before this word.
            while tokens
                .spans
                .get(first_token)
                .is_some_and(|span| span.is_none_or(|(_, e)| e <= start))
            {
                first_token += 1;
            }
            let covering: Vec<usize> = (first_token..tokens.spans.len())
                .take_while(|&t| tokens.spans[t].is_none_or(|(s, _)| s < end))
                .filter(|&t| tokens.spans[t].is_some_and(|(s, e)| s < end && e > start))
                .collect();
            match (covering.first(), covering.last()) {
                (Some(&first), Some(&last)) => first..last + 1,
                _ => 0..0,
            }
        })
        .collect()
}

/// Each word's vector: the mean of the vectors of the tokens covering it, layer after
/// layer (`states` holds one \[tokens, hidden\] block per layer).
fn pool(covering: &[Range<usize>], states: &[&[f32]], hidden: usize) -> WordVectors {
    let width = hidden * states.len();
    let mut values = vec![0.0f32; covering.len() * width];
    for (word, tokens) in covering.iter().enumerate() {
        if tokens.is_empty() {
            continue;
        }
        let row = &mut values[word * width..(word + 1) * width];
        let share = 1.0 / tokens.len() as f32;
        for (layer, state) in states.iter().enumerate() {
            let out = &mut row[layer * hidden..(layer + 1) * hidden];
            for t in tokens.clone() {
                for (o, v) in out.iter_mut().zip(&state[t * hidden..(t + 1) * hidden]) {
                    *o += v * share;
                }
            }
        }
    }
    WordVectors { width, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_gets_the_mean_of_its_tokens_per_layer() {
        let Some(encoder) = MultilingualEncoder::built_in_source_tree() else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let text = "Les forces irakiennes ont repris Mossoul.";
        let words = [
            (0, 3),
            (4, 10),
            (11, 21),
            (22, 25),
            (26, 32),
            (33, 40),
            (40, 41),
        ];
        let vectors = word_vectors(&encoder, text, &words, &[4, 12]).unwrap();
        assert_eq!(vectors.width, 2 * encoder.width());
        assert_eq!(vectors.len(), words.len());
        // Recompute "irakiennes" (third word) from the token vectors themselves.
        let (tokens, states) = encoder.token_layers(text, Role::Passage, &[4, 12]).unwrap();
        let hidden = encoder.width();
        let inside: Vec<usize> = (0..tokens.ids.len())
            .filter(|&t| tokens.spans[t].is_some_and(|(s, e)| s < 21 && e > 11))
            .collect();
        assert!(!inside.is_empty());
        for (layer, state) in states.iter().enumerate() {
            for d in [0, 17, hidden - 1] {
                let mean: f32 = inside.iter().map(|&t| state[t * hidden + d]).sum::<f32>()
                    / inside.len() as f32;
                let got = vectors.values[2 * vectors.width + layer * hidden + d];
                assert!(
                    (mean - got).abs() < 1e-5,
                    "layer {layer} dim {d}: {mean} vs {got}"
                );
            }
        }
        // Different words, different vectors.
        assert_ne!(
            vectors.values[..vectors.width],
            vectors.values[vectors.width..2 * vectors.width]
        );
    }
}
