//! The event layer: the encoder's last transformer layers tuned for events.
//!
//! The encoder's weights stay as they are (the name head and the parser read them); the
//! event layer is a copy of its last layer — or of its last few, a stack — started from
//! the encoder's own weights and trained on Vigie's corpus so that its token vectors tell
//! the PLOVER types of triggers apart. It reads the encoder's states after the layer below
//! the ones it copies and stands in for the last layer wherever the event heads read it:
//! as many more layers per sentence as it holds, run after the encoder's pass.
//!
//! Training puts a linear tag layer over the event layer's word vectors (the mean of
//! their tokens, as [`crate::words`] pools them) and trains both on the trigger tags of
//! the corpus (`O`, `B-`/`I-` of each PLOVER type); the tag layer is then dropped and the
//! event heads are trained on the new vectors.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use candle_core::{D, DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::{Deserialize, Serialize};
use vigie_encoder::e5::layer::LayerWeights;
use vigie_encoder::e5::model::PackedLayer;
use vigie_encoder::e5::{Arithmetic, MultilingualEncoder};

use crate::model_file::{self, NamedTensor};
use crate::random::Random;
use crate::tagger::spans_of_tags;

/// What an event-layer file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Description {
    /// Always "event-layer".
    head: String,
    /// The encoder layer it stands in for (the last).
    replaces: usize,
    /// How many of the encoder's layers it copies, ending with `replaces`; left out of
    /// the file for one, so a single layer's file is what it was before stacks existed.
    #[serde(default = "one_layer", skip_serializing_if = "is_one_layer")]
    depth: usize,
    /// Attention heads.
    heads: usize,
    /// LayerNorm epsilon.
    epsilon: f32,
    /// How it was made: data and settings.
    provenance: String,
}

fn one_layer() -> usize {
    1
}

fn is_one_layer(depth: &usize) -> bool {
    *depth == 1
}

/// The encoder's last layers tuned for events.
#[derive(Debug, Clone)]
pub struct EventLayer {
    description: Description,
    /// The layers, bottom first.
    weights: Vec<LayerWeights>,
    /// The weights as the pipeline runs them (integer products where the CPU has AVX-512
    /// VNNI or AVX2), shared by clones.
    packed: Arc<Vec<PackedLayer>>,
    fingerprint: u64,
}

/// The head name written in event-layer files.
pub const EVENT_LAYER_HEAD: &str = "event-layer";

impl EventLayer {
    /// Where the shipped event layer lives, relative to the repository root.
    pub const DEFAULT_FILE: &'static str = "data/models/event-layer.bin";

    /// The untrained event layer: a copy of the `depth` layers of the encoder in
    /// `encoder_dir` that end with layer `replaces`, to be trained by [`train`];
    /// `provenance` says how it is made.
    pub fn from_encoder(
        encoder_dir: &Path,
        replaces: usize,
        depth: usize,
        provenance: &str,
    ) -> Result<Self, String> {
        check_depth(depth, replaces)?;
        let weights = (replaces + 1 - depth..=replaces)
            .map(|layer| MultilingualEncoder::read_layer(encoder_dir, layer))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Self::of_weights(
            Description {
                head: EVENT_LAYER_HEAD.to_owned(),
                replaces,
                depth,
                heads: weights[0].heads,
                epsilon: weights[0].epsilon,
                provenance: provenance.to_owned(),
            },
            weights,
            0,
        )
    }

    fn of_weights(
        description: Description,
        weights: Vec<LayerWeights>,
        fingerprint: u64,
    ) -> Result<Self, String> {
        let packed = weights
            .iter()
            .map(|layer| PackedLayer::new(layer, Arithmetic::Integer))
            .collect::<candle_core::Result<Vec<_>>>()
            .map_err(|e| format!("event layer: {e}"))?;
        Ok(EventLayer {
            description,
            weights,
            packed: Arc::new(packed),
            fingerprint,
        })
    }

    /// The encoder layer it stands in for.
    pub fn replaces(&self) -> usize {
        self.description.replaces
    }

    /// How many layers it holds.
    pub fn depth(&self) -> usize {
        self.description.depth
    }

