//! A span tagger: one BIO tag per word from the word vectors, for any set of span kinds
//! (names: PER, LOC, ORG, MISC; event triggers: the PLOVER types).
//!
//! Each word's tag scores come from its own vector and its neighbours' (a window of
//! three words, one hidden layer), and the sequence is decoded with the BIO constraint
//! (no `I-X` unless the word before is `B-X` or `I-X`), so every span is well formed.
//! [`train`] fits the head with candle.

mod train;

use std::ops::Range;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::model_file::{self, NamedTensor};
use crate::words::WordVectors;

pub use train::{Example, train};

/// Index of the outside tag.
pub const OUTSIDE: usize = 0;

/// The tags of `kinds`: `O`, then `B-` and `I-` of each kind in order.
pub fn tags_of_kinds<S: AsRef<str>>(kinds: &[S]) -> Vec<String> {
    let mut tags = vec!["O".to_owned()];
    for kind in kinds {
        tags.push(format!("B-{}", kind.as_ref()));
        tags.push(format!("I-{}", kind.as_ref()));
    }
    tags
}

/// The kind of a tag index (none for `O`), as an index into the kinds.
pub fn kind_of_tag(tag: usize) -> Option<usize> {
    (tag != OUTSIDE).then(|| (tag - 1) / 2)
}

/// Index of the `B-` tag of kind `kind`.
pub fn begin_tag(kind: usize) -> usize {
    1 + 2 * kind
}

/// Marks `words` in `tags` as one span of kind `kind` (`B-`, then `I-`), unless one of
/// them already belongs to a span (the first span marked wins).
pub fn mark_span(tags: &mut [usize], words: Range<usize>, kind: usize) {
    if words.clone().any(|w| tags[w] != OUTSIDE) {
        return;
    }
    for (n, word) in words.enumerate() {
        tags[word] = begin_tag(kind) + usize::from(n > 0);
    }
}

/// True when `tag` opens a span (`B-`).
fn is_begin(tag: usize) -> bool {
    tag != OUTSIDE && tag % 2 == 1
}

/// A span found: a range of words and its kind (an index into the tagger's kinds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedSpan {
    /// The words, as indexes.
    pub words: Range<usize>,
    /// Index of its kind.
    pub kind: usize,
}

/// The spans of a well-formed tag sequence.
pub fn spans_of_tags(tags: &[usize]) -> Vec<TaggedSpan> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &tag) in tags.iter().enumerate() {
        let kind = kind_of_tag(tag);
        let continues = !is_begin(tag) && kind.is_some() && open.map(|(_, k)| k) == kind;
        if !continues {
            if let Some((start, kind)) = open.take() {
                spans.push(TaggedSpan {
                    words: start..i,
                    kind,
                });
            }
            open = kind.map(|k| (i, k));
        }
    }
    if let Some((start, kind)) = open {
        spans.push(TaggedSpan {
            words: start..tags.len(),
            kind,
        });
    }
    spans
}

/// What a tagger file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Description {
    /// What the tagger finds ("names", "triggers").
    head: String,
    /// Encoder layers read, in order.
    layers: Vec<usize>,
    /// Fingerprint of the event layer the last layer was read through, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event_layer: Option<u64>,
    /// Floats per word vector.
    width: usize,
    /// Units of the hidden layer.
    hidden: usize,
    /// The output tags: `O`, then `B-`/`I-` per kind.
    tags: Vec<String>,
    /// How the head was made: data and settings.
    provenance: String,
}

/// The tagger's weights.
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

