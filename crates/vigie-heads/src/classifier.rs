//! A span classifier: several labels at once (say an event's mode, its ACLED sub-type and
//! its modality) for a span of words, from the mean of the span's word vectors and the
//! mean of the whole sentence's, through one shared hidden layer and one softmax output
//! per label set.

use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::{Deserialize, Serialize};

use crate::model_file::{self, NamedTensor};
use crate::random::Random;
use crate::training::TrainingOptions;
use crate::words::WordVectors;

/// One output of a classifier: its name and its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// What the output says ("mode", "acled", "modality").
    pub name: String,
    /// Its labels, in the order of its scores.
    pub labels: Vec<String>,
}

/// What a classifier file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Description {
    /// What the classifier labels ("event-attributes").
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
    /// The outputs.
    outputs: Vec<Output>,
    /// How the classifier was made: data and settings.
    provenance: String,
}

/// The input of a span: the mean of its words' vectors, then the mean of the sentence's.
pub fn span_input(words: &WordVectors, span: std::ops::Range<usize>) -> Vec<f32> {
    let mean = |range: std::ops::Range<usize>| {
        let mut out = vec![0.0f32; words.width];
        let share = 1.0 / range.len().max(1) as f32;
        for word in range {
            for (o, v) in out
                .iter_mut()
                .zip(&words.values[word * words.width..(word + 1) * words.width])
            {
                *o += v * share;
            }
        }
        out
    };
    let mut input = mean(span);
    input.extend(mean(0..words.len()));
    input
}

/// The classifier's weights.
#[derive(Debug, Clone)]
struct Weights {
    /// \[2 × width, hidden\].
    hidden: Tensor,
    /// \[hidden\].
    hidden_bias: Tensor,
    /// \[hidden, labels\] and \[labels\] of each output.
    outputs: Vec<(Tensor, Tensor)>,
}

impl Weights {
    /// Scores of each output for a batch of inputs \[spans, 2 × width\].
    fn logits(&self, x: &Tensor, dropout: Option<&Tensor>) -> candle_core::Result<Vec<Tensor>> {
        let mut h = x
            .matmul(&self.hidden)?
            .broadcast_add(&self.hidden_bias)?
            .gelu_erf()?;
        if let Some(mask) = dropout {
            h = h.mul(mask)?;
        }
        self.outputs
            .iter()
            .map(|(w, b)| h.matmul(w)?.broadcast_add(b))
            .collect()
    }
}

/// A trained span classifier: one set of weights, or an ensemble of several trained
/// alike (different seeds) whose log-probabilities are averaged.
#[derive(Debug, Clone)]
pub struct SpanClassifier {
    description: Description,
    members: Vec<Weights>,
}

impl SpanClassifier {
    /// Fingerprint of the event layer its last layer is read through, if any
    /// ([`crate::event_layer::EventLayer::fingerprint`]).
    pub fn event_layer(&self) -> Option<u64> {
        self.description.event_layer
    }

    /// The encoder layers whose vectors the classifier reads.
    pub fn layers(&self) -> &[usize] {
        &self.description.layers
    }

    /// How the classifier was made.
    pub fn provenance(&self) -> &str {
        &self.description.provenance
    }

    /// The outputs, in order.
    pub fn outputs(&self) -> &[Output] {
        &self.description.outputs
    }