    /// The encoder layer whose states it reads (the one below the ones it copies).
    pub fn reads(&self) -> usize {
        self.description.replaces - self.description.depth
    }

    /// How it was made.
    pub fn provenance(&self) -> &str {
        &self.description.provenance
    }

    /// A fingerprint of its weights: heads trained on its vectors record it, and caches
    /// of its vectors are keyed by it.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The token vectors of sequences of `lengths` tokens (laid end to end, `states` row
    /// by row after [`reads`](Self::reads)) after the event layer, row by row, its
    /// products in the encoder's `arithmetic` (integer where the CPU has AVX-512 VNNI or AVX2).
    pub fn apply(
        &self,
        states: &[f32],
        lengths: &[usize],
        arithmetic: Arithmetic,
    ) -> Result<Vec<f32>, String> {
        let tokens: usize = lengths.iter().sum();
        let run = || -> candle_core::Result<Vec<f32>> {
            if tokens == 0 {
                return Ok(Vec::new());
            }
            let width = states.len() / tokens;
            let mut x = Tensor::from_slice(states, (tokens, width), &Device::Cpu)?;
            for (layer, packed) in self.weights.iter().zip(self.packed.iter()) {
                x = match arithmetic {
                    Arithmetic::Integer => packed.forward(&x, lengths)?,
                    Arithmetic::Float => layer.forward(&x, lengths)?,
                };
            }
            x.flatten_all()?.to_vec1::<f32>()
        };
        run().map_err(|e| format!("event layer: {e}"))
    }

    /// The file's bytes (tensors as half floats).
    pub fn to_bytes(&self) -> Vec<u8> {
        let tensors: Vec<NamedTensor> = self
            .weights
            .iter()
            .enumerate()
            .flat_map(|(index, layer)| {
                layer.named().into_iter().map(move |(name, tensor)| {
                    NamedTensor::of(&tensor_name(&self.description, index, name), tensor)
                })
            })
            .collect();
        model_file::to_bytes(&self.description, &tensors)
    }

    /// Loads an event layer; errors name the file.
    pub fn load(path: &Path) -> Result<Self, String> {
        model_file::load(path, Self::from_bytes)
    }

