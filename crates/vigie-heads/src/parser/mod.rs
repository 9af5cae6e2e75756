//! A dependency parser: each word's head and relation, read from the word vectors.
//!
//! Arcs are scored biaffinely (Dozat and Manning, 2017): every word is projected once as
//! a dependent and once as a head, a bilinear form scores each pair, and a bias by the
//! signed distance between them (clipped) says how far heads usually are. The tree is
//! decoded with Eisner's algorithm, so the answer is always one projective tree with one
//! root. A relation is then chosen for each word given its head, from both words'
//! projections and their distance. [`train`] fits the head with candle.

mod train;

use std::path::Path;

use candle_core::{D, Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::model_file::{self, NamedTensor};
use crate::words::WordVectors;

pub use train::{Example, train};

/// Signed distances between a word and its head beyond this are counted as this.
const MAX_DISTANCE: i64 = 16;
/// Distance buckets: every clipped signed distance, then one for the root.
const DISTANCE_BUCKETS: usize = 2 * MAX_DISTANCE as usize + 2;
/// A score low enough that no decoding takes it.
const IMPOSSIBLE: f32 = -1e4;

/// A parse: each word's head (`None` for the root) and its relation to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// Head of each word.
    pub heads: Vec<Option<usize>>,
    /// Relation of each word to its head (Universal Dependencies names).
    pub relations: Vec<String>,
}

/// What a parser file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Description {
    /// What the head does ("dependency-parser").
    head: String,
    /// Encoder layers read, in order.
    layers: Vec<usize>,
    /// Floats per word vector.
    width: usize,
    /// Units of the arc projections.
    arc_units: usize,
    /// Units of the relation projections.
    relation_units: usize,
    /// The relations, in the order of their scores.
    relations: Vec<String>,
    /// How the parser was made: data and settings.
    provenance: String,
}

/// The parser's weights.
#[derive(Debug, Clone)]
struct Weights {
    /// \[width, arc units\] and \[arc units\]: a word as a dependent.
    arc_dependent: (Tensor, Tensor),
    /// \[width, arc units\] and \[arc units\]: a word as a head.
    arc_head: (Tensor, Tensor),
    /// \[1, arc units\]: the root as a head.
    arc_root: Tensor,
    /// \[arc units, arc units\]: the bilinear form.
    biaffine: Tensor,
    /// \[arc units, 1\]: how likely a word is to be a head at all.
    head_prior: Tensor,
    /// \[distance buckets\]: the score of each signed distance.
    arc_distance: Tensor,
    /// \[width, relation units\] and \[relation units\]: a word as a dependent.
    relation_dependent: (Tensor, Tensor),
    /// \[width, relation units\]: a word as a head.
    relation_head: Tensor,
    /// \[1, relation units\]: the root as a head.
    relation_root: Tensor,
    /// \[distance buckets, relation units\]: the signed distance.
    relation_distance: Tensor,
    /// \[relation units, relations\] and \[relations\].
    relation_output: (Tensor, Tensor),
}

/// Where the words of a batch of sentences may attach, as candle inputs: for each word
/// (row) and each candidate head (a word of the batch, then the root), the distance
/// bucket and 0 or [`IMPOSSIBLE`] (another sentence, or the word itself).
struct PairLayout {
    /// \[words × (words + 1)\] distance buckets.
    buckets: Tensor,
    /// \[words, words + 1\].
    allowed: Tensor,
}

/// The distance bucket of a word at `dependent` whose head is at `head` (`None`: root).
fn bucket(dependent: usize, head: Option<usize>) -> u32 {
    match head {
        Some(head) => {
            ((head as i64 - dependent as i64).clamp(-MAX_DISTANCE, MAX_DISTANCE) + MAX_DISTANCE)
                as u32
        }
        None => DISTANCE_BUCKETS as u32 - 1,
    }
}

