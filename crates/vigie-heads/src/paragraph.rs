//! A paragraph labeller: independent yes/no labels for a whole paragraph (say the
//! persuasion techniques it uses) from its word vectors, with one attention per label.
//!
//! Every word goes through one shared hidden layer; each label then has its own query
//! that weighs the words (a softmax over the paragraph) and its own output weights over
//! the weighted mean of their hidden vectors. A label carried by a few words ("traitors",
//! "wake up!") is read from those words instead of being averaged away with the rest of
//! the paragraph, as a mean of all its vectors does.

use candle_core::{D, DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::{Deserialize, Serialize};

use vigie_encoder::e5::MultilingualEncoder;

use crate::model_file::{self, NamedTensor};
use crate::random::Random;
use crate::reader::Run;
use crate::training::TrainingOptions;
use crate::words::{HalfVectors, WordVectors, word_vectors_many};

/// The word vectors after `layers` of each of `paragraphs` (one entry per paragraph, in
/// order), encoded together; a paragraph longer than the encoder's input is read in runs
/// of [`RUN_WORDS`](crate::reader::RUN_WORDS) words whose vectors follow one another.
pub fn paragraph_words(
    encoder: &MultilingualEncoder,
    paragraphs: &[&str],
    layers: &[usize],
) -> Result<Vec<WordVectors>, String> {
    let runs: Vec<Run<'_>> = paragraphs
        .iter()
        .enumerate()
        .flat_map(|(index, paragraph)| Run::all(index, paragraph))
        .collect();
    let texts: Vec<(&str, &[(usize, usize)])> = runs
        .iter()
        .map(|run| (run.text, run.words.as_slice()))
        .collect();
    let width = encoder.width() * layers.len();
    let mut read: Vec<WordVectors> = paragraphs
        .iter()
        .map(|_| WordVectors {
            width,
            values: Vec::new(),
        })
        .collect();
    for (run, vectors) in runs.iter().zip(word_vectors_many(encoder, &texts, layers)?) {
        read[run.sentence].values.extend(vectors.values);
    }
    Ok(read)
}

/// What a labeller file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Description {
    /// What the labeller labels ("persuasion").
    head: String,
    /// Encoder layers read, in order.
    layers: Vec<usize>,
    /// Floats per word vector.
    width: usize,
    /// Units of the hidden layer.
    hidden: usize,
    /// The labels, in the order of the probabilities.
    labels: Vec<String>,
    /// How the labeller was made: data and settings.
    provenance: String,
}

/// The labeller's weights.
#[derive(Debug, Clone)]
struct Weights {
    /// \[width, hidden\].
    hidden: Tensor,
    /// \[hidden\].
    hidden_bias: Tensor,
    /// \[hidden, labels\]: each label's query over the words' hidden vectors.
    queries: Tensor,
    /// \[labels, hidden\]: each label's weights over its weighted mean.
    outputs: Tensor,
    /// \[labels\].
    output_bias: Tensor,
}

/// A value added to the attention scores of padding words: none of the softmax goes there.
const PADDING_SCORE: f64 = -1e9;

impl Weights {
    /// Scores \[paragraphs, labels\] of a batch of paragraphs `x` \[paragraphs, words,
    /// width\] whose real words `present` marks \[paragraphs, words\] (1, or 0 for padding).
    fn logits(
        &self,
        x: &Tensor,
        present: &Tensor,
        dropout: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        let mut h = x
            .broadcast_matmul(&self.hidden)?
            .broadcast_add(&self.hidden_bias)?
            .gelu_erf()?;
        if let Some(mask) = dropout {
            h = h.mul(mask)?;
        }
        // [paragraphs, words, labels], padding words pushed out of the softmax.
        let padding = ((present - 1.0)? * -PADDING_SCORE)?.unsqueeze(2)?;
        let scores = h.broadcast_matmul(&self.queries)?.broadcast_add(&padding)?;
        let attention = candle_nn::ops::softmax(&scores, 1)?;
        // [paragraphs, labels, hidden]: each label's weighted mean of the hidden vectors.
        let pooled = attention.transpose(1, 2)?.contiguous()?.matmul(&h)?;
        pooled
            .broadcast_mul(&self.outputs)?
            .sum(D::Minus1)?
            .broadcast_add(&self.output_bias)
    }
}

/// A trained paragraph labeller: one set of weights, or an ensemble of several trained
/// alike (different seeds) whose probabilities are averaged.
#[derive(Debug, Clone)]
pub struct ParagraphLabeller {
    description: Description,
    members: Vec<Weights>,
}

