//! The name head: one BIO tag per word (PER, ORG, LOC, MISC) from the word vectors.
//!
//! Each word's tag scores come from its own vector and its neighbours' (a window of
//! three words, one hidden layer), and the sequence is decoded with the BIO constraint
//! (no `I-X` unless the word before is `B-X` or `I-X`), so every entity is well formed.
//! [`train`] fits the head with candle.

mod finder;
mod train;

use std::ops::Range;

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::model_file::{self, NamedTensor};
use crate::words::WordVectors;

pub use finder::NameFinder;
pub use train::{Example, TrainingOptions, train};

/// The tags, in the order of the head's outputs.
pub const TAGS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC",
];

/// Index of the outside tag.
const OUTSIDE: usize = 0;

/// The kinds of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// People.
    Per,
    /// Places.
    Loc,
    /// Organisations.
    Org,
    /// Other proper names: nationalities, events, works, products, laws.
    Misc,
}

impl NameKind {
    /// Every kind, in tag order.
    pub const ALL: [NameKind; 4] = [NameKind::Per, NameKind::Loc, NameKind::Org, NameKind::Misc];

    /// The CoNLL code (`PER`).
    pub fn code(self) -> &'static str {
        match self {
            NameKind::Per => "PER",
            NameKind::Loc => "LOC",
            NameKind::Org => "ORG",
            NameKind::Misc => "MISC",
        }
    }

    /// Parses a CoNLL code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Position in [`ALL`](Self::ALL).
    fn index(self) -> usize {
        self as usize
    }

    /// The kind of a tag index (none for `O`).
    fn of_tag(tag: usize) -> Option<Self> {
        (tag != OUTSIDE).then(|| Self::ALL[(tag - 1) / 2])
    }

    /// Index of this kind's `B-` tag.
    fn begin_tag(self) -> usize {
        1 + 2 * self.index()
    }
}

/// True when `tag` opens an entity (`B-`).
fn is_begin(tag: usize) -> bool {
    tag != OUTSIDE && tag % 2 == 1
}

/// A name found: a range of words and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The words, as indexes.
    pub words: Range<usize>,
    /// What it names.
    pub kind: NameKind,
}

/// The names of a well-formed tag sequence (tag indexes into [`TAGS`]).
pub fn names_of_tags(tags: &[usize]) -> Vec<Name> {
    let mut names = Vec::new();
    let mut open: Option<(usize, NameKind)> = None;
    for (i, &tag) in tags.iter().enumerate() {
        let kind = NameKind::of_tag(tag);
        let continues = !is_begin(tag) && kind.is_some() && open.map(|(_, k)| k) == kind;
        if !continues {
            if let Some((start, kind)) = open.take() {
                names.push(Name {
                    words: start..i,
                    kind,
                });
            }
            open = kind.map(|k| (i, k));
        }
    }
    if let Some((start, kind)) = open {
        names.push(Name {
            words: start..tags.len(),
            kind,
        });
    }
    names
}

/// What a head file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Description {
    /// Always "names".
    head: String,
    /// Encoder layers read, in order.
    layers: Vec<usize>,
    /// Floats per word vector.
    width: usize,
    /// Units of the hidden layer.
    hidden: usize,
    /// The output tags.
    tags: Vec<String>,
    /// How the head was made: data and settings.
    provenance: String,
}

/// The head's weights.
#[derive(Debug, Clone)]
struct Weights {
    /// \[width, 3 × hidden\]: the previous word's, this word's and the next word's share.
    context: Tensor,
    /// \[hidden\].
    hidden_bias: Tensor,
    /// \[hidden, tags\].
    output: Tensor,
    /// \[tags\].
    output_bias: Tensor,
}

/// Positions of each word's neighbours in a batch of `lengths` sentences laid end to end;
/// `total` (one past the last word) stands for "no neighbour".
fn neighbours(lengths: &[usize]) -> (Vec<u32>, Vec<u32>) {
    let total: usize = lengths.iter().sum();
    let (mut before, mut after) = (Vec::with_capacity(total), Vec::with_capacity(total));
    let mut offset = 0;
    for &length in lengths {
        for i in 0..length {
            before.push(if i == 0 { total } else { offset + i - 1 } as u32);
            after.push(if i + 1 == length {
                total
            } else {
                offset + i + 1
            } as u32);
        }
        offset += length;
    }
    (before, after)
}