    /// The log-probabilities of each output's labels for the span `span` of `words`.
    pub fn scores(
        &self,
        words: &WordVectors,
        span: std::ops::Range<usize>,
    ) -> Result<Vec<Vec<f32>>, String> {
        if words.width != self.description.width {
            return Err(format!(
                "word vectors of width {}, the {} head reads {}",
                words.width, self.description.head, self.description.width
            ));
        }
        if span.is_empty() || span.end > words.len() {
            return Err(format!("span {span:?} of {} words", words.len()));
        }
        let input = span_input(words, span);
        (|| {
            let x = Tensor::from_vec(input, (1, 2 * words.width), &Device::Cpu)?;
            // Each member's scores, one tensor per output.
            let members = self
                .members
                .iter()
                .map(|member| member.logits(&x, None))
                .collect::<candle_core::Result<Vec<_>>>()?;
            (0..self.description.outputs.len())
                .map(|output| {
                    let logits: Vec<Tensor> = members.iter().map(|m| m[output].clone()).collect();
                    model_file::mean_log_probabilities(&logits)?
                        .squeeze(0)?
                        .to_vec1::<f32>()
                })
                .collect::<candle_core::Result<Vec<_>>>()
        })()
        .map_err(|e: candle_core::Error| e.to_string())
    }

    /// The log-probabilities classifiers give together, each reading its own vectors of
    /// the same words (`views`: a classifier and its vectors): averaged over all their
    /// members, as one ensemble's are. The classifiers must give the same outputs.
    pub fn scores_together(
        views: &[(&SpanClassifier, &WordVectors)],
        span: std::ops::Range<usize>,
    ) -> Result<Vec<Vec<f32>>, String> {
        let Some((first, _)) = views.first() else {
            return Err("no classifier to read with".into());
        };
        let members: usize = views
            .iter()
            .map(|(classifier, _)| classifier.members())
            .sum();
        let mut mean: Vec<Vec<f32>> = first
            .outputs()
            .iter()
            .map(|output| vec![0.0; output.labels.len()])
            .collect();
        for (classifier, words) in views {
            if classifier.outputs() != first.outputs() {
                return Err("classifiers of different outputs".into());
            }
            let share = classifier.members() as f32 / members as f32;
            model_file::add_share(&mut mean, classifier.scores(words, span.clone())?, share);
        }
        Ok(mean)
    }

    /// Number of weight sets whose scores are averaged (1 unless an ensemble).
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// One classifier averaging the scores of `classifiers`, which must read the same
    /// vectors and give the same outputs (classifiers trained alike with different seeds).
    pub fn ensemble(classifiers: Vec<SpanClassifier>) -> Result<SpanClassifier, String> {
        let descriptions: Vec<&Description> = classifiers.iter().map(|c| &c.description).collect();
        let description = model_file::ensemble_description(&descriptions, |d| &mut d.provenance)?;
        Ok(SpanClassifier {
            description,
            members: classifiers.into_iter().flat_map(|c| c.members).collect(),
        })
    }

    /// The classifier as bytes (format `VIGIE-HEAD1`, half-precision weights).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut tensors = Vec::new();
        for w in &self.members {
            tensors.push(NamedTensor::of("hidden", &w.hidden));
            tensors.push(NamedTensor::of("hidden_bias", &w.hidden_bias));
            for (output, (weights, bias)) in self.description.outputs.iter().zip(&w.outputs) {
                tensors.push(NamedTensor::of(&output.name, weights));
                tensors.push(NamedTensor::of(&format!("{}_bias", output.name), bias));
            }
        }
        model_file::to_bytes(&self.description, &tensors)
    }

    /// Reads the `head` classifier file at `path`; errors name it.
    pub fn load(path: &Path, head: &str) -> Result<Self, String> {
        model_file::load(path, |bytes| Self::from_bytes(bytes, head))
    }

    /// Reads a classifier written by [`to_bytes`](Self::to_bytes), which must label `head`.
    pub fn from_bytes(bytes: &[u8], head: &str) -> Result<Self, String> {
        let (description, tensors): (Description, _) = model_file::from_bytes(bytes)?;
        if description.head != head {
            return Err(format!("a {} head, not a {head} head", description.head));
        }
        let (width, hidden) = (description.width, description.hidden);
        let mut expected = vec![
            ("hidden".to_owned(), vec![2 * width, hidden]),
            ("hidden_bias".to_owned(), vec![hidden]),
        ];
        for output in &description.outputs {
            expected.push((output.name.clone(), vec![hidden, output.labels.len()]));
            expected.push((format!("{}_bias", output.name), vec![output.labels.len()]));
        }
        let expected: Vec<(&str, Vec<usize>)> = expected
            .iter()
            .map(|(name, shape)| (name.as_str(), shape.clone()))
            .collect();
        let members = model_file::expect_members(tensors, &expected)?
            .into_iter()
            .map(|member| {
                let mut loaded = member.into_iter();
                let hidden = loaded.next().expect("hidden weights");
                let hidden_bias = loaded.next().expect("hidden bias");
                let mut outputs = Vec::new();
                while let (Some(w), Some(b)) = (loaded.next(), loaded.next()) {
                    outputs.push((w, b));
                }
                Weights {
                    hidden,
                    hidden_bias,
                    outputs,
                }
            })
            .collect();
        Ok(SpanClassifier {
            description,
            members,
        })
    }
}