/// Each member's context layer packed for the encoder's integer products
/// ([`vigie_encoder::integer`]), the hidden bias folded into the word's own share: the
/// tagger's largest product, four times faster than in f32. Empty where the CPU has
/// neither AVX-512 VNNI nor AVX2, and while a tagger is trained.
#[derive(Debug, Clone, Default)]
struct Packed(#[cfg(target_arch = "x86_64")] Vec<vigie_encoder::integer::PackedLinear>);

impl Packed {
    /// The packed context layers of `members`, or none.
    fn of(members: &[Weights]) -> candle_core::Result<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            let mut packed = Vec::with_capacity(members.len());
            for member in members {
                let (width, shares) = member.context.dims2()?;
                let hidden = member.hidden_bias.dim(0)?;
                let rows = member
                    .context
                    .t()?
                    .contiguous()?
                    .flatten_all()?
                    .to_vec1::<f32>()?;
                let mut bias = vec![0f32; shares];
                bias[hidden..2 * hidden].copy_from_slice(&member.hidden_bias.to_vec1::<f32>()?);
                match vigie_encoder::integer::PackedLinear::from_rows(&rows, &bias, shares, width) {
                    Some(layer) => packed.push(layer),
                    None => return Ok(Packed::default()),
                }
            }
            Ok(Packed(packed))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = members;
            Ok(Packed::default())
        }
    }

    /// The members' tag scores of one sentence `x` (\[words, width\], row by row), or
    /// `None` when the layers are not packed.
    fn logits(&self, members: &[Weights], x: &[f32]) -> candle_core::Result<Option<Vec<Tensor>>> {
        #[cfg(target_arch = "x86_64")]
        if self.0.len() == members.len() {
            return members
                .iter()
                .zip(&self.0)
                .map(|(member, context)| {
                    let hidden = member.hidden_bias.dim(0)?;
                    let shares = context.forward(x);
                    let words = shares.len() / (3 * hidden);
                    let share = |word: usize, part: usize| {
                        let start = word * 3 * hidden + part * hidden;
                        &shares[start..start + hidden]
                    };
                    let mut h = Vec::with_capacity(words * hidden);
                    for word in 0..words {
                        let start = h.len();
                        h.extend_from_slice(share(word, 1));
                        let row = &mut h[start..];
                        if word > 0 {
                            row.iter_mut()
                                .zip(share(word - 1, 0))
                                .for_each(|(h, s)| *h += s);
                        }
                        if word + 1 < words {
                            row.iter_mut()
                                .zip(share(word + 1, 2))
                                .for_each(|(h, s)| *h += s);
                        }
                    }
                    vigie_encoder::gelu::gelu_in_place(&mut h);
                    Tensor::from_vec(h, (words, hidden), &Device::Cpu)?
                        .matmul(&member.output)?
                        .broadcast_add(&member.output_bias)
                })
                .collect::<candle_core::Result<Vec<_>>>()
                .map(Some);
        }
        let _ = (members, x);
        Ok(None)
    }
}

/// A trained span tagger: one set of weights, or an ensemble of several trained alike
/// (different seeds) whose log-probabilities are averaged before decoding.
#[derive(Debug, Clone)]
pub struct SpanTagger {
    description: Description,
    members: Vec<Weights>,
    packed: Packed,
}

impl SpanTagger {
    /// What the tagger finds ("names", "triggers").
    pub fn head(&self) -> &str {
        &self.description.head
    }

    /// Fingerprint of the event layer its last layer is read through, if any
    /// ([`crate::event_layer::EventLayer::fingerprint`]).
    pub fn event_layer(&self) -> Option<u64> {
        self.description.event_layer
    }

    /// The encoder layers whose vectors the tagger reads (pass them to
    /// [`word_vectors`](crate::words::word_vectors)).
    pub fn layers(&self) -> &[usize] {
        &self.description.layers
    }

    /// How the tagger was made.
    pub fn provenance(&self) -> &str {
        &self.description.provenance
    }

    /// The kinds of spans, in tag order (the names after `B-`).
    pub fn kinds(&self) -> Vec<&str> {
        self.description
            .tags
            .iter()
            .skip(1)
            .step_by(2)
            .map(|tag| tag.trim_start_matches("B-"))
            .collect()
    }