impl Weights {
    /// Tag scores of a batch: `x` is \[words, width\] for sentences of `lengths`;
    /// `dropout` masks (already scaled) apply to the input and the hidden layer.
    fn logits(
        &self,
        x: &Tensor,
        lengths: &[usize],
        dropout: Option<(&Tensor, &Tensor)>,
    ) -> candle_core::Result<Tensor> {
        let hidden = self.hidden_bias.dim(0)?;
        let x = match dropout {
            Some((input, _)) => x.mul(input)?,
            None => x.clone(),
        };
        let shares = x.matmul(&self.context)?;
        let none = Tensor::zeros((1, 3 * hidden), DType::F32, x.device())?;
        let padded = Tensor::cat(&[&shares, &none], 0)?;
        let (before, after) = neighbours(lengths);
        let n = before.len();
        let before = Tensor::from_vec(before, n, x.device())?;
        let after = Tensor::from_vec(after, n, x.device())?;
        let summed = (padded.index_select(&before, 0)?.narrow(1, 0, hidden)?
            + shares.narrow(1, hidden, hidden)?)?
        .add(
            &padded
                .index_select(&after, 0)?
                .narrow(1, 2 * hidden, hidden)?,
        )?;
        let mut h = summed.broadcast_add(&self.hidden_bias)?.gelu_erf()?;
        if let Some((_, mask)) = dropout {
            h = h.mul(mask)?;
        }
        h.matmul(&self.output)?.broadcast_add(&self.output_bias)
    }
}

/// The trained name head.
#[derive(Debug, Clone)]
pub struct NameTagger {
    description: Description,
    weights: Weights,
}

impl NameTagger {
    /// The encoder layers whose vectors the head reads (pass them to
    /// [`word_vectors`](crate::words::word_vectors)).
    pub fn layers(&self) -> &[usize] {
        &self.description.layers
    }

    /// How the head was made.
    pub fn provenance(&self) -> &str {
        &self.description.provenance
    }

    /// The tag of each word (indexes into [`TAGS`]), decoded under the BIO constraint.
    pub fn tags(&self, words: &WordVectors) -> Result<Vec<usize>, String> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        if words.width != self.description.width {
            return Err(format!(
                "word vectors of width {}, the head reads {}",
                words.width, self.description.width
            ));
        }
        let scores = (|| {
            let x = Tensor::from_slice(&words.values, (words.len(), words.width), &Device::Cpu)?;
            let logits = self.weights.logits(&x, &[words.len()], None)?;
            candle_nn::ops::log_softmax(&logits, 1)?.to_vec2::<f32>()
        })()
        .map_err(|e| e.to_string())?;
        Ok(decode(&scores))
    }

    /// The names among `words`.
    pub fn names(&self, words: &WordVectors) -> Result<Vec<Name>, String> {
        Ok(names_of_tags(&self.tags(words)?))
    }

    /// The head as bytes (format `VIGIE-HEAD1`, half-precision weights).
    pub fn to_bytes(&self) -> Vec<u8> {
        let tensor = |name: &str, t: &Tensor| NamedTensor {
            name: name.into(),
            shape: t.dims().to_vec(),
            values: t
                .flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .expect("head weights are f32"),
        };
        let w = &self.weights;
        model_file::to_bytes(
            &self.description,
            &[
                tensor("context", &w.context),
                tensor("hidden_bias", &w.hidden_bias),
                tensor("output", &w.output),
                tensor("output_bias", &w.output_bias),
            ],
        )
    }

    /// Reads a head file; errors name it.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| Self::from_bytes(&bytes))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads a head written by [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let (description, tensors): (Description, _) = model_file::from_bytes(bytes)?;
        if description.head != "names" || description.tags != TAGS {
            return Err(format!("a {} head, not a name head", description.head));
        }
        let (width, hidden) = (description.width, description.hidden);
        let expected: [(&str, Vec<usize>); 4] = [
            ("context", vec![width, 3 * hidden]),
            ("hidden_bias", vec![hidden]),
            ("output", vec![hidden, TAGS.len()]),
            ("output_bias", vec![TAGS.len()]),
        ];
        if tensors.len() != expected.len() {
            return Err(format!("{} tensors, expected 4", tensors.len()));
        }
        let mut loaded = Vec::new();
        for (tensor, (name, shape)) in tensors.into_iter().zip(expected) {
            if tensor.name != name || tensor.shape != shape {
                return Err(format!(
                    "tensor {} {:?}, expected {name} {shape:?}",
                    tensor.name, tensor.shape
                ));
            }
            loaded.push(
                Tensor::from_vec(tensor.values, shape, &Device::Cpu).map_err(|e| e.to_string())?,
            );
        }
        let mut loaded = loaded.into_iter();
        let mut next = || loaded.next().expect("four tensors");
        let weights = Weights {
            context: next(),
            hidden_bias: next(),
            output: next(),
            output_bias: next(),
        };
        Ok(NameTagger {
            description,
            weights,
        })
    }
}

