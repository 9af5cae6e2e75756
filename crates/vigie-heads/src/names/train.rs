//! Training the name head with candle: mini-batches of sentences, AdamW, input and hidden
//! dropout, and the epoch with the best entity F1 on the development sentences kept.
//!
//! Corpora that do not annotate every kind (no MISC in UNER or Europeana) are read as
//! partial labels: a word tagged `O` there may also be a name of a kind the corpus does
//! not mark, and the loss is the negative log of the probability of all tags allowed
//! (the gold tag, or `O` and the unmarked kinds).

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use super::{Description, NameKind, NameTagger, OUTSIDE, TAGS, Weights, names_of_tags};
use crate::words::WordVectors;

/// One training sentence: its word vectors and its gold tags.
#[derive(Debug, Clone)]
pub struct Example {
    /// Floats per word.
    width: usize,
    /// \[words, width\] at half precision (the training set is kept in memory).
    vectors: Vec<half::f16>,
    /// Gold tag of each word (indexes into [`TAGS`]).
    tags: Vec<usize>,
    /// The kinds the corpus marks; a word tagged `O` may be a name of another kind.
    marked: [bool; 4],
}

impl Example {
    /// A sentence with its word vectors, gold tags (`"B-PER"`, … ; unknown tags are read
    /// as `O`) and the kinds its corpus marks.
    pub fn new(vectors: &WordVectors, tags: &[&str], marked: &[NameKind]) -> Result<Self, String> {
        if vectors.len() != tags.len() {
            return Err(format!(
                "{} word vectors for {} tags",
                vectors.len(),
                tags.len()
            ));
        }
        Ok(Example {
            width: vectors.width,
            vectors: vectors
                .values
                .iter()
                .map(|&v| half::f16::from_f32(v))
                .collect(),
            tags: tags
                .iter()
                .map(|t| TAGS.iter().position(|known| known == t).unwrap_or(OUTSIDE))
                .collect(),
            marked: NameKind::ALL.map(|k| marked.contains(&k)),
        })
    }

    fn len(&self) -> usize {
        self.tags.len()
    }

    /// Appends the example to `out` (for a cache of encoded sentences).
    pub fn write(&self, out: &mut Vec<u8>) {
        let marked = self
            .marked
            .iter()
            .enumerate()
            .fold(0u8, |bits, (i, &m)| bits | (u8::from(m) << i));
        out.extend((self.width as u32).to_le_bytes());
        out.extend((self.tags.len() as u32).to_le_bytes());
        out.push(marked);
        out.extend(self.tags.iter().map(|&t| t as u8));
        for value in &self.vectors {
            out.extend(value.to_le_bytes());
        }
    }

    /// Reads an example written by [`write`](Self::write) from the front of `bytes`.
    pub fn read(bytes: &mut &[u8]) -> Result<Self, String> {
        let mut take = |n: usize| -> Result<&[u8], String> {
            let (head, tail) = bytes.split_at_checked(n).ok_or("truncated example")?;
            *bytes = tail;
            Ok(head)
        };
        let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
        let width = u32_at(take(4)?);
        let words = u32_at(take(4)?);
        let marked = take(1)?[0];
        let tags: Vec<usize> = take(words)?.iter().map(|&t| usize::from(t)).collect();
        if tags.iter().any(|&t| t >= TAGS.len()) {
            return Err("unknown tag in example".into());
        }
        let vectors = take(words * width * 2)?
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]))
            .collect();
        Ok(Example {
            width,
            vectors,
            tags,
            marked: [0, 1, 2, 3].map(|i| marked & (1 << i) != 0),
        })
    }

    /// 0 for each tag allowed at each word, a large negative number otherwise.
    fn allowed_penalties(&self) -> Vec<f32> {
        let mut penalties = vec![-1e4f32; self.len() * TAGS.len()];
        for (word, &gold) in self.tags.iter().enumerate() {
            let row = &mut penalties[word * TAGS.len()..(word + 1) * TAGS.len()];
            row[gold] = 0.0;
            if gold == OUTSIDE {
                for kind in NameKind::ALL
                    .into_iter()
                    .filter(|k| !self.marked[k.index()])
                {
                    row[kind.begin_tag()] = 0.0;
                    row[kind.begin_tag() + 1] = 0.0;
                }
            }
        }
        penalties
    }
}

/// Settings of a training run.
#[derive(Debug, Clone)]
pub struct TrainingOptions {
    /// Encoder layers the word vectors were taken from.
    pub layers: Vec<usize>,
    /// Units of the hidden layer.
    pub hidden: usize,
    /// Passes over the training sentences.
    pub epochs: usize,
    /// Sentences per update.
    pub batch: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// Share of inputs and hidden units dropped while training.
    pub dropout: f32,
    /// Seed of the initial weights, the order of the sentences and the dropout masks.
    pub seed: u64,
}

impl Default for TrainingOptions {
    fn default() -> Self {
        TrainingOptions {
            layers: vec![12],
            hidden: 256,
            epochs: 10,
            batch: 32,
            learning_rate: 1e-3,
            dropout: 0.25,
            seed: 17,
        }
    }
}