    /// The tag of each word (indexes into the tags), decoded under the BIO constraint.
    pub fn tags(&self, words: &WordVectors) -> Result<Vec<usize>, String> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        Ok(decode(&self.log_probabilities(words)?))
    }

    /// Each word's tag log-probabilities, averaged over the members.
    fn log_probabilities(&self, words: &WordVectors) -> Result<Vec<Vec<f32>>, String> {
        if words.width != self.description.width {
            return Err(format!(
                "word vectors of width {}, the {} head reads {}",
                words.width, self.description.head, self.description.width
            ));
        }
        (|| {
            let logits = match self.packed.logits(&self.members, &words.values)? {
                Some(logits) => logits,
                None => {
                    let x = Tensor::from_slice(
                        &words.values,
                        (words.len(), words.width),
                        &Device::Cpu,
                    )?;
                    self.members
                        .iter()
                        .map(|member| member.logits(&x, &[words.len()], None))
                        .collect::<candle_core::Result<Vec<_>>>()?
                }
            };
            model_file::mean_log_probabilities(&logits)?.to_vec2::<f32>()
        })()
        .map_err(|e| e.to_string())
    }

    /// The spans taggers find together, each reading its own vectors of the same words
    /// (`views`: a tagger and its vectors): their log-probabilities are averaged over all
    /// their members, as one ensemble's are. The taggers must find the same kinds.
    pub fn spans_together(
        views: &[(&SpanTagger, &WordVectors)],
    ) -> Result<Vec<TaggedSpan>, String> {
        let scores = Self::log_probabilities_together(views)?;
        if scores.is_empty() {
            return Ok(Vec::new());
        }
        Ok(spans_of_tags(&decode(&scores)))
    }

    /// Each word's tag log-probabilities averaged over the members of `views`' taggers.
    fn log_probabilities_together(
        views: &[(&SpanTagger, &WordVectors)],
    ) -> Result<Vec<Vec<f32>>, String> {
        let Some((first, first_words)) = views.first() else {
            return Err("no tagger to read with".into());
        };
        if first_words.is_empty() {
            return Ok(Vec::new());
        }
        let members: usize = views.iter().map(|(tagger, _)| tagger.members()).sum();
        let mut mean = vec![vec![0f32; first.description.tags.len()]; first_words.len()];
        for (tagger, words) in views {
            if tagger.description.tags != first.description.tags || words.len() != mean.len() {
                return Err("taggers of different tags, or vectors of different words".into());
            }
            let share = tagger.members() as f32 / members as f32;
            model_file::add_share(&mut mean, tagger.log_probabilities(words)?, share);
        }
        Ok(mean)
    }

    /// Number of weight sets whose scores are averaged (1 unless an ensemble).
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// One tagger averaging the scores of `taggers`, which must read the same vectors
    /// and find the same kinds (taggers trained alike with different seeds).
    pub fn ensemble(taggers: Vec<SpanTagger>) -> Result<SpanTagger, String> {
        let descriptions: Vec<&Description> = taggers.iter().map(|t| &t.description).collect();
        let description = model_file::ensemble_description(&descriptions, |d| &mut d.provenance)?;
        let members: Vec<Weights> = taggers.into_iter().flat_map(|t| t.members).collect();
        Ok(SpanTagger {
            description,
            packed: Packed::of(&members).map_err(|e| e.to_string())?,
            members,
        })
    }

    /// The spans among `words`.
    pub fn spans(&self, words: &WordVectors) -> Result<Vec<TaggedSpan>, String> {
        Ok(spans_of_tags(&self.tags(words)?))
    }

    /// The tagger as bytes (format `VIGIE-HEAD1`, half-precision weights).
    pub fn to_bytes(&self) -> Vec<u8> {
        let tensors: Vec<NamedTensor> = self
            .members
            .iter()
            .flat_map(|w| {
                [
                    NamedTensor::of("context", &w.context),
                    NamedTensor::of("hidden_bias", &w.hidden_bias),
                    NamedTensor::of("output", &w.output),
                    NamedTensor::of("output_bias", &w.output_bias),
                ]
            })
            .collect();
        model_file::to_bytes(&self.description, &tensors)
    }

    /// Reads the `head` tagger file at `path`; errors name it.
    pub fn load(path: &Path, head: &str) -> Result<Self, String> {
        model_file::load(path, |bytes| Self::from_bytes(bytes, head))
    }

    /// Reads a tagger written by [`to_bytes`](Self::to_bytes), which must find `head`.
    pub fn from_bytes(bytes: &[u8], head: &str) -> Result<Self, String> {
        let (description, tensors): (Description, _) = model_file::from_bytes(bytes)?;
        if description.head != head {
            return Err(format!("a {} head, not a {head} head", description.head));
        }
        let kinds: Vec<&str> = description
            .tags
            .iter()
            .skip(1)
            .step_by(2)
            .map(|t| t.trim_start_matches("B-"))
            .collect();
        if description.tags != tags_of_kinds(&kinds) {
            return Err(format!("malformed tags {:?}", description.tags));
        }
        let (width, hidden, tags) = (
            description.width,
            description.hidden,
            description.tags.len(),
        );
        let members = model_file::expect_members(
            tensors,
            &[
                ("context", vec![width, 3 * hidden]),
                ("hidden_bias", vec![hidden]),
                ("output", vec![hidden, tags]),
                ("output_bias", vec![tags]),
            ],
        )?
        .into_iter()
        .map(|member| {
            let [context, hidden_bias, output, output_bias] =
                <[Tensor; 4]>::try_from(member).expect("four tensors");
            Weights {
                context,
                hidden_bias,
                output,
                output_bias,
            }
        })
        .collect::<Vec<_>>();
        Ok(SpanTagger {
            description,
            packed: Packed::of(&members).map_err(|e| e.to_string())?,
            members,
        })
    }
}

