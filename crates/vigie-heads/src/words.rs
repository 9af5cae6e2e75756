//! Word vectors: the encoder's token vectors after chosen layers, averaged over the
//! tokens that cover each word and concatenated layer after layer.

use vigie_encoder::e5::{MultilingualEncoder, Role};

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

/// The vectors of `words` (code-point spans of `text`) after each of `layers`.
///
/// A word covered by no token (past the encoder's longest input) gets zeros.
pub fn word_vectors(
    encoder: &MultilingualEncoder,
    text: &str,
    words: &[(usize, usize)],
    layers: &[usize],
) -> Result<WordVectors, String> {
    let (tokens, states) = encoder.token_layers(text, Role::Passage, layers)?;
    let hidden = encoder.width();
    let width = hidden * layers.len();
    let mut values = vec![0.0f32; words.len() * width];
    let mut first_token = 0;
    for (word, &(start, end)) in words.iter().enumerate() {
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
        if covering.is_empty() {
            continue;
        }
        let row = &mut values[word * width..(word + 1) * width];
        let share = 1.0 / covering.len() as f32;
        for (layer, state) in states.iter().enumerate() {
            let out = &mut row[layer * hidden..(layer + 1) * hidden];
            for &t in &covering {
                for (o, v) in out.iter_mut().zip(&state[t * hidden..(t + 1) * hidden]) {
                    *o += v * share;
                }
            }
        }
    }
    Ok(WordVectors { width, values })
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