/// One training paragraph: its word vectors and, for each label, whether it applies.
#[derive(Debug, Clone)]
pub struct ParagraphExample<'a> {
    /// The paragraph's word vectors.
    pub words: &'a HalfVectors,
    /// One entry per label.
    pub labels: Vec<bool>,
}

impl ParagraphLabeller {
    /// The encoder layers whose vectors the labeller reads.
    pub fn layers(&self) -> &[usize] {
        &self.description.layers
    }

    /// The labels, in the order of [`probabilities`](Self::probabilities).
    pub fn labels(&self) -> &[String] {
        &self.description.labels
    }

    /// Number of weight sets whose probabilities are averaged (1 unless an ensemble).
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// The probability of each label for a paragraph; all zero for one without words.
    pub fn probabilities(&self, words: &WordVectors) -> Result<Vec<f32>, String> {
        if words.width != self.description.width {
            return Err(format!(
                "word vectors of width {}, the {} head reads {}",
                words.width, self.description.head, self.description.width
            ));
        }
        if words.is_empty() {
            return Ok(vec![0.0; self.description.labels.len()]);
        }
        (|| {
            let device = Device::Cpu;
            let x = Tensor::from_slice(&words.values, (1, words.len(), words.width), &device)?;
            let present = Tensor::ones((1, words.len()), DType::F32, &device)?;
            let mut sum: Option<Tensor> = None;
            for member in &self.members {
                let p = candle_nn::ops::sigmoid(&member.logits(&x, &present, None)?)?;
                sum = Some(match sum {
                    Some(sum) => (sum + p)?,
                    None => p,
                });
            }
            let sum = sum.ok_or_else(|| candle_core::Error::msg("a labeller of no member"))?;
            (sum / self.members.len() as f64)?
                .squeeze(0)?
                .to_vec1::<f32>()
        })()
        .map_err(|e: candle_core::Error| e.to_string())
    }

    /// One labeller averaging the probabilities of `labellers`, which must read the same
    /// vectors and give the same labels (labellers trained alike with different seeds).
    pub fn ensemble(labellers: Vec<ParagraphLabeller>) -> Result<ParagraphLabeller, String> {
        let descriptions: Vec<&Description> = labellers.iter().map(|l| &l.description).collect();
        let description = model_file::ensemble_description(&descriptions, |d| &mut d.provenance)?;
        Ok(ParagraphLabeller {
            description,
            members: labellers.into_iter().flat_map(|l| l.members).collect(),
        })
    }

    /// The labeller as bytes (format `VIGIE-HEAD1`, half-precision weights).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut tensors = Vec::new();
        for w in &self.members {
            tensors.push(NamedTensor::of("hidden", &w.hidden));
            tensors.push(NamedTensor::of("hidden_bias", &w.hidden_bias));
            tensors.push(NamedTensor::of("queries", &w.queries));
            tensors.push(NamedTensor::of("outputs", &w.outputs));
            tensors.push(NamedTensor::of("output_bias", &w.output_bias));
        }
        model_file::to_bytes(&self.description, &tensors)
    }

    /// Reads a labeller written by [`to_bytes`](Self::to_bytes), which must label `head`.
    pub fn from_bytes(bytes: &[u8], head: &str) -> Result<Self, String> {
        let (description, tensors): (Description, _) = model_file::from_bytes(bytes)?;
        if description.head != head {
            return Err(format!("a {} head, not a {head} head", description.head));
        }
        let (width, hidden, labels) = (
            description.width,
            description.hidden,
            description.labels.len(),
        );
        let expected = [
            ("hidden", vec![width, hidden]),
            ("hidden_bias", vec![hidden]),
            ("queries", vec![hidden, labels]),
            ("outputs", vec![labels, hidden]),
            ("output_bias", vec![labels]),
        ];
        let members = model_file::expect_members(tensors, &expected)?
            .into_iter()
            .map(|member| {
                let [hidden, hidden_bias, queries, outputs, output_bias] =
                    <[Tensor; 5]>::try_from(member).expect("five tensors per member");
                Weights {
                    hidden,
                    hidden_bias,
                    queries,
                    outputs,
                    output_bias,
                }
            })
            .collect();
        Ok(ParagraphLabeller {
            description,
            members,
        })
    }
}