/// Whether tag `to` may follow tag `from` (`None`: the sentence's first word).
fn may_follow(from: Option<usize>, to: usize) -> bool {
    if to == OUTSIDE || is_begin(to) {
        return true;
    }
    from.is_some_and(|f| kind_of_tag(f) == kind_of_tag(to))
}

/// The best-scoring well-formed tag sequence (Viterbi over per-word log-probabilities).
fn decode(scores: &[Vec<f32>]) -> Vec<usize> {
    let n = scores[0].len();
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
        .expect("at least the outside tag");
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

    const KINDS: [&str; 4] = ["PER", "LOC", "ORG", "MISC"];

    fn tag(name: &str) -> usize {
        tags_of_kinds(&KINDS)
            .iter()
            .position(|t| t == name)
            .unwrap()
    }

    #[test]
    fn packed_scores_match_the_float_scores() {
        let (width, hidden, tags, words) = (64, 32, 9, 5);
        let values = |count: usize, seed: f32, scale: f32| -> Vec<f32> {
            (0..count)
                .map(|i| (i as f32 * 0.37 + seed).sin() * scale)
                .collect()
        };
        let tensor = |shape: &[usize], seed: f32| {
            let count = shape.iter().product();
            Tensor::from_vec(values(count, seed, 0.2), shape, &Device::Cpu).unwrap()
        };
        let member = Weights {
            context: tensor(&[width, 3 * hidden], 1.0),
            hidden_bias: tensor(&[hidden], 2.0),
            output: tensor(&[hidden, tags], 3.0),
            output_bias: tensor(&[tags], 4.0),
        };
        let members = [member];
        let x = values(words * width, 5.0, 1.0);
        let packed = Packed::of(&members).unwrap();
        let Some(fast) = packed.logits(&members, &x).unwrap() else {
            eprintln!("skipped: this CPU has neither AVX-512 VNNI nor AVX2");
            return;
        };
        let input = Tensor::from_slice(&x, (words, width), &Device::Cpu).unwrap();
        let float = members[0].logits(&input, &[words], None).unwrap();
        let (fast, float) = (
            fast[0].flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            float.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        );
        assert!(float.iter().any(|v| v.abs() > 0.1));
        for (fast, float) in fast.iter().zip(&float) {
            assert!((fast - float).abs() < 0.02, "{fast} against {float}");
        }
    }

    #[test]
    fn spans_are_read_from_tags() {
        let tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-ORG"].map(tag);
        let kind = |k: &str| KINDS.iter().position(|x| *x == k).unwrap();
        assert_eq!(
            spans_of_tags(&tags),
            [
                TaggedSpan {
                    words: 0..2,
                    kind: kind("PER")
                },
                TaggedSpan {
                    words: 3..4,
                    kind: kind("LOC")
                },
                TaggedSpan {
                    words: 4..6,
                    kind: kind("LOC")
                },
                TaggedSpan {
                    words: 6..7,
                    kind: kind("ORG")
                },
            ]
        );
    }

    #[test]
    fn decoding_never_opens_a_span_with_i() {
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
    fn the_first_span_marked_wins() {
        let mut tags = vec![OUTSIDE; 5];
        mark_span(&mut tags, 1..3, 2);
        mark_span(&mut tags, 2..4, 0);
        mark_span(&mut tags, 4..5, 1);
        assert_eq!(tags, [OUTSIDE, 5, 6, OUTSIDE, 3]);
    }

    #[test]
    fn neighbours_stop_at_sentence_edges() {
        let (before, after) = neighbours(&[2, 1]);
        assert_eq!(before, [3, 0, 3]);
        assert_eq!(after, [1, 3, 3]);
    }
}