impl PairLayout {
    /// The layout of sentences of `lengths` words, one after the other.
    fn new(lengths: &[usize]) -> candle_core::Result<Self> {
        let words: usize = lengths.iter().sum();
        let mut buckets = Vec::with_capacity(words * (words + 1));
        let mut allowed = vec![IMPOSSIBLE; words * (words + 1)];
        let mut start = 0;
        for &length in lengths {
            for dependent in start..start + length {
                let row = dependent * (words + 1);
                for head in 0..words {
                    buckets.push(bucket(dependent, Some(head)));
                    if (start..start + length).contains(&head) && head != dependent {
                        allowed[row + head] = 0.0;
                    }
                }
                buckets.push(bucket(dependent, None));
                allowed[row + words] = 0.0;
            }
            start += length;
        }
        Ok(PairLayout {
            buckets: Tensor::from_vec(buckets, words * (words + 1), &Device::Cpu)?,
            allowed: Tensor::from_vec(allowed, (words, words + 1), &Device::Cpu)?,
        })
    }
}

/// `x · w + b`.
fn affine(x: &Tensor, (w, b): &(Tensor, Tensor)) -> candle_core::Result<Tensor> {
    x.matmul(w)?.broadcast_add(b)
}

impl Weights {
    /// Arc scores \[words, words + 1\] of a batch `x` \[words, width\]: column `j < words`
    /// is word `j` as the head, the last column the root.
    fn arc_scores(&self, x: &Tensor, layout: &PairLayout) -> candle_core::Result<Tensor> {
        let words = x.dim(0)?;
        let dependents = affine(x, &self.arc_dependent)?.gelu_erf()?;
        let heads = Tensor::cat(
            &[&affine(x, &self.arc_head)?.gelu_erf()?, &self.arc_root],
            0,
        )?;
        let pairs = dependents.matmul(&self.biaffine)?.matmul(&heads.t()?)?;
        let prior = heads.matmul(&self.head_prior)?.t()?;
        let distance = self
            .arc_distance
            .index_select(&layout.buckets, 0)?
            .reshape((words, words + 1))?;
        pairs
            .broadcast_add(&prior)?
            .add(&distance)?
            .add(&layout.allowed)
    }

    /// Relation scores \[words, relations\] of a batch `x` \[words, width\] whose words
    /// attach to `heads` (a word's index in the batch, or `words` for the root) at the
    /// distance buckets `buckets`.
    fn relation_scores(
        &self,
        x: &Tensor,
        heads: &Tensor,
        buckets: &Tensor,
    ) -> candle_core::Result<Tensor> {
        let dependents = affine(x, &self.relation_dependent)?;
        let as_heads = Tensor::cat(&[&x.matmul(&self.relation_head)?, &self.relation_root], 0)?;
        let hidden = dependents
            .add(&as_heads.index_select(heads, 0)?)?
            .add(&self.relation_distance.index_select(buckets, 0)?)?
            .gelu_erf()?;
        affine(&hidden, &self.relation_output)
    }
}

/// A trained dependency parser.
#[derive(Debug, Clone)]
pub struct DependencyParser {
    description: Description,
    weights: Weights,
}

impl DependencyParser {
    /// What a parser file calls its head.
    pub const HEAD: &'static str = "dependency-parser";
    /// Where the shipped parser lives, from the repository root.
    pub const DEFAULT_PATH: &'static str = "data/models/parser-head.bin";

    /// The encoder layers whose vectors the parser reads.
    pub fn layers(&self) -> &[usize] {
        &self.description.layers
    }

    /// How the parser was made.
    pub fn provenance(&self) -> &str {
        &self.description.provenance
    }

    /// The relations the parser knows.
    pub fn relations(&self) -> &[String] {
        &self.description.relations
    }