/// A batch of paragraphs padded to the longest: vectors \[paragraphs, words, width\],
/// the real words \[paragraphs, words\] and the gold labels \[paragraphs, labels\].
fn batch_tensors(
    examples: &[&ParagraphExample<'_>],
    width: usize,
) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
    let longest = examples.iter().map(|e| e.words.len()).max().unwrap_or(0);
    let n = examples.len();
    let mut values = vec![0f32; n * longest * width];
    let mut present = vec![0f32; n * longest];
    for (row, example) in examples.iter().enumerate() {
        let start = row * longest * width;
        values[start..start + example.words.values.len()]
            .iter_mut()
            .zip(&example.words.values)
            .for_each(|(v, h)| *v = h.to_f32());
        present[row * longest..row * longest + example.words.len()].fill(1.0);
    }
    let gold: Vec<f32> = examples
        .iter()
        .flat_map(|e| e.labels.iter().map(|&l| f32::from(u8::from(l))))
        .collect();
    let labels = examples.first().map_or(0, |e| e.labels.len());
    let device = Device::Cpu;
    Ok((
        Tensor::from_vec(values, (n, longest, width), &device)?,
        Tensor::from_vec(present, (n, longest), &device)?,
        Tensor::from_vec(gold, (n, labels), &device)?,
    ))
}

/// The batches of an epoch: `order` cut into windows of twenty batches, each window
/// sorted by length (little padding) and cut into batches of `batch`.
fn length_batches(order: &[usize], lengths: &[usize], batch: usize) -> Vec<Vec<usize>> {
    let mut batches = Vec::new();
    for window in order.chunks(batch * 20) {
        let mut window = window.to_vec();
        window.sort_by_key(|&i| lengths[i]);
        batches.extend(window.chunks(batch).map(<[usize]>::to_vec));
    }
    batches
}