/// Whether tag `to` may follow tag `from` (`None`: the sentence's first word).
fn may_follow(from: Option<usize>, to: usize) -> bool {
    if to == OUTSIDE || is_begin(to) {
        return true;
    }
    from.is_some_and(|f| NameKind::of_tag(f) == NameKind::of_tag(to))
}

/// The best-scoring well-formed tag sequence (Viterbi over per-word log-probabilities).
fn decode(scores: &[Vec<f32>]) -> Vec<usize> {
    let n = TAGS.len();
    let mut best: Vec<f32> = (0..n)
        .map(|t| {
            if may_follow(None, t) {
                scores[0][t]
            } else {
                f32::NEG_INFINITY
            }
        })
        .collect();
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(scores.len());
    for row in &scores[1..] {
        let mut next = vec![f32::NEG_INFINITY; n];
        let mut from = vec![OUTSIDE; n];
        for to in 0..n {
            for (f, &score) in best.iter().enumerate() {
                if may_follow(Some(f), to) && score + row[to] > next[to] {
                    next[to] = score + row[to];
                    from[to] = f;
                }
            }
        }
        back.push(from);
        best = next;
    }
    let mut tag = (0..n)
        .max_by(|&a, &b| best[a].total_cmp(&best[b]))
        .expect("nine tags");
    let mut tags = vec![tag];
    for from in back.iter().rev() {
        tag = from[tag];
        tags.push(tag);
    }
    tags.reverse();
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str) -> usize {
        TAGS.iter().position(|t| *t == name).unwrap()
    }

    #[test]
    fn names_are_read_from_tags() {
        let tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-ORG"].map(tag);
        let names = names_of_tags(&tags);
        assert_eq!(
            names,
            [
                Name {
                    words: 0..2,
                    kind: NameKind::Per
                },
                Name {
                    words: 3..4,
                    kind: NameKind::Loc
                },
                Name {
                    words: 4..6,
                    kind: NameKind::Loc
                },
                Name {
                    words: 6..7,
                    kind: NameKind::Org
                },
            ]
        );
    }

    #[test]
    fn decoding_never_opens_an_entity_with_i() {
        // Word by word, "I-ORG" then "I-ORG" would win; the constraint makes the best
        // well-formed sequence "B-ORG I-ORG".
        let mut first = vec![-5.0; 9];
        first[tag("I-ORG")] = -0.1;
        first[tag("B-ORG")] = -0.5;
        let mut second = vec![-5.0; 9];
        second[tag("I-ORG")] = -0.1;
        let mut third = vec![-5.0; 9];
        third[tag("O")] = -0.1;
        third[tag("I-PER")] = -0.05;
        let tags = decode(&[first, second, third]);
        assert_eq!(tags, ["B-ORG", "I-ORG", "O"].map(tag));
        assert_eq!(decode(&[vec![0.0; 9]]).len(), 1);
    }

    #[test]
    fn neighbours_stop_at_sentence_edges() {
        let (before, after) = neighbours(&[2, 1]);
        assert_eq!(before, [3, 0, 3]);
        assert_eq!(after, [1, 3, 3]);
    }
}