    /// The tree of a sentence whose word vectors are `words`.
    pub fn parse(&self, words: &WordVectors) -> Result<Tree, String> {
        if words.width != self.description.width {
            return Err(format!(
                "word vectors of width {}, the parser reads {}",
                words.width, self.description.width
            ));
        }
        let n = words.len();
        if n == 0 {
            return Ok(Tree {
                heads: Vec::new(),
                relations: Vec::new(),
            });
        }
        (|| {
            let x = Tensor::from_slice(&words.values, (n, words.width), &Device::Cpu)?;
            let layout = PairLayout::new(&[n])?;
            let scores =
                candle_nn::ops::log_softmax(&self.weights.arc_scores(&x, &layout)?, D::Minus1)?
                    .to_vec2::<f32>()?;
            // Eisner's nodes: 0 is the root, word w is node w + 1.
            let heads = eisner(n, |head, dependent| {
                let column = if head == 0 { n } else { head - 1 };
                scores[dependent - 1][column]
            });
            let heads: Vec<Option<usize>> = heads.into_iter().map(|h| h.checked_sub(1)).collect();
            let columns: Vec<u32> = heads.iter().map(|h| h.unwrap_or(n) as u32).collect();
            let buckets: Vec<u32> = heads
                .iter()
                .enumerate()
                .map(|(d, &h)| bucket(d, h))
                .collect();
            let relations = self
                .weights
                .relation_scores(
                    &x,
                    &Tensor::from_vec(columns, n, &Device::Cpu)?,
                    &Tensor::from_vec(buckets, n, &Device::Cpu)?,
                )?
                .argmax(D::Minus1)?
                .to_vec1::<u32>()?
                .into_iter()
                .map(|r| self.description.relations[r as usize].clone())
                .collect();
            Ok(Tree { heads, relations })
        })()
        .map_err(|e: candle_core::Error| e.to_string())
    }

    /// The parser as bytes (format `VIGIE-HEAD1`, half-precision weights).
    pub fn to_bytes(&self) -> Vec<u8> {
        let w = &self.weights;
        model_file::to_bytes(
            &self.description,
            &[
                NamedTensor::of("arc_dependent", &w.arc_dependent.0),
                NamedTensor::of("arc_dependent_bias", &w.arc_dependent.1),
                NamedTensor::of("arc_head", &w.arc_head.0),
                NamedTensor::of("arc_head_bias", &w.arc_head.1),
                NamedTensor::of("arc_root", &w.arc_root),
                NamedTensor::of("biaffine", &w.biaffine),
                NamedTensor::of("head_prior", &w.head_prior),
                NamedTensor::of("arc_distance", &w.arc_distance),
                NamedTensor::of("relation_dependent", &w.relation_dependent.0),
                NamedTensor::of("relation_dependent_bias", &w.relation_dependent.1),
                NamedTensor::of("relation_head", &w.relation_head),
                NamedTensor::of("relation_root", &w.relation_root),
                NamedTensor::of("relation_distance", &w.relation_distance),
                NamedTensor::of("relation_output", &w.relation_output.0),
                NamedTensor::of("relation_output_bias", &w.relation_output.1),
            ],
        )
    }

    /// Reads a parser file; errors name the file.
    pub fn load(path: &Path) -> Result<Self, String> {
        model_file::load(path, Self::from_bytes)
    }

    /// Reads a parser written by [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let (description, tensors): (Description, _) = model_file::from_bytes(bytes)?;
        if description.head != Self::HEAD {
            return Err(format!("a {} head, not a parser", description.head));
        }
        let (width, arc, relation, relations) = (
            description.width,
            description.arc_units,
            description.relation_units,
            description.relations.len(),
        );
        let mut loaded = model_file::expect_tensors(
            tensors,
            &[
                ("arc_dependent", vec![width, arc]),
                ("arc_dependent_bias", vec![arc]),
                ("arc_head", vec![width, arc]),
                ("arc_head_bias", vec![arc]),
                ("arc_root", vec![1, arc]),
                ("biaffine", vec![arc, arc]),
                ("head_prior", vec![arc, 1]),
                ("arc_distance", vec![DISTANCE_BUCKETS]),
                ("relation_dependent", vec![width, relation]),
                ("relation_dependent_bias", vec![relation]),
                ("relation_head", vec![width, relation]),
                ("relation_root", vec![1, relation]),
                ("relation_distance", vec![DISTANCE_BUCKETS, relation]),
                ("relation_output", vec![relation, relations]),
                ("relation_output_bias", vec![relations]),
            ],
        )?
        .into_iter();
        let mut next = || loaded.next().expect("fifteen tensors");
        let weights = Weights {
            arc_dependent: (next(), next()),
            arc_head: (next(), next()),
            arc_root: next(),
            biaffine: next(),
            head_prior: next(),
            arc_distance: next(),
            relation_dependent: (next(), next()),
            relation_head: next(),
            relation_root: next(),
            relation_distance: next(),
            relation_output: (next(), next()),
        };
        Ok(DependencyParser {
            description,
            weights,
        })
    }
}