/// Trains a labeller of `labels` for `head` on `training` for `options.epochs` passes,
/// the learning rate falling from `options.learning_rate` to zero along a cosine. The
/// loss is the log loss of each label, its positives weighted by `positive_weights`
/// (one per label: rare labels weigh more). `progress` hears each epoch's mean loss.
pub fn train_labeller(
    head: &str,
    labels: Vec<String>,
    training: &[ParagraphExample<'_>],
    positive_weights: &[f32],
    options: &TrainingOptions,
    provenance: &str,
    mut progress: impl FnMut(usize, f64),
) -> candle_core::Result<ParagraphLabeller> {
    let width = training
        .iter()
        .find(|e| !e.words.is_empty())
        .map(|e| e.words.width)
        .ok_or_else(|| candle_core::Error::msg("no training paragraph with words"))?;
    if positive_weights.len() != labels.len()
        || training.iter().any(|e| e.labels.len() != labels.len())
    {
        return Err(candle_core::Error::msg("one label entry per label"));
    }
    let training: Vec<&ParagraphExample<'_>> =
        training.iter().filter(|e| !e.words.is_empty()).collect();
    let lengths: Vec<usize> = training.iter().map(|e| e.words.len()).collect();
    let (hidden, count) = (options.hidden, labels.len());
    let device = Device::Cpu;
    let mut random = Random(options.seed);
    let hidden_weights = random.glorot(width, hidden, width)?;
    let hidden_bias = Var::zeros(hidden, DType::F32, &device)?;
    let queries = random.glorot(hidden, count, hidden)?;
    // Outputs start at zero: every label's score starts from its bias alone.
    let outputs = Var::zeros((count, hidden), DType::F32, &device)?;
    let output_bias = Var::zeros(count, DType::F32, &device)?;
    let vars = vec![
        hidden_weights.clone(),
        hidden_bias.clone(),
        queries.clone(),
        outputs.clone(),
        output_bias.clone(),
    ];
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
        queries: queries.as_tensor().clone(),
        outputs: outputs.as_tensor().clone(),
        output_bias: output_bias.as_tensor().clone(),
    };
    let positive = Tensor::from_slice(positive_weights, (1, count), &device)?;
    let mut order: Vec<usize> = (0..training.len()).collect();
    let steps = options.epochs * training.len().div_ceil(options.batch);
    let mut step = 0usize;
    for epoch in 1..=options.epochs {
        random.shuffle(&mut order);
        let mut batches = length_batches(&order, &lengths, options.batch);
        random.shuffle(&mut batches);
        let (mut loss_sum, mut batch_count) = (0.0, 0usize);
        for batch in batches {
            let examples: Vec<&ParagraphExample<'_>> = batch.iter().map(|&i| training[i]).collect();
            let (x, present, gold) = batch_tensors(&examples, width)?;
            let (n, words) = present.dims2()?;
            let mask = Tensor::from_vec(
                random.mask(n * words * hidden, options.dropout),
                (n, words, hidden),
                &device,
            )?;
            let z = current().logits(&x, &present, Some(&mask))?;
            // Log loss, stable: max(z, 0) − z·y + ln(1 + e^−|z|); positives weigh more.
            let log_loss =
                ((z.relu()? - z.mul(&gold)?)? + (z.abs()?.neg()?.exp()? + 1.0)?.log()?)?;
            let weights = (gold.broadcast_mul(&(&positive - 1.0)?)? + 1.0)?;
            let loss = log_loss.mul(&weights)?.sum(1)?.mean(0)?;
            let fraction = step as f64 / steps.max(1) as f64;
            optimizer.set_learning_rate(
                options.learning_rate * 0.5 * (1.0 + (std::f64::consts::PI * fraction).cos()),
            );
            optimizer.backward_step(&loss)?;
            step += 1;
            loss_sum += f64::from(loss.to_scalar::<f32>()?);
            batch_count += 1;
        }
        progress(epoch, loss_sum / batch_count.max(1) as f64);
    }
    Ok(ParagraphLabeller {
        description: Description {
            head: head.to_owned(),
            layers: options.layers.clone(),
            width,
            hidden,
            labels,
            provenance: provenance.to_owned(),
        },
        members: vec![current()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A paragraph of `length` words of width 8 with small random values; a word at
    /// `cue` (if any) carries a strong value on coordinate `label`.
    fn paragraph(length: usize, cue: Option<(usize, usize)>, random: &mut Random) -> WordVectors {
        let width = 8;
        let mut values = random.uniform(length * width, 0.3);
        if let Some((word, label)) = cue {
            values[word * width + label] += 3.0;
        }
        WordVectors { width, values }
    }

    #[test]
    fn finds_labels_carried_by_one_word_of_a_long_paragraph_and_round_trips() {
        let mut random = Random(11);
        let labels: Vec<String> = ["slogan", "doubt"].map(String::from).to_vec();
        let mut paragraphs = Vec::new();
        for round in 0..240 {
            // One word in a paragraph of 5 to 40 carries label 0, label 1, or none.
            let length = 5 + round % 36;
            let label = round % 3;
            let cue = (label < 2).then_some((round % length, label));
            let words = paragraph(length, cue, &mut random);
            paragraphs.push((HalfVectors::from(&words), vec![label == 0, label == 1]));
        }
        let training: Vec<ParagraphExample<'_>> = paragraphs
            .iter()
            .map(|(words, labels)| ParagraphExample {
                words,
                labels: labels.clone(),
            })
            .collect();
        let options = TrainingOptions {
            hidden: 16,
            epochs: 30,
            batch: 16,
            learning_rate: 1e-2,
            dropout: 0.1,
            ..TrainingOptions::default()
        };
        let labeller = train_labeller(
            "test-paragraphs",
            labels.clone(),
            &training,
            &[1.0, 1.0],
            &options,
            "test",
            |_, _| {},
        )
        .unwrap();
        let read = ParagraphLabeller::from_bytes(&labeller.to_bytes(), "test-paragraphs").unwrap();
        assert_eq!(read.labels(), labels.as_slice());
        assert!(ParagraphLabeller::from_bytes(&labeller.to_bytes(), "persuasion").is_err());
        for (length, label) in [(60, Some(0)), (45, Some(1)), (50, None), (3, Some(1))] {
            let cue = label.map(|l| (length / 2, l));
            let probabilities = read
                .probabilities(&paragraph(length, cue, &mut random))
                .unwrap();
            for (l, p) in probabilities.iter().enumerate() {
                assert_eq!(
                    *p > 0.5,
                    label == Some(l),
                    "{length} words, label {label:?}: {probabilities:?}"
                );
            }
        }
        let pair = ParagraphLabeller::ensemble(vec![read.clone(), read.clone()]).unwrap();
        assert_eq!(pair.members(), 2);
        let words = paragraph(20, Some((4, 0)), &mut random);
        let (one, two) = (
            read.probabilities(&words).unwrap(),
            pair.probabilities(&words).unwrap(),
        );
        assert!(one.iter().zip(&two).all(|(a, b)| (a - b).abs() < 1e-6));
        let narrow = WordVectors {
            width: 4,
            values: vec![0.0; 8],
        };
        assert!(read.probabilities(&narrow).is_err());
    }
}