/// One training span: its input (see [`span_input`]) and the index of its gold label in
/// each output (`None` where the annotation does not say).
#[derive(Debug, Clone)]
pub struct SpanExample {
    /// \[2 × width\] at half precision.
    pub input: Vec<half::f16>,
    /// Gold label of each output.
    pub labels: Vec<Option<usize>>,
}

/// Share of the development spans each output labels right (outputs with no gold
/// label there are left out of the mean).
fn accuracy(weights: &Weights, examples: &[SpanExample], width: usize) -> candle_core::Result<f64> {
    if examples.is_empty() {
        return Ok(0.0);
    }
    let values: Vec<f32> = examples
        .iter()
        .flat_map(|e| e.input.iter().map(|v| v.to_f32()))
        .collect();
    let x = Tensor::from_vec(values, (examples.len(), 2 * width), &Device::Cpu)?;
    let mut shares = Vec::new();
    for (o, logits) in weights.logits(&x, None)?.iter().enumerate() {
        let guesses = logits.argmax(1)?.to_vec1::<u32>()?;
        let (mut right, mut total) = (0usize, 0usize);
        for (example, guess) in examples.iter().zip(guesses) {
            if let Some(gold) = example.labels[o] {
                total += 1;
                right += usize::from(gold == guess as usize);
            }
        }
        if total > 0 {
            shares.push(right as f64 / total as f64);
        }
    }
    Ok(shares.iter().sum::<f64>() / shares.len().max(1) as f64)
}