/// A small deterministic generator (SplitMix64): candle's CPU generator cannot be seeded.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// `count` values uniform in [-bound, bound].
    fn uniform(&mut self, count: usize, bound: f32) -> Vec<f32> {
        (0..count)
            .map(|_| (self.unit() * 2.0 - 1.0) * bound)
            .collect()
    }

    /// A dropout mask of `count` values: 0 with probability `p`, else 1 / (1 − p).
    fn mask(&mut self, count: usize, p: f32) -> Vec<f32> {
        let keep = 1.0 / (1.0 - p);
        (0..count)
            .map(|_| if self.unit() < p { 0.0 } else { keep })
            .collect()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }
}

/// Entity-level F1 of the head on `examples`, counting only the kinds each one marks.
fn entity_f1(tagger: &NameTagger, examples: &[Example]) -> candle_core::Result<f64> {
    let (mut correct, mut predicted, mut gold) = (0usize, 0usize, 0usize);
    for example in examples {
        let vectors = WordVectors {
            width: example.width,
            values: example.vectors.iter().map(|v| v.to_f32()).collect(),
        };
        let tags = tagger.tags(&vectors).map_err(candle_core::Error::msg)?;
        let marked = |kind: NameKind| example.marked[kind.index()];
        let guessed: Vec<_> = names_of_tags(&tags)
            .into_iter()
            .filter(|n| marked(n.kind))
            .collect();
        let expected = names_of_tags(&example.tags);
        correct += guessed.iter().filter(|n| expected.contains(n)).count();
        predicted += guessed.len();
        gold += expected.len();
    }
    Ok(if correct == 0 {
        0.0
    } else {
        2.0 * correct as f64 / (predicted + gold) as f64
    })
}