/// The best projective tree over the root (node 0) and `words` words (nodes 1..=words),
/// where `score(head, dependent)` scores each arc, with exactly one word under the root
/// (Eisner's algorithm). Returns each word's head node, word by word.
fn eisner(words: usize, score: impl Fn(usize, usize) -> f32) -> Vec<usize> {
    let size = words + 1;
    let at = |s: usize, t: usize| s * size + t;
    // [s, t] spans; direction 0: headed by t (arcs point left), 1: headed by s.
    let mut complete = vec![[0.0f32; 2]; size * size];
    let mut incomplete = vec![[f32::NEG_INFINITY; 2]; size * size];
    let mut complete_split = vec![[0usize; 2]; size * size];
    let mut incomplete_split = vec![[0usize; 2]; size * size];
    for width in 1..size {
        for s in 0..size - width {
            let t = s + width;
            // The root takes one word: its span is closed at the first split only.
            let splits = if s == 0 { 0..1 } else { s..t };
            let (best, split) = splits
                .map(|r| (complete[at(s, r)][1] + complete[at(r + 1, t)][0], r))
                .fold((f32::NEG_INFINITY, s), |a, b| if b.0 > a.0 { b } else { a });
            incomplete[at(s, t)] = [
                if s == 0 {
                    f32::NEG_INFINITY
                } else {
                    best + score(t, s)
                },
                best + score(s, t),
            ];
            incomplete_split[at(s, t)] = [split, split];
            let (left, left_split) = (s..t)
                .map(|r| (complete[at(s, r)][0] + incomplete[at(r, t)][0], r))
                .fold((f32::NEG_INFINITY, s), |a, b| if b.0 > a.0 { b } else { a });
            let (right, right_split) = (s + 1..=t)
                .map(|r| (incomplete[at(s, r)][1] + complete[at(r, t)][1], r))
                .fold(
                    (f32::NEG_INFINITY, s + 1),
                    |a, b| if b.0 > a.0 { b } else { a },
                );
            complete[at(s, t)] = [left, right];
            complete_split[at(s, t)] = [left_split, right_split];
        }
    }
    let mut heads = vec![0usize; size];
    // (s, t, direction, complete?) still to unfold.
    let mut stack = vec![(0, words, 1, true)];
    while let Some((s, t, direction, is_complete)) = stack.pop() {
        if s == t {
            continue;
        }
        if is_complete {
            let r = complete_split[at(s, t)][direction];
            if direction == 0 {
                stack.push((s, r, 0, true));
                stack.push((r, t, 0, false));
            } else {
                stack.push((s, r, 1, false));
                stack.push((r, t, 1, true));
            }
        } else {
            let r = incomplete_split[at(s, t)][direction];
            if direction == 0 {
                heads[s] = t;
            } else {
                heads[t] = s;
            }
            stack.push((s, r, 1, true));
            stack.push((r + 1, t, 0, true));
        }
    }
    heads[1..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: every head assignment that is a tree under the root with one root
    /// word and no crossing arcs, the best by total score.
    fn best_projective_tree(words: usize, scores: &[Vec<f32>]) -> (f32, Vec<usize>) {
        let mut best = (f32::NEG_INFINITY, Vec::new());
        let mut heads = vec![0usize; words];
        loop {
            if is_projective_tree(&heads) {
                let total: f32 = heads
                    .iter()
                    .enumerate()
                    .map(|(d, &h)| scores[h][d + 1])
                    .sum();
                if total > best.0 {
                    best = (total, heads.clone());
                }
            }
            // Next assignment, counting in base words + 1.
            let mut i = 0;
            while i < words && heads[i] == words {
                heads[i] = 0;
                i += 1;
            }
            if i == words {
                return best;
            }
            heads[i] += 1;
        }
    }

    fn is_projective_tree(heads: &[usize]) -> bool {
        let n = heads.len();
        if heads.iter().filter(|&&h| h == 0).count() != 1 {
            return false;
        }
        for (d, &h) in heads.iter().enumerate() {
            if h == d + 1 {
                return false;
            }
            // Reaches the root without a cycle.
            let (mut node, mut steps) = (d + 1, 0);
            while node != 0 && steps <= n {
                node = heads[node - 1];
                steps += 1;
            }
            if node != 0 {
                return false;
            }
        }
        let arcs: Vec<(usize, usize)> = heads
            .iter()
            .enumerate()
            .map(|(d, &h)| (h.min(d + 1), h.max(d + 1)))
            .collect();
        !arcs.iter().any(|&(a, b)| {
            arcs.iter()
                .any(|&(c, e)| (a < c && c < b && b < e) || (c < a && a < e && e < b))
        })
    }

    #[test]
    fn eisner_finds_the_best_projective_tree_with_one_root_word() {
        let mut random = crate::random::Random(5);
        for words in 1..=5 {
            for _ in 0..20 {
                let scores: Vec<Vec<f32>> = (0..=words)
                    .map(|_| random.uniform(words + 1, 3.0))
                    .collect();
                let heads = eisner(words, |h, d| scores[h][d]);
                assert!(is_projective_tree(&heads), "{heads:?}");
                let total: f32 = heads
                    .iter()
                    .enumerate()
                    .map(|(d, &h)| scores[h][d + 1])
                    .sum();
                let (best, _) = best_projective_tree(words, &scores);
                assert!(
                    (total - best).abs() < 1e-4,
                    "{total} < {best} for {heads:?}"
                );
            }
        }
    }

    #[test]
    fn the_shipped_parser_finds_subjects_and_objects_in_both_languages() {
        let Some(encoder) = vigie_encoder::e5::MultilingualEncoder::built_in_source_tree() else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let parser = DependencyParser::load(&root.join(DependencyParser::DEFAULT_PATH)).unwrap();
        for (words, subject, verb, object) in [
            (
                &["Les", "rebelles", "ont", "attaqué", "le", "convoi", "."][..],
                1,
                3,
                5,
            ),
            (
                &["Protesters", "blocked", "the", "main", "road", "."][..],
                0,
                1,
                4,
            ),
        ] {
            let text = words.join(" ");
            let mut at = 0;
            let spans: Vec<(usize, usize)> = words
                .iter()
                .map(|w| {
                    let span = (at, at + w.chars().count());
                    at = span.1 + 1;
                    span
                })
                .collect();
            let vectors =
                crate::words::word_vectors(&encoder, &text, &spans, parser.layers()).unwrap();
            let tree = parser.parse(&vectors).unwrap();
            assert_eq!(tree.heads[verb], None, "{text}: {tree:?}");
            assert_eq!(tree.heads[subject], Some(verb), "{text}: {tree:?}");
            assert_eq!(tree.relations[subject], "nsubj", "{text}: {tree:?}");
            assert_eq!(tree.heads[object], Some(verb), "{text}: {tree:?}");
            assert_eq!(tree.relations[object], "obj", "{text}: {tree:?}");
        }
    }

    #[test]
    fn buckets_clip_signed_distances_and_keep_one_for_the_root() {
        assert_eq!(bucket(5, Some(4)), MAX_DISTANCE as u32 - 1);
        assert_eq!(bucket(0, Some(100)), 2 * MAX_DISTANCE as u32);
        assert_eq!(bucket(100, Some(0)), 0);
        assert_eq!(bucket(3, None), DISTANCE_BUCKETS as u32 - 1);
    }

    #[test]
    fn words_attach_only_within_their_sentence_or_to_the_root() {
        let layout = PairLayout::new(&[2, 1]).unwrap();
        let allowed = layout.allowed.to_vec2::<f32>().unwrap();
        let open: Vec<Vec<usize>> = allowed
            .iter()
            .map(|row| (0..row.len()).filter(|&j| row[j] == 0.0).collect())
            .collect();
        assert_eq!(open, [vec![1, 3], vec![0, 3], vec![3]]);
    }
}