/// Trains a classifier labelling `head` with `outputs` on `training`, keeping the epoch
/// whose mean accuracy on `development` is best; `progress` hears each epoch's mean
/// loss and development accuracy.
pub fn train_classifier(
    head: &str,
    outputs: Vec<Output>,
    training: &[SpanExample],
    development: &[SpanExample],
    options: &TrainingOptions,
    provenance: &str,
    mut progress: impl FnMut(usize, f64, f64),
) -> candle_core::Result<SpanClassifier> {
    let input_width = training
        .first()
        .map(|e| e.input.len())
        .ok_or_else(|| candle_core::Error::msg("no training span"))?;
    let width = input_width / 2;
    let hidden = options.hidden;
    let device = Device::Cpu;
    let mut random = Random(options.seed);
    let hidden_weights = random.glorot(input_width, hidden, input_width)?;
    let hidden_bias = Var::zeros(hidden, DType::F32, &device)?;
    let mut output_vars = Vec::new();
    for output in &outputs {
        output_vars.push((
            random.glorot(hidden, output.labels.len(), hidden)?,
            Var::zeros(output.labels.len(), DType::F32, &device)?,
        ));
    }
    let mut vars = vec![hidden_weights.clone(), hidden_bias.clone()];
    for (w, b) in &output_vars {
        vars.extend([w.clone(), b.clone()]);
    }
    let mut optimizer = AdamW::new(
        vars,
        ParamsAdamW {
            lr: options.learning_rate,
            weight_decay: 1e-4,
            ..ParamsAdamW::default()
        },
    )?;
    let current = || Weights {
        hidden: hidden_weights.as_tensor().clone(),
        hidden_bias: hidden_bias.as_tensor().clone(),
        outputs: output_vars
            .iter()
            .map(|(w, b)| (w.as_tensor().clone(), b.as_tensor().clone()))
            .collect(),
    };
    let mut order: Vec<usize> = (0..training.len()).collect();
    let mut best: Option<(f64, Weights)> = None;
    for epoch in 1..=options.epochs {
        random.shuffle(&mut order);
        let (mut loss_sum, mut batches) = (0.0, 0usize);
        for batch in order.chunks(options.batch) {
            let examples: Vec<&SpanExample> = batch.iter().map(|&i| &training[i]).collect();
            let n = examples.len();
            let values: Vec<f32> = examples
                .iter()
                .flat_map(|e| e.input.iter().map(|v| v.to_f32()))
                .collect();
            let x = Tensor::from_vec(values, (n, input_width), &device)?;
            let x = x.mul(&Tensor::from_vec(
                random.mask(n * input_width, options.dropout),
                (n, input_width),
                &device,
            )?)?;
            let mask = Tensor::from_vec(
                random.mask(n * hidden, options.dropout),
                (n, hidden),
                &device,
            )?;
            let mut loss = Tensor::zeros((), DType::F32, &device)?;
            for (o, logits) in current().logits(&x, Some(&mask))?.iter().enumerate() {
                let labelled: Vec<(u32, u32)> = examples
                    .iter()
                    .enumerate()
                    .filter_map(|(row, e)| e.labels[o].map(|l| (row as u32, l as u32)))
                    .collect();
                if labelled.is_empty() {
                    continue;
                }
                let rows: Vec<u32> = labelled.iter().map(|(r, _)| *r).collect();
                let gold: Vec<u32> = labelled.iter().map(|(_, l)| *l).collect();
                let count = rows.len();
                let picked = logits.index_select(&Tensor::from_vec(rows, count, &device)?, 0)?;
                let gold = Tensor::from_vec(gold, count, &device)?;
                loss = (loss + candle_nn::loss::cross_entropy(&picked, &gold)?)?;
            }
            optimizer.backward_step(&loss)?;
            loss_sum += f64::from(loss.to_scalar::<f32>()?);
            batches += 1;
        }
        let weights = current();
        let score = accuracy(&weights, development, width)?;
        progress(epoch, loss_sum / batches.max(1) as f64, score);
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            let copy = Weights {
                hidden: weights.hidden.copy()?,
                hidden_bias: weights.hidden_bias.copy()?,
                outputs: weights
                    .outputs
                    .iter()
                    .map(|(w, b)| Ok((w.copy()?, b.copy()?)))
                    .collect::<candle_core::Result<_>>()?,
            };
            best = Some((score, copy));
        }
    }
    let (_, weights) = best.ok_or_else(|| candle_core::Error::msg("no epoch"))?;
    Ok(SpanClassifier {
        description: Description {
            head: head.to_owned(),
            layers: options.layers.clone(),
            event_layer: options.event_layer,
            width,
            hidden,
            outputs,
            provenance: provenance.to_owned(),
        },
        members: vec![weights],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentences of 4 words of width 6; the span is word 1; its first coordinate says
    /// the "colour" label, the sentence's last coordinate the "size" label.
    fn sentence(colour: usize, size: usize, random: &mut Random) -> WordVectors {
        let width = 6;
        let mut values = random.uniform(4 * width, 0.2);
        values[width + colour] += 2.0;
        for word in 0..4 {
            values[word * width + 5] += if size == 1 { 1.0 } else { -1.0 };
        }
        WordVectors { width, values }
    }

    #[test]
    fn learns_each_output_and_skips_missing_labels() {
        let mut random = Random(5);
        let outputs = vec![
            Output {
                name: "colour".into(),
                labels: vec!["red".into(), "green".into(), "blue".into()],
            },
            Output {
                name: "size".into(),
                labels: vec!["small".into(), "large".into()],
            },
        ];
        let mut training = Vec::new();
        for round in 0..120 {
            let (colour, size) = (round % 3, (round / 3) % 2);
            let words = sentence(colour, size, &mut random);
            // Every fourth span has no size annotation.
            let size_label = (round % 4 != 0).then_some(size);
            training.push(SpanExample {
                input: span_input(&words, 1..2)
                    .into_iter()
                    .map(half::f16::from_f32)
                    .collect(),
                labels: vec![Some(colour), size_label],
            });
        }
        let options = TrainingOptions {
            hidden: 16,
            epochs: 40,
            batch: 8,
            learning_rate: 1e-2,
            dropout: 0.1,
            ..TrainingOptions::default()
        };
        let train = |options: &TrainingOptions| {
            train_classifier(
                "test-spans",
                outputs.clone(),
                &training,
                &training[..24],
                options,
                "test",
                |_, _, _| {},
            )
            .unwrap()
        };
        let classifier = train(&options);
        let read = SpanClassifier::from_bytes(&classifier.to_bytes(), "test-spans").unwrap();
        assert_eq!(read.outputs(), outputs.as_slice());
        for (colour, size) in [(0, 1), (2, 0), (1, 1)] {
            let words = sentence(colour, size, &mut random);
            let scores = read.scores(&words, 1..2).unwrap();
            let best = |s: &[f32]| (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
            assert_eq!((best(&scores[0]), best(&scores[1])), (colour, size));
        }
        assert!(read.scores(&sentence(0, 0, &mut random), 3..5).is_err());
        assert!(SpanClassifier::from_bytes(&classifier.to_bytes(), "names").is_err());

        // An ensemble with a second seed scores the mean of its members' scores, and
        // its file keeps both.
        let second = train(&TrainingOptions { seed: 9, ..options });
        let pair = SpanClassifier::ensemble(vec![classifier.clone(), second.clone()]).unwrap();
        let pair = SpanClassifier::from_bytes(&pair.to_bytes(), "test-spans").unwrap();
        assert_eq!(pair.members(), 2);
        let words = sentence(1, 0, &mut random);
        let (a, b) = (
            classifier.scores(&words, 1..2).unwrap(),
            second.scores(&words, 1..2).unwrap(),
        );
        assert_ne!(a, b, "the seeds must give different classifiers");
        for ((mean, a), b) in pair.scores(&words, 1..2).unwrap().iter().zip(&a).zip(&b) {
            for ((m, x), y) in mean.iter().zip(a).zip(b) {
                assert!((m - (x + y) / 2.0).abs() < 0.02, "{m} vs {x} and {y}");
            }
        }
        // Classifiers reading different vectors of the same words score together as
        // their members would: here two of the pair's three members read other vectors.
        let other = sentence(2, 1, &mut random);
        let together =
            SpanClassifier::scores_together(&[(&classifier, &words), (&pair, &other)], 1..2)
                .unwrap();
        let on_other = pair.scores(&other, 1..2).unwrap();
        for ((mean, a), b) in together.iter().zip(&a).zip(&on_other) {
            for ((m, x), y) in mean.iter().zip(a).zip(b) {
                assert!((m - (x + 2.0 * y) / 3.0).abs() < 1e-5, "{m} vs {x} and {y}");
            }
        }
        let mut fewer = second;
        fewer.description.outputs.pop();
        assert!(
            SpanClassifier::scores_together(&[(&classifier, &words), (&fewer, &words)], 1..2)
                .is_err()
        );
        assert!(SpanClassifier::ensemble(vec![classifier, fewer]).is_err());
    }
}