/// Trains a name head on `training`, keeping the epoch whose entity F1 on `development`
/// is best; `progress` hears each epoch's mean loss and development F1.
pub fn train(
    training: &[Example],
    development: &[Example],
    options: &TrainingOptions,
    provenance: &str,
    mut progress: impl FnMut(usize, f64, f64),
) -> candle_core::Result<NameTagger> {
    let width = training
        .first()
        .map(|e| e.width)
        .ok_or_else(|| candle_core::Error::msg("no training sentence"))?;
    let (hidden, tags) = (options.hidden, TAGS.len());
    let device = Device::Cpu;
    let mut random = Random(options.seed);
    let var = |shape: &[usize], fan_in: usize, random: &mut Random| {
        let count = shape.iter().product();
        let bound = (6.0 / (fan_in + shape[shape.len() - 1]) as f32).sqrt();
        Var::from_vec(random.uniform(count, bound), shape, &device)
    };
    let context = var(&[width, 3 * hidden], width * 3, &mut random)?;
    let hidden_bias = Var::zeros(hidden, DType::F32, &device)?;
    let output = var(&[hidden, tags], hidden, &mut random)?;
    let output_bias = Var::zeros(tags, DType::F32, &device)?;
    let vars = [&context, &hidden_bias, &output, &output_bias];
    let mut optimizer = AdamW::new(
        vars.iter().map(|v| (*v).clone()).collect(),
        ParamsAdamW {
            lr: options.learning_rate,
            weight_decay: 1e-4,
            ..ParamsAdamW::default()
        },
    )?;
    let snapshot = |provenance: &str| -> candle_core::Result<NameTagger> {
        Ok(NameTagger {
            description: Description {
                head: "names".into(),
                layers: options.layers.clone(),
                width,
                hidden,
                tags: TAGS.iter().map(|t| (*t).to_owned()).collect(),
                provenance: provenance.to_owned(),
            },
            weights: Weights {
                context: context.as_tensor().copy()?,
                hidden_bias: hidden_bias.as_tensor().copy()?,
                output: output.as_tensor().copy()?,
                output_bias: output_bias.as_tensor().copy()?,
            },
        })
    };
    let mut order: Vec<usize> = (0..training.len()).collect();
    let mut best: Option<(f64, NameTagger)> = None;
    for epoch in 1..=options.epochs {
        random.shuffle(&mut order);
        let (mut loss_sum, mut batches) = (0.0, 0usize);
        for batch in order.chunks(options.batch) {
            let examples: Vec<&Example> = batch.iter().map(|&i| &training[i]).collect();
            let lengths: Vec<usize> = examples.iter().map(|e| e.len()).collect();
            let words: usize = lengths.iter().sum();
            if words == 0 {
                continue;
            }
            let values: Vec<f32> = examples
                .iter()
                .flat_map(|e| e.vectors.iter().map(|v| v.to_f32()))
                .collect();
            let x = Tensor::from_vec(values, (words, width), &device)?;
            let penalties: Vec<f32> = examples
                .iter()
                .flat_map(|e| e.allowed_penalties())
                .collect();
            let penalties = Tensor::from_vec(penalties, (words, tags), &device)?;
            let input_mask = Tensor::from_vec(
                random.mask(words * width, options.dropout),
                (words, width),
                &device,
            )?;
            let hidden_mask = Tensor::from_vec(
                random.mask(words * hidden, options.dropout),
                (words, hidden),
                &device,
            )?;
            let weights = Weights {
                context: context.as_tensor().clone(),
                hidden_bias: hidden_bias.as_tensor().clone(),
                output: output.as_tensor().clone(),
                output_bias: output_bias.as_tensor().clone(),
            };
            let logits = weights.logits(&x, &lengths, Some((&input_mask, &hidden_mask)))?;
            let all = logits.log_sum_exp(1)?;
            let allowed = (&logits + &penalties)?.log_sum_exp(1)?;
            let loss = (all - allowed)?.mean_all()?;
            optimizer.backward_step(&loss)?;
            loss_sum += f64::from(loss.to_scalar::<f32>()?);
            batches += 1;
        }
        let tagger = snapshot(provenance)?;
        let f1 = entity_f1(&tagger, development)?;
        progress(epoch, loss_sum / batches.max(1) as f64, f1);
        if best.as_ref().is_none_or(|(b, _)| f1 > *b) {
            best = Some((f1, tagger));
        }
    }
    best.map(|(_, tagger)| tagger)
        .ok_or_else(|| candle_core::Error::msg("no epoch"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Word vectors where a word's kind shows in one coordinate: 0 outside, 1 PER,
    /// 2 ORG, plus noise, so a trained head must read the vectors to tag.
    fn sentence(kinds: &[&str], random: &mut Random) -> (WordVectors, Vec<&'static str>) {
        let width = 8;
        let mut values = random.uniform(kinds.len() * width, 0.3);
        let mut tags = Vec::new();
        let mut previous = "";
        for (i, kind) in kinds.iter().enumerate() {
            let (coordinate, begin, inside) = match *kind {
                "PER" => (1, "B-PER", "I-PER"),
                "ORG" => (2, "B-ORG", "I-ORG"),
                _ => (0, "O", "O"),
            };
            values[i * width + coordinate] += 2.0;
            tags.push(if previous == *kind { inside } else { begin });
            previous = kind;
        }
        (WordVectors { width, values }, tags)
    }

    #[test]
    fn learns_kinds_from_vectors_and_reads_partial_labels() {
        let mut random = Random(3);
        let patterns: [&[&str]; 4] = [
            &["O", "PER", "PER", "O", "O"],
            &["ORG", "O", "O", "PER"],
            &["O", "O", "ORG", "ORG", "O", "PER", "O"],
            &["PER", "O", "ORG"],
        ];
        let mut training = Vec::new();
        for round in 0..60 {
            let (vectors, tags) = sentence(patterns[round % 4], &mut random);
            // Half the sentences come from a "corpus" that marks PER only: their ORG
            // words are tagged O, which must not teach the head that ORG words are O.
            let marked: &[NameKind] = if round % 2 == 0 {
                &NameKind::ALL
            } else {
                &[NameKind::Per]
            };
            let tags: Vec<&str> = tags
                .iter()
                .map(|t| {
                    if marked.len() == 1 && t.ends_with("ORG") {
                        "O"
                    } else {
                        t
                    }
                })
                .collect();
            training.push(Example::new(&vectors, &tags, marked).unwrap());
        }
        let (vectors, expected) = sentence(&["O", "ORG", "O", "PER", "PER"], &mut random);
        let development = vec![Example::new(&vectors, &expected, &NameKind::ALL).unwrap()];
        let options = TrainingOptions {
            hidden: 16,
            epochs: 30,
            batch: 4,
            learning_rate: 1e-2,
            dropout: 0.1,
            ..TrainingOptions::default()
        };
        let mut losses = Vec::new();
        let tagger = train(&training, &development, &options, "test", |_, loss, _| {
            losses.push(loss)
        })
        .unwrap();
        assert!(losses.last().unwrap() < &(losses[0] * 0.5), "{losses:?}");
        let tags: Vec<&str> = tagger
            .tags(&vectors)
            .unwrap()
            .iter()
            .map(|&t| TAGS[t])
            .collect();
        assert_eq!(tags, expected);
        let mut bytes = Vec::new();
        training[1].write(&mut bytes);
        let mut rest = bytes.as_slice();
        let copy = Example::read(&mut rest).unwrap();
        assert!(rest.is_empty());
        assert_eq!(
            (copy.tags, copy.marked, copy.vectors),
            (
                training[1].tags.clone(),
                training[1].marked,
                training[1].vectors.clone()
            )
        );
        assert!(Example::read(&mut &bytes[..bytes.len() - 1]).is_err());
        let read = NameTagger::from_bytes(&tagger.to_bytes()).unwrap();
        assert_eq!(read.tags(&vectors).unwrap(), tagger.tags(&vectors).unwrap());
        assert_eq!(read.provenance(), "test");
        assert_eq!(read.layers(), [12]);
    }
}