    /// Reads an event layer written by [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let (description, tensors): (Description, _) = model_file::from_bytes(bytes)?;
        if description.head != EVENT_LAYER_HEAD {
            return Err(format!(
                "holds a {:?} head, not an event layer",
                description.head
            ));
        }
        check_depth(description.depth, description.replaces)?;
        let weights = (0..description.depth)
            .map(|index| {
                LayerWeights::from_named(description.heads, description.epsilon, |name| {
                    let name = tensor_name(&description, index, name);
                    let tensor = tensors
                        .iter()
                        .find(|t: &&NamedTensor| t.name == name)
                        .ok_or_else(|| format!("tensor {name} missing"))?;
                    Tensor::from_slice(&tensor.values, tensor.shape.as_slice(), &Device::Cpu)
                        .map_err(|e| format!("tensor {name}: {e}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::of_weights(
            description,
            weights,
            vigie_core::fnv1a(bytes.iter().copied()),
        )
    }
}

/// Refuses a stack of `depth` layers ending with encoder layer `replaces` that the
/// encoder cannot hold (none, or more layers than lie below and at `replaces`).
fn check_depth(depth: usize, replaces: usize) -> Result<(), String> {
    if depth == 0 || depth > replaces {
        return Err(format!(
            "an event layer of {depth} layers cannot end with encoder layer {replaces}"
        ));
    }
    Ok(())
}

/// The name in its file of tensor `name` of layer `index` (bottom first) of an event
/// layer: the layer's own name for a single layer (as files written before stacks existed
/// name them), led by the encoder layer it copies in a stack.
fn tensor_name(description: &Description, index: usize, name: &str) -> String {
    if description.depth == 1 {
        name.to_owned()
    } else {
        let layer = description.replaces + 1 - description.depth + index;
        format!("{layer}.{name}")
    }
}

/// One training sentence: the encoder's states below the tuned layers, which tokens
/// each word covers, and each word's trigger tag.
#[derive(Debug, Clone)]
pub struct LayerExample {
    /// \[tokens, hidden\] after [`EventLayer::reads`], row by row.
    pub states: Vec<half::f16>,
    /// The tokens covering each word (see [`crate::words::covering_tokens`]).
    pub words: Vec<Range<usize>>,
    /// Each word's tag (`O`, `B-`/`I-` of a kind).
    pub tags: Vec<usize>,
}

impl LayerExample {
    /// A sentence from its states (\[tokens, hidden\] f32, row by row), the tokens covering
    /// each word and the words' tags; the states are kept as half floats.
    pub fn new(states: &[f32], words: Vec<Range<usize>>, tags: Vec<usize>) -> Result<Self, String> {
        if words.len() != tags.len() {
            return Err(format!("{} words but {} tags", words.len(), tags.len()));
        }
        Ok(LayerExample {
            states: states.iter().map(|&v| half::f16::from_f32(v)).collect(),
            words,
            tags,
        })
    }
}

/// Settings of [`train`].
#[derive(Debug, Clone)]
pub struct LayerTraining {
    /// Passes over the training sentences.
    pub epochs: usize,
    /// Sentences per update.
    pub batch: usize,
    /// The layer's AdamW learning rate.
    pub layer_rate: f64,
    /// The tag layer's AdamW learning rate.
    pub tag_rate: f64,
    /// Share of the states the layer reads, and of the word vectors it gives, dropped
    /// while training.
    pub dropout: f32,
    /// Seed of the tag layer's initial weights, the order of the sentences and the
    /// dropout masks.
    pub seed: u64,
}

impl Default for LayerTraining {
    fn default() -> Self {
        LayerTraining {
            epochs: 8,
            batch: 16,
            layer_rate: 3e-4,
            tag_rate: 3e-3,
            dropout: 0.1,
            seed: 17,
        }
    }
}

/// A batch of sentences laid end to end.
struct Batch {
    states: Tensor,
    lengths: Vec<usize>,
    /// \[words, tokens\]: each word's row averages its tokens.
    pooling: Tensor,
    tags: Tensor,
}

impl Batch {
    fn of(examples: &[&LayerExample], hidden: usize) -> candle_core::Result<Self> {
        let lengths: Vec<usize> = examples.iter().map(|e| e.states.len() / hidden).collect();
        let tokens: usize = lengths.iter().sum();
        let words: usize = examples.iter().map(|e| e.words.len()).sum();
        let mut pooling = vec![0f32; words * tokens];
        let (mut word, mut offset) = (0, 0);
        for (example, length) in examples.iter().zip(&lengths) {
            for covered in &example.words {
                let share = 1.0 / covered.len().max(1) as f32;
                for token in covered.clone() {
                    pooling[word * tokens + offset + token] = share;
                }
                word += 1;
            }
            offset += length;
        }
        let states: Vec<f32> = examples
            .iter()
            .flat_map(|e| e.states.iter().map(|v| v.to_f32()))
            .collect();
        let tags: Vec<u32> = examples
            .iter()
            .flat_map(|e| e.tags.iter().map(|&t| t as u32))
            .collect();
        Ok(Batch {
            states: Tensor::from_vec(states, (tokens, hidden), &Device::Cpu)?,
            pooling: Tensor::from_vec(pooling, (words, tokens), &Device::Cpu)?,
            tags: Tensor::from_vec(tags, words, &Device::Cpu)?,
            lengths,
        })
    }

    /// Tag scores \[words, tags\] through `layers` (bottom first) and the tag layer; while
    /// training, `dropout` masks (already scaled) apply to the states the layers read and
    /// to the word vectors they give.
    fn logits(
        &self,
        layers: &[LayerWeights],
        tag_weights: &Tensor,
        tag_bias: &Tensor,
        dropout: Option<(&Tensor, &Tensor)>,
    ) -> candle_core::Result<Tensor> {
        let mut states = match dropout {
            Some((input, _)) => self.states.mul(input)?,
            None => self.states.clone(),
        };
        for layer in layers {
            states = layer.forward(&states, &self.lengths)?;
        }
        let mut words = self.pooling.matmul(&states)?;
        if let Some((_, output)) = dropout {
            words = words.mul(output)?;
        }
        words.matmul(tag_weights)?.broadcast_add(tag_bias)
    }
}

/// Exact-span F1 of the tags `logits` pick against the gold tags of `examples`.
fn span_f1(
    logits: &Tensor,
    examples: &[&LayerExample],
) -> candle_core::Result<(usize, usize, usize)> {
    let picked = logits.argmax(D::Minus1)?.to_vec1::<u32>()?;
    let (mut correct, mut predicted, mut gold, mut start) = (0, 0, 0, 0);
    for example in examples {
        let n = example.tags.len();
        let tags: Vec<usize> = picked[start..start + n]
            .iter()
            .map(|&t| t as usize)
            .collect();
        let (found, wanted) = (spans_of_tags(&tags), spans_of_tags(&example.tags));
        correct += found.iter().filter(|s| wanted.contains(s)).count();
        predicted += found.len();
        gold += wanted.len();
        start += n;
    }
    Ok((correct, predicted, gold))
}

/// Trains `start` (from [`EventLayer::from_encoder`]) with a tag layer of `tags` tags on
/// `training`; keeps the epoch whose trigger span F1 on `development` is best. `progress`
/// hears each epoch's mean loss and development F1.
pub fn train(
    start: &EventLayer,
    tags: usize,
    training: &[LayerExample],
    development: &[LayerExample],
    settings: &LayerTraining,
    mut progress: impl FnMut(usize, f64, f64),
) -> Result<EventLayer, String> {
    let mut run = || -> candle_core::Result<EventLayer> {
        let hidden = start.weights[0].query.weight.dim(1)?;
        let mut layer_vars = Vec::new();
        let layers = start
            .weights
            .iter()
            .map(|layer| {
                layer.map(|_, tensor| {
                    let var = Var::from_tensor(tensor)?;
                    let shared = var.as_tensor().clone();
                    layer_vars.push(var);
                    Ok(shared)
                })
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        let mut random = Random(settings.seed);
        let tag_weights = random.glorot(hidden, tags, hidden)?;
        let tag_bias = Var::zeros(tags, DType::F32, &Device::Cpu)?;
        let mut layer_optimizer = AdamW::new(
            layer_vars,
            ParamsAdamW {
                lr: settings.layer_rate,
                weight_decay: 0.01,
                ..ParamsAdamW::default()
            },
        )?;
        let mut tag_optimizer = AdamW::new(
            vec![tag_weights.clone(), tag_bias.clone()],
            ParamsAdamW {
                lr: settings.tag_rate,
                weight_decay: 1e-4,
                ..ParamsAdamW::default()
            },
        )?;
        let snapshot = || -> candle_core::Result<EventLayer> {
            let made = EventLayer::of_weights(
                start.description.clone(),
                layers
                    .iter()
                    .map(|layer| layer.map(|_, tensor| tensor.copy()))
                    .collect::<candle_core::Result<Vec<_>>>()?,
                0,
            )
            .map_err(candle_core::Error::msg)?;
            // As it will be read back: half floats, fingerprinted.
            EventLayer::from_bytes(&made.to_bytes()).map_err(candle_core::Error::msg)
        };
        let development: Vec<&LayerExample> = development.iter().collect();
        let mut order: Vec<usize> = (0..training.len()).collect();
        let mut best: Option<(f64, EventLayer)> = None;
        for epoch in 1..=settings.epochs {
            random.shuffle(&mut order);
            let (mut loss_sum, mut batches) = (0.0, 0usize);
            for chunk in order.chunks(settings.batch) {
                let examples: Vec<&LayerExample> = chunk.iter().map(|&i| &training[i]).collect();
                let batch = Batch::of(&examples, hidden)?;
                if batch.tags.dim(0)? == 0 {
                    continue;
                }
                let (tokens, words) = (batch.states.dim(0)?, batch.tags.dim(0)?);
                let input_mask = Tensor::from_vec(
                    random.mask(tokens * hidden, settings.dropout),
                    (tokens, hidden),
                    &Device::Cpu,
                )?;
                let output_mask = Tensor::from_vec(
                    random.mask(words * hidden, settings.dropout),
                    (words, hidden),
                    &Device::Cpu,
                )?;
                let logits = batch.logits(
                    &layers,
                    &tag_weights,
                    &tag_bias,
                    Some((&input_mask, &output_mask)),
                )?;
                let loss = candle_nn::loss::cross_entropy(&logits, &batch.tags)?;
                let grads = loss.backward()?;
                layer_optimizer.step(&grads)?;
                tag_optimizer.step(&grads)?;
                loss_sum += f64::from(loss.to_scalar::<f32>()?);
                batches += 1;
            }
            let (mut correct, mut predicted, mut gold) = (0, 0, 0);
            for chunk in development.chunks(64) {
                let batch = Batch::of(chunk, hidden)?;
                let logits = batch.logits(&layers, &tag_weights, &tag_bias, None)?;
                let (c, p, g) = span_f1(&logits, chunk)?;
                (correct, predicted, gold) = (correct + c, predicted + p, gold + g);
            }
            let f1 = if correct == 0 {
                0.0
            } else {
                2.0 * correct as f64 / (predicted + gold) as f64
            };
            progress(epoch, loss_sum / batches.max(1) as f64, f1);
            if best.as_ref().is_none_or(|(b, _)| f1 > *b) {
                best = Some((f1, snapshot()?));
            }
        }
        best.map(|(_, made)| made)
            .ok_or_else(|| candle_core::Error::msg("no epoch"))
    };
    run().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::{begin_tag, tags_of_kinds};
    use crate::words::{WordVectors, covering_tokens, word_vectors_through};
    use vigie_encoder::e5::Role;

    fn encoder_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(MultilingualEncoder::DEFAULT_DIR)
    }

    #[test]
    fn an_untrained_event_layer_reads_like_the_encoders_last_layer() {
        let Ok(encoder) = MultilingualEncoder::load_with(&encoder_dir(), Arithmetic::Float) else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let layer = EventLayer::from_encoder(&encoder_dir(), encoder.depth(), 1, "a test").unwrap();
        assert_eq!((layer.replaces(), layer.reads()), (12, 11));
        let stack = EventLayer::from_encoder(&encoder_dir(), encoder.depth(), 2, "a test").unwrap();
        assert_eq!(
            (stack.replaces(), stack.reads(), stack.depth()),
            (12, 10, 2)
        );
        assert!(EventLayer::from_encoder(&encoder_dir(), 2, 3, "a test").is_err());
        let text = "Des manifestants ont incendié la mairie de Goma.";
        let words = [
            (0, 3),
            (4, 15),
            (16, 19),
            (20, 28),
            (29, 31),
            (32, 38),
            (39, 41),
            (42, 46),
        ];
        for layer in [&layer, &stack] {
            let read = word_vectors_through(&encoder, &[(text, &words)], &[4, 12], &[4, 12], layer)
                .unwrap();
            let (plain, through) = &read[0];
            assert_eq!((plain.width, plain.len()), (through.width, words.len()));
            let worst = plain
                .values
                .iter()
                .zip(&through.values)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(worst < 1e-3, "largest difference {worst}");
            // Written as half floats and read back: the same layers, up to rounding.
            let again = EventLayer::from_bytes(&layer.to_bytes()).unwrap();
            assert_eq!(
                (again.provenance(), again.depth()),
                ("a test", layer.depth())
            );
            assert_eq!(
                again.fingerprint(),
                EventLayer::from_bytes(&again.to_bytes())
                    .unwrap()
                    .fingerprint()
            );
        }
        assert!(EventLayer::from_bytes(b"VIGIE-HEAD1\n").is_err());
    }

    #[test]
    fn sentences_read_together_through_the_layer_read_as_one_by_one() {
        let Ok(encoder) = MultilingualEncoder::load(&encoder_dir()) else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let layer = EventLayer::from_encoder(&encoder_dir(), encoder.depth(), 1, "a test").unwrap();
        let texts = [
            "Rebels attacked the convoy outside Bunia.",
            "Le ministre a rencontré les grévistes à Dakar mardi.",
            "Talks resumed.",
        ];
        let words: Vec<Vec<(usize, usize)>> = texts
            .iter()
            .map(|text| {
                let mut start = 0;
                text.split(' ')
                    .map(|word| {
                        let span = (start, start + word.chars().count());
                        start = span.1 + 1;
                        span
                    })
                    .collect()
            })
            .collect();
        let pairs: Vec<(&str, &[(usize, usize)])> = texts
            .iter()
            .copied()
            .zip(words.iter().map(Vec::as_slice))
            .collect();
        let together = word_vectors_through(&encoder, &pairs, &[12], &[12], &layer).unwrap();
        for (pair, together) in pairs.iter().zip(&together) {
            let alone = word_vectors_through(&encoder, &[*pair], &[12], &[12], &layer).unwrap();
            let worst = |a: &WordVectors, b: &WordVectors| {
                assert_eq!(a.values.len(), b.values.len());
                a.values
                    .iter()
                    .zip(&b.values)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0f32, f32::max)
            };
            let tolerance = match encoder.arithmetic() {
                Arithmetic::Integer => 0.0,
                Arithmetic::Float => 1e-5,
            };
            assert!(worst(&alone[0].0, &together.0) <= tolerance);
            assert!(worst(&alone[0].1, &together.1) <= tolerance, "{}", pair.0);
        }
    }

    #[test]
    fn training_teaches_the_layer_the_trigger_tags() {
        let Ok(encoder) = MultilingualEncoder::load_with(&encoder_dir(), Arithmetic::Float) else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        // "attacked" opens an ASSAULT trigger, "met" a CONSULT one; every other word is O.
        let kinds = ["ASSAULT", "CONSULT"];
        let sentences = [
            "Gunmen attacked a police post near Kano on Sunday.",
            "The two ministers met in Geneva on Tuesday.",
            "Rebels attacked the convoy outside Bunia.",
            "Union leaders met the prime minister in Dakar.",
            "Soldiers attacked a village in the north.",
            "The envoys met rebel commanders in Juba.",
        ];
        // A single layer, as shipped, and a stack of two.
        for depth in [1, 2] {
            let examples: Vec<LayerExample> = sentences
                .iter()
                .map(|text| {
                    let words: Vec<(usize, usize)> = vigie_core::tokenize(text)
                        .iter()
                        .map(|t| (t.span.start, t.span.end))
                        .collect();
                    let (tokens, states) = encoder
                        .token_layers(text, Role::Passage, &[encoder.depth() - depth])
                        .unwrap();
                    let tags = vigie_core::tokenize(text)
                        .iter()
                        .map(|t| match t.text(text) {
                            "attacked" => begin_tag(0),
                            "met" => begin_tag(1),
                            _ => crate::tagger::OUTSIDE,
                        })
                        .collect();
                    LayerExample::new(&states[0], covering_tokens(&tokens, &words), tags).unwrap()
                })
                .collect();
            let start =
                EventLayer::from_encoder(&encoder_dir(), encoder.depth(), depth, "a test").unwrap();
            let mut scores = Vec::new();
            let settings = LayerTraining {
                epochs: 12,
                batch: 3,
                ..LayerTraining::default()
            };
            let trained = train(
                &start,
                tags_of_kinds(&kinds).len(),
                &examples,
                &examples,
                &settings,
                |_, _, f1| scores.push(f1),
            )
            .unwrap();
            assert_eq!(scores.len(), 12);
            assert!(
                scores.iter().copied().fold(0.0, f64::max) > 0.9,
                "depth {depth}: {scores:?}"
            );
            assert_eq!(trained.depth(), depth);
            assert_ne!(trained.fingerprint(), 0);
            assert_ne!(
                trained.to_bytes(),
                EventLayer::from_bytes(&start.to_bytes())
                    .unwrap()
                    .to_bytes()
            );
        }
    }
}
