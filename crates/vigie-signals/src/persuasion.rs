//! Persuasion techniques at paragraph level: the 23 labels of SemEval-2023 Task 3
//! (subtask 3), from the loaded-language lexicon written by us and, when a model is
//! given, a multi-label logistic regression over hashed word features and, with the
//! multilingual encoder ([`vigie_encoder::e5`]), the paragraph's mean word vectors after
//! layers 4, 8 and 12, its probabilities mixed with those of a paragraph labeller that
//! reads the same word vectors with one attention per technique
//! ([`vigie_heads::paragraph`]); all trained in Rust (`vigie train persuasion`).
//!
//! The only training data for these labels is the SemEval-2023 corpus, which is for
//! research use: a model trained on it says so in its header, is not embedded in the
//! binary, and is only used when passed explicitly.

use std::collections::BTreeSet;

use vigie_core::{Document, Language, Signal, SignalKind, Span, fnv1a, fold_text, is_word_char};
use vigie_encoder::e5::MultilingualEncoder;
use vigie_heads::paragraph::{
    ParagraphExample, ParagraphLabeller, paragraph_words, train_labeller,
};
use vigie_heads::training::TrainingOptions;
use vigie_heads::words::{HalfVectors, WordVectors};

use crate::LoadedLexicon;

/// The 23 technique labels, in the task's order.
pub const TECHNIQUES: [&str; 23] = [
    "Appeal_to_Authority",
    "Appeal_to_Popularity",
    "Appeal_to_Values",
    "Appeal_to_Fear-Prejudice",
    "Flag_Waving",
    "Causal_Oversimplification",
    "False_Dilemma-No_Choice",
    "Consequential_Oversimplification",
    "Straw_Man",
    "Red_Herring",
    "Whataboutism",
    "Slogans",
    "Appeal_to_Time",
    "Conversation_Killer",
    "Loaded_Language",
    "Repetition",
    "Exaggeration-Minimisation",
    "Obfuscation-Vagueness-Confusion",
    "Name_Calling-Labeling",
    "Doubt",
    "Guilt_by_Association",
    "Appeal_to_Hypocrisy",
    "Questioning_the_Reputation",
];

/// Index of a label in [`TECHNIQUES`].
pub fn technique_index(label: &str) -> Option<usize> {
    TECHNIQUES.iter().position(|t| *t == label)
}

/// Techniques the lexicon finds in a paragraph.
pub fn lexicon_techniques(
    paragraph: &str,
    language: Option<Language>,
    lexicon: &LoadedLexicon,
) -> BTreeSet<usize> {
    lexicon
        .techniques_in(paragraph, language)
        .into_iter()
        .filter_map(technique_index)
        .collect()
}

/// Bits of the feature hash.
const HASH_BITS: u32 = 19;

/// A hashed feature and its raw count in the paragraph.
pub type Feature = (u32, f32);

/// Hashed features of a paragraph with their counts: folded words and word pairs,
/// character 2- to 5-grams inside words (padded with spaces), the lexicon's technique
/// hits, and punctuation and shape cues. Indices are below `2^HASH_BITS`.
pub fn features(
    paragraph: &str,
    language: Option<Language>,
    lexicon: &LoadedLexicon,
) -> Vec<Feature> {
    let mask = (1u64 << HASH_BITS) - 1;
    let hash = |kind: &str, value: &str| {
        (fnv1a(kind.bytes().chain([0]).chain(value.bytes())) & mask) as u32
    };
    let folded = fold_text(paragraph);
    let words: Vec<&str> = folded
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut hashes = vec![hash("bias", "")];
    hashes.extend(words.iter().map(|w| hash("w", w)));
    hashes.extend(
        words
            .windows(2)
            .map(|p| hash("b", &format!("{} {}", p[0], p[1]))),
    );
    for word in &words {
        let padded: Vec<char> = format!(" {word} ").chars().collect();
        for n in 2..=5 {
            for gram in padded.windows(n) {
                hashes.push(hash("c", &gram.iter().collect::<String>()));
            }
        }
    }
    for technique in lexicon_techniques(paragraph, language, lexicon) {
        hashes.push(hash("lex", TECHNIQUES[technique]));
    }
    let count = |c: char| paragraph.chars().filter(|x| *x == c).count();
    for (cue, present) in [
        ("exclamation", count('!') > 0),
        ("question", count('?') > 0),
        ("quote", paragraph.contains(['«', '“', '"'])),
        (
            "capitals",
            paragraph
                .split_whitespace()
                .any(|w| w.chars().count() > 3 && w.chars().all(|c| c.is_uppercase())),
        ),
    ] {
        if present {
            hashes.push(hash("cue", cue));
        }
    }
    let length = match words.len() {
        0..=8 => "short",
        9..=30 => "medium",
        31..=80 => "long",
        _ => "very-long",
    };
    hashes.push(hash("len", length));
    hashes.sort_unstable();
    let mut features: Vec<Feature> = Vec::with_capacity(hashes.len());
    for h in hashes {
        match features.last_mut() {
            Some((last, count)) if *last == h => *count += 1.0,
            _ => features.push((h, 1.0)),
        }
    }
    features
}

/// A paragraph as the model reads it: hashed features and, when the model uses a
/// sentence encoder, the paragraph's vector.
#[derive(Debug, Clone, PartialEq)]
pub struct ParagraphFeatures {
    /// The paragraph's language, when known: it chooses the decision threshold.
    pub language: Option<Language>,
    /// Hashed features with counts ([`features`]).
    pub hashed: Vec<Feature>,
    /// The paragraph's vector from the encoder (its mean word vector after each of
    /// layers 4, 8 and 12 at unit length, one after the other; empty without an encoder).
    pub embedding: Vec<f32>,
    /// The paragraph's word vectors after those layers (none without an encoder).
    pub words: HalfVectors,
}

impl ParagraphFeatures {
    /// The paragraph's features, with its vector when an encoder is given.
    pub fn new(
        paragraph: &str,
        language: Option<Language>,
        lexicon: &LoadedLexicon,
        encoder: Option<&MultilingualEncoder>,
    ) -> Self {
        let words = encoder
            .map(|e| {
                paragraph_words(e, &[paragraph], &PARAGRAPH_LAYERS)
                    .map(|mut words| words.remove(0))
                    .unwrap_or(WordVectors {
                        width: vector_length(e),
                        values: Vec::new(),
                    })
            })
            .unwrap_or(WordVectors {
                width: 0,
                values: Vec::new(),
            });
        Self {
            language,
            hashed: features(paragraph, language, lexicon),
            embedding: paragraph_vector(&words),
            words: HalfVectors::from(&words),
        }
    }
}

/// The encoder layers whose word vectors the model reads.
const PARAGRAPH_LAYERS: [usize; 3] = [4, 8, 12];

/// Length of a paragraph's vector from `encoder`.
fn vector_length(encoder: &MultilingualEncoder) -> usize {
    encoder.width() * PARAGRAPH_LAYERS.len()
}

/// The paragraph's vector: for each of [`PARAGRAPH_LAYERS`], the mean of its words'
/// vectors at unit length, one after the other (empty for words of width 0).
fn paragraph_vector(words: &WordVectors) -> Vec<f32> {
    let width = words.width / PARAGRAPH_LAYERS.len();
    let share = 1.0 / (PARAGRAPH_LAYERS.len() as f32).sqrt();
    let mut vector = vec![0f32; words.width];
    for row in words.values.chunks_exact(words.width.max(1)) {
        vector.iter_mut().zip(row).for_each(|(m, v)| *m += v);
    }
    // Each layer's sum at unit length is the direction of its mean.
    for layer in vector.chunks_mut(width.max(1)) {
        let norm = layer.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
        layer.iter_mut().for_each(|m| *m *= share / norm);
    }
    vector
}

/// A multi-label model of the techniques: a logistic regression over hashed features (and
/// the encoder's paragraph vector, when trained with one); with the encoder, a paragraph
/// labeller whose probabilities are mixed in; and decision thresholds.
#[derive(Debug)]
pub struct PersuasionModel {
    /// The logistic regression.
    regression: Regression,
    /// The encoder the model was trained with (its weights are not in the model file).
    encoder: Option<MultilingualEncoder>,
    /// The labeller over the paragraph's word vectors (with an encoder only).
    labeller: Option<ParagraphLabeller>,
    /// The labeller's share of the probabilities (the regression has the rest).
    labeller_share: f32,
    /// Probabilities above which a technique is predicted.
    pub thresholds: Thresholds,
    /// Where the training data came from (shown by `vigie eval persuasion`).
    pub provenance: String,
}

/// One training paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The paragraph's features.
    pub features: ParagraphFeatures,
    /// Gold technique indices.
    pub labels: BTreeSet<usize>,
    /// The article the paragraph comes from (any number that tells articles apart): the
    /// paragraphs of one article are held out together.
    pub article: usize,
}

/// First bytes of a saved model.
const MAGIC: &[u8] = b"VIGIE-PERSUASION7\n";

/// What the paragraph labeller's file calls its task.
const LABELLER_HEAD: &str = "persuasion";

/// One article in this many is held out from training, to choose the labeller's share and
/// the thresholds on: those whose number leaves the remainder `TUNING_EVERY - 1`.
pub const TUNING_EVERY: usize = 5;

/// The seeds of the paragraph labeller's members (an ensemble averages them).
const LABELLER_SEEDS: [u64; 3] = [17, 5, 99];

/// The labeller's settings: a hidden layer of 256, six passes with the learning rate
/// falling along a cosine (the settings of the trial runs, fixed before any dev score).
fn labeller_options(seed: u64) -> TrainingOptions {
    TrainingOptions {
        layers: PARAGRAPH_LAYERS.to_vec(),
        event_layer: None,
        hidden: 256,
        epochs: 6,
        batch: 32,
        learning_rate: 1e-3,
        dropout: 0.25,
        seed,
    }
}

/// The labeller shares among which training chooses, on the held-out articles.
const LABELLER_SHARES: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// Held-out paragraphs a language needs for a threshold of its own.
const MIN_TUNING_PER_LANGUAGE: usize = 100;

/// The probability above which a technique is predicted: one per language that had
/// enough held-out paragraphs (the languages' training data differ, and so do their
/// models' calibrations), and one for every other paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// For paragraphs of a language without its own threshold, or of none identified.
    pub overall: f32,
    /// A threshold per language.
    pub by_language: Vec<(Language, f32)>,
}

impl Thresholds {
    /// The threshold of paragraphs in `language`.
    pub fn of(&self, language: Option<Language>) -> f32 {
        self.by_language
            .iter()
            .find(|(l, _)| Some(*l) == language)
            .map_or(self.overall, |(_, t)| *t)
    }

    /// The thresholds that maximise micro-F1 on `tuning` (probabilities, gold labels and
    /// language per paragraph): overall, then per language with enough paragraphs.
    fn tuned(tuning: &[([f32; 23], &BTreeSet<usize>, Option<Language>)]) -> Self {
        // The best threshold for the paragraphs whose language `keep` accepts.
        let best = |keep: &dyn Fn(Option<Language>) -> bool| {
            let f1_at = |threshold: f32| {
                micro_f1(
                    tuning
                        .iter()
                        .filter(|(_, _, l)| keep(*l))
                        .map(|(p, gold, _)| (predict_at(p, threshold), *gold)),
                )
            };
            (2..=95)
                .map(|step| step as f32 / 100.0)
                .max_by(|a, b| f1_at(*a).total_cmp(&f1_at(*b)))
                .unwrap_or(0.5)
        };
        Self {
            overall: best(&|_| true),
            by_language: [Language::Fr, Language::En]
                .into_iter()
                .filter(|&language| {
                    tuning
                        .iter()
                        .filter(|(_, _, l)| *l == Some(language))
                        .count()
                        >= MIN_TUNING_PER_LANGUAGE
                })
                .map(|language| (language, best(&|l| l == Some(language))))
                .collect(),
        }
    }
}

impl std::fmt::Display for Thresholds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}", self.overall)?;
        for (language, threshold) in &self.by_language {
            write!(f, ", {} {threshold:.2}", language.code())?;
        }
        Ok(())
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Regularisation of the regression's weights.
const L2: f32 = 1e-5;

/// A multi-label logistic regression over tf-idf weighted hashed features and, when
/// trained with the encoder, the paragraph's vector: one weight vector per technique.
#[derive(Debug, Clone)]
struct Regression {
    /// Inverse document frequency per feature bucket.
    idf: Vec<f32>,
    /// `TECHNIQUES.len() × 2^HASH_BITS` weights, technique-major.
    weights: Vec<f32>,
    /// `TECHNIQUES.len() × embedding_dimensions()` weights over the encoder's vector.
    embedding_weights: Vec<f32>,
    /// One bias per technique.
    biases: Vec<f32>,
}

impl Regression {
    fn dims() -> usize {
        1 << HASH_BITS
    }

    /// Length of the paragraph vectors it reads; 0 without an encoder.
    fn embedding_dimensions(&self) -> usize {
        self.embedding_weights.len() / TECHNIQUES.len()
    }

    /// Sublinear tf × idf, L2-normalised.
    fn weighted(&self, features: &[Feature]) -> Vec<(usize, f32)> {
        let mut weighted: Vec<(usize, f32)> = features
            .iter()
            .map(|&(f, count)| (f as usize, (1.0 + count.ln()) * self.idf[f as usize]))
            .collect();
        let norm = weighted
            .iter()
            .map(|(_, v)| v * v)
            .sum::<f32>()
            .sqrt()
            .max(1e-9);
        weighted.iter_mut().for_each(|(_, v)| *v /= norm);
        weighted
    }

    /// The probability of each technique.
    fn probabilities(&self, paragraph: &ParagraphFeatures) -> [f32; 23] {
        let weighted = self.weighted(&paragraph.hashed);
        let embedding = self.embedding_of(paragraph);
        let dims = Self::dims();
        std::array::from_fn(|t| {
            let row = &self.weights[t * dims..(t + 1) * dims];
            sigmoid(
                self.biases[t]
                    + weighted.iter().map(|&(f, v)| row[f] * v).sum::<f32>()
                    + dot(self.embedding_row(t), embedding),
            )
        })
    }

    /// The paragraph's vector (a model with an encoder is only built or loaded with it,
    /// and makes its paragraphs' features itself, so the lengths agree).
    fn embedding_of<'p>(&self, paragraph: &'p ParagraphFeatures) -> &'p [f32] {
        assert_eq!(
            paragraph.embedding.len(),
            self.embedding_dimensions(),
            "paragraph features made with another encoder than the model's"
        );
        &paragraph.embedding
    }

    /// Weights of technique `t` over the encoder's vector.
    fn embedding_row(&self, t: usize) -> &[f32] {
        let d = self.embedding_dimensions();
        &self.embedding_weights[t * d..(t + 1) * d]
    }

    /// Trains by stochastic gradient descent on the class-balanced log loss (technique
    /// `t`'s positives weighted by `positive_weight[t]`), `epochs` passes.
    fn fit(
        examples: &[&Example],
        idf: Vec<f32>,
        embedding_dimensions: usize,
        positive_weight: &[f32],
        epochs: usize,
    ) -> Self {
        let dims = Self::dims();
        let mut model = Regression {
            idf,
            weights: vec![0.0; TECHNIQUES.len() * dims],
            embedding_weights: vec![0.0; TECHNIQUES.len() * embedding_dimensions],
            biases: vec![0.0; TECHNIQUES.len()],
        };
        let weighted: Vec<Vec<(usize, f32)>> = examples
            .iter()
            .map(|e| model.weighted(&e.features.hashed))
            .collect();
        let mut order: Vec<usize> = (0..examples.len()).collect();
        for epoch in 0..epochs {
            let rate = 0.5 / (1.0 + epoch as f32);
            // A fixed shuffle per epoch (reproducible): stride through the examples.
            let stride = [7919usize, 104_729, 1_299_709][epoch % 3];
            order.sort_by_key(|&i| (i * stride) % examples.len().max(1));
            for &i in &order {
                let example = examples[i];
                let features = &weighted[i];
                let embedding = model.embedding_of(&example.features);
                let d = embedding_dimensions;
                for (t, &positive) in positive_weight.iter().enumerate() {
                    let row = &mut model.weights[t * dims..(t + 1) * dims];
                    let embedding_row = &mut model.embedding_weights[t * d..(t + 1) * d];
                    let bias = &mut model.biases[t];
                    let score = *bias
                        + features.iter().map(|&(f, v)| row[f] * v).sum::<f32>()
                        + dot(embedding_row, embedding);
                    let gold = example.labels.contains(&t);
                    let weight = if gold { positive } else { 1.0 };
                    let gradient = weight * (f32::from(u8::from(gold)) - sigmoid(score));
                    for &(f, v) in features {
                        row[f] += rate * (gradient * v - L2 * row[f]);
                    }
                    for (w, v) in embedding_row.iter_mut().zip(embedding) {
                        *w += rate * (gradient * v - L2 * *w);
                    }
                    *bias += rate * gradient * 0.1;
                }
            }
        }
        model
    }
}

/// Inverse document frequency of each feature bucket over `examples` (smoothed).
fn inverse_document_frequencies(examples: &[&Example]) -> Vec<f32> {
    let mut document_frequency = vec![0u32; Regression::dims()];
    for example in examples {
        for &(f, _) in &example.features.hashed {
            document_frequency[f as usize] += 1;
        }
    }
    let n = examples.len() as f32;
    document_frequency
        .iter()
        .map(|&df| ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)
        .collect()
}

/// The weight of each technique's positives in the loss: the square root of how much
/// rarer they are than its negatives, between 1 and 20.
fn positive_weights(examples: &[&Example]) -> Vec<f32> {
    let n = examples.len() as f32;
    (0..TECHNIQUES.len())
        .map(|t| {
            let positives = examples.iter().filter(|e| e.labels.contains(&t)).count();
            (n - positives as f32) / (positives as f32).max(1.0)
        })
        .map(|w| w.sqrt().clamp(1.0, 20.0))
        .collect()
}

/// A held-out paragraph's probabilities from the regression and from the labeller (when
/// the model has one), with its gold labels and language.
struct HeldOut<'a> {
    regression: [f32; 23],
    labelled: Option<Vec<f32>>,
    labels: &'a BTreeSet<usize>,
    language: Option<Language>,
}

impl PersuasionModel {
    /// The features of a paragraph as this model reads them (with its encoder's vector
    /// when it has one).
    pub fn paragraph_features(
        &self,
        paragraph: &str,
        language: Option<Language>,
        lexicon: &LoadedLexicon,
    ) -> ParagraphFeatures {
        ParagraphFeatures::new(paragraph, language, lexicon, self.encoder.as_ref())
    }

    /// Whether the model reads a sentence encoder's vectors.
    pub fn uses_encoder(&self) -> bool {
        self.encoder.is_some()
    }

    /// Probability of each technique for a paragraph's features: the regression's, with
    /// the labeller's mixed in at its share.
    pub fn probabilities(&self, paragraph: &ParagraphFeatures) -> [f32; 23] {
        let regression = self.regression.probabilities(paragraph);
        match &self.labeller {
            Some(labeller) => {
                let labelled = labeller
                    .probabilities(&paragraph.words.to_f32())
                    .unwrap_or_else(|_| vec![0.0; TECHNIQUES.len()]);
                mix(&regression, &labelled, self.labeller_share)
            }
            None => regression,
        }
    }

    /// Techniques predicted for a paragraph's features.
    pub fn predict(&self, paragraph: &ParagraphFeatures) -> BTreeSet<usize> {
        predict_at(
            &self.probabilities(paragraph),
            self.thresholds.of(paragraph.language),
        )
    }

    /// Trains on `examples`, every [`TUNING_EVERY`]th article held out: the regression
    /// (`epochs` passes) and, with an encoder (the examples carry its vectors, and the
    /// model keeps it), a paragraph labeller of one member per seed are trained on the
    /// other articles; the labeller's share and the thresholds that maximise micro-F1 on
    /// the held-out articles are kept. `progress` hears how training goes.
    pub fn train(
        examples: &[Example],
        epochs: usize,
        provenance: &str,
        encoder: Option<MultilingualEncoder>,
        mut progress: impl FnMut(String),
    ) -> Result<Self, String> {
        let (training, held_out): (Vec<&Example>, Vec<&Example>) = examples
            .iter()
            .partition(|e| e.article % TUNING_EVERY != TUNING_EVERY - 1);
        if training.is_empty() || held_out.is_empty() {
            return Err(format!(
                "persuasion training needs articles to train on and articles to tune on \
                 (one in {TUNING_EVERY}); got {} and {}",
                training.len(),
                held_out.len()
            ));
        }
        progress(format!(
            "training on {} paragraphs, tuning on {}",
            training.len(),
            held_out.len()
        ));
        let positive_weight = positive_weights(&training);
        let regression = Regression::fit(
            &training,
            inverse_document_frequencies(&training),
            encoder.as_ref().map_or(0, vector_length),
            &positive_weight,
            epochs,
        );
        let labeller = match encoder {
            Some(_) => {
                let members = LABELLER_SEEDS
                    .into_iter()
                    .map(|seed| {
                        Self::fit_labeller(
                            &training,
                            &positive_weight,
                            seed,
                            provenance,
                            &mut progress,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Some(ParagraphLabeller::ensemble(members)?)
            }
            None => None,
        };
        let held_out_scores = held_out
            .iter()
            .map(|example| {
                Ok(HeldOut {
                    regression: regression.probabilities(&example.features),
                    labelled: labeller
                        .as_ref()
                        .map(|labeller| labeller.probabilities(&example.features.words.to_f32()))
                        .transpose()?,
                    labels: &example.labels,
                    language: example.features.language,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let (labeller_share, thresholds) =
            choose_share_and_thresholds(&held_out_scores, &mut progress);
        Ok(PersuasionModel {
            regression,
            encoder,
            labeller,
            labeller_share,
            thresholds,
            provenance: provenance.to_owned(),
        })
    }

    /// Trains one paragraph labeller on `examples`' word vectors, on the regression's loss.
    fn fit_labeller(
        examples: &[&Example],
        positive_weight: &[f32],
        seed: u64,
        provenance: &str,
        progress: &mut impl FnMut(String),
    ) -> Result<ParagraphLabeller, String> {
        let training: Vec<ParagraphExample<'_>> = examples
            .iter()
            .map(|e| ParagraphExample {
                words: &e.features.words,
                labels: (0..TECHNIQUES.len())
                    .map(|t| e.labels.contains(&t))
                    .collect(),
            })
            .collect();
        train_labeller(
            LABELLER_HEAD,
            TECHNIQUES.map(String::from).to_vec(),
            &training,
            positive_weight,
            &labeller_options(seed),
            &format!("{provenance}; seed {seed}"),
            |epoch, loss| {
                progress(format!(
                    "labeller seed {seed}, epoch {epoch}: loss {loss:.4}"
                ))
            },
        )
        .map_err(|e| format!("training the paragraph labeller: {e}"))
    }

    /// The labeller's share of the probabilities (0 without a labeller).
    pub fn labeller_share(&self) -> f32 {
        self.labeller_share
    }

    /// The model as bytes (sparse: zero weights are not written).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        let provenance = self.provenance.as_bytes();
        bytes.extend_from_slice(&(provenance.len() as u32).to_le_bytes());
        bytes.extend_from_slice(provenance);
        bytes.extend_from_slice(&self.thresholds.overall.to_le_bytes());
        bytes.push(self.thresholds.by_language.len() as u8);
        for (language, threshold) in &self.thresholds.by_language {
            bytes.extend_from_slice(language.code().as_bytes());
            bytes.extend_from_slice(&threshold.to_le_bytes());
        }
        bytes.extend_from_slice(&HASH_BITS.to_le_bytes());
        let regression = &self.regression;
        bytes.extend_from_slice(&(regression.embedding_dimensions() as u32).to_le_bytes());
        for values in [
            &regression.biases,
            &regression.idf,
            &regression.weights,
            &regression.embedding_weights,
        ] {
            let nonzero: Vec<(u32, f32)> = values
                .iter()
                .enumerate()
                .filter(|(_, w)| **w != 0.0)
                .map(|(i, w)| (i as u32, *w))
                .collect();
            bytes.extend_from_slice(&(nonzero.len() as u32).to_le_bytes());
            for (i, w) in nonzero {
                bytes.extend_from_slice(&i.to_le_bytes());
                bytes.extend_from_slice(&w.to_le_bytes());
            }
        }
        let labeller = self
            .labeller
            .as_ref()
            .map(ParagraphLabeller::to_bytes)
            .unwrap_or_default();
        bytes.extend_from_slice(&(labeller.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&labeller);
        bytes.extend_from_slice(&self.labeller_share.to_le_bytes());
        bytes
    }

    /// Reads a model written by [`PersuasionModel::to_bytes`]; `load_encoder` is called
    /// when the model was trained with a sentence encoder.
    pub fn from_bytes(
        bytes: &[u8],
        load_encoder: impl FnOnce() -> Result<MultilingualEncoder, String>,
    ) -> Result<Self, String> {
        let mut rest = bytes
            .strip_prefix(MAGIC)
            .ok_or("not a Vigie persuasion model (or one from an older version)")?;
        let mut take = |n: usize| -> Result<&[u8], String> {
            if rest.len() < n {
                return Err("truncated persuasion model".to_owned());
            }
            let (head, tail) = rest.split_at(n);
            rest = tail;
            Ok(head)
        };
        let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes"));
        let f32_at = |b: &[u8]| f32::from_le_bytes(b.try_into().expect("4 bytes"));
        let provenance_len = u32_at(take(4)?) as usize;
        let provenance = String::from_utf8_lossy(take(provenance_len)?).into_owned();
        let overall = f32_at(take(4)?);
        let mut by_language = Vec::new();
        for _ in 0..take(1)?[0] {
            let code = String::from_utf8_lossy(take(2)?).into_owned();
            let language = Language::from_code(&code)
                .ok_or_else(|| format!("persuasion model threshold for unknown language {code}"))?;
            by_language.push((language, f32_at(take(4)?)));
        }
        if u32_at(take(4)?) != HASH_BITS {
            return Err("persuasion model built with another feature hash size".to_owned());
        }
        let embedding_dimensions = u32_at(take(4)?) as usize;
        let mut read = |len: usize| -> Result<Vec<f32>, String> {
            let mut values = vec![0.0; len];
            for _ in 0..u32_at(take(4)?) {
                let index = u32_at(take(4)?) as usize;
                *values
                    .get_mut(index)
                    .ok_or("persuasion model value out of range")? = f32_at(take(4)?);
            }
            Ok(values)
        };
        let biases = read(TECHNIQUES.len())?;
        let idf = read(Regression::dims())?;
        let weights = read(TECHNIQUES.len() * Regression::dims())?;
        let embedding_weights = read(TECHNIQUES.len() * embedding_dimensions)?;
        let labeller_length = u32_at(take(4)?) as usize;
        let labeller = match labeller_length {
            0 => None,
            n => Some(
                ParagraphLabeller::from_bytes(take(n)?, LABELLER_HEAD)
                    .and_then(|labeller| match labeller.layers() == PARAGRAPH_LAYERS {
                        true => Ok(labeller),
                        false => Err(format!("it reads layers {:?}", labeller.layers())),
                    })
                    .map_err(|e| format!("the model's paragraph labeller: {e}"))?,
            ),
        };
        let labeller_share = f32_at(take(4)?);
        if !rest.is_empty() {
            return Err(format!("{} bytes after the persuasion model", rest.len()));
        }
        let encoder = match embedding_dimensions {
            0 => None,
            d => {
                let encoder = load_encoder()
                    .map_err(|e| format!("the model reads a sentence encoder: {e}"))?;
                if vector_length(&encoder) != d {
                    return Err(format!(
                        "the model reads {d}-dimension vectors, the encoder gives {}",
                        vector_length(&encoder)
                    ));
                }
                Some(encoder)
            }
        };
        Ok(PersuasionModel {
            regression: Regression {
                idf,
                weights,
                embedding_weights,
                biases,
            },
            encoder,
            labeller,
            labeller_share,
            thresholds: Thresholds {
                overall,
                by_language,
            },
            provenance,
        })
    }
}

/// The labeller's share (0 without a labeller) and the thresholds that maximise micro-F1
/// on the held-out paragraphs.
fn choose_share_and_thresholds(
    held_out: &[HeldOut<'_>],
    progress: &mut impl FnMut(String),
) -> (f32, Thresholds) {
    let with_labeller = held_out
        .iter()
        .any(|paragraph| paragraph.labelled.is_some());
    let shares: &[f32] = match with_labeller {
        true => &LABELLER_SHARES,
        false => &[0.0],
    };
    let mut best: Option<(f64, f32, Thresholds)> = None;
    for &share in shares {
        let mixed: Vec<_> = held_out
            .iter()
            .map(|paragraph| {
                let probabilities = match &paragraph.labelled {
                    Some(labelled) => mix(&paragraph.regression, labelled, share),
                    None => paragraph.regression,
                };
                (probabilities, paragraph.labels, paragraph.language)
            })
            .collect();
        let thresholds = Thresholds::tuned(&mixed);
        let f1 = micro_f1(
            mixed
                .iter()
                .map(|(p, gold, language)| (predict_at(p, thresholds.of(*language)), *gold)),
        );
        progress(format!(
            "labeller share {share}: held-out micro-F1 {f1:.3} (thresholds {thresholds})"
        ));
        if best.as_ref().is_none_or(|(b, ..)| f1 > *b) {
            best = Some((f1, share, thresholds));
        }
    }
    let (_, share, thresholds) = best.expect("at least one share");
    (share, thresholds)
}

/// `share` of `labelled` and the rest of `regression`, technique by technique.
fn mix(regression: &[f32; 23], labelled: &[f32], share: f32) -> [f32; 23] {
    std::array::from_fn(|t| (1.0 - share) * regression[t] + share * labelled[t])
}

/// Dot product.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Techniques whose probability reaches the threshold.
fn predict_at(probabilities: &[f32; 23], threshold: f32) -> BTreeSet<usize> {
    probabilities
        .iter()
        .enumerate()
        .filter(|(_, p)| **p >= threshold)
        .map(|(t, _)| t)
        .collect()
}

/// One signal per paragraph (blank-line separated) where the model finds techniques:
/// the techniques with their probabilities, scored by the highest.
pub fn signals(doc: &Document, model: &PersuasionModel, lexicon: &LoadedLexicon) -> Vec<Signal> {
    let mut signals = Vec::new();
    let mut start = 0;
    for paragraph in doc.text.split("\n\n") {
        let length = paragraph.chars().count();
        let probabilities =
            model.probabilities(&model.paragraph_features(paragraph, doc.language, lexicon));
        let threshold = model.thresholds.of(doc.language);
        let mut found: Vec<(usize, f32)> = predict_at(&probabilities, threshold)
            .into_iter()
            .map(|t| (t, probabilities[t]))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        if let Some(&(_, best)) = found.first() {
            let detail: Vec<String> = found
                .iter()
                .map(|(t, p)| format!("{} ({p:.2})", TECHNIQUES[*t]))
                .collect();
            signals.push(Signal {
                kind: SignalKind::Persuasion,
                span: Some(Span::new(start, start + length)),
                detail: detail.join(", "),
                score: best,
            });
        }
        start += length + 2;
    }
    signals
}

/// Micro-averaged F1 over (predicted, gold) label sets, as the task scores it.
pub fn micro_f1<'g>(pairs: impl Iterator<Item = (BTreeSet<usize>, &'g BTreeSet<usize>)>) -> f64 {
    let (mut tp, mut predicted, mut gold) = (0usize, 0usize, 0usize);
    for (p, g) in pairs {
        tp += p.intersection(g).count();
        predicted += p.len();
        gold += g.len();
    }
    if tp == 0 {
        return 0.0;
    }
    let precision = tp as f64 / predicted as f64;
    let recall = tp as f64 / gold as f64;
    2.0 * precision * recall / (precision + recall)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &str, labels: &[&str], article: usize) -> Example {
        Example {
            features: ParagraphFeatures::new(
                text,
                Some(Language::Fr),
                LoadedLexicon::embedded(),
                None,
            ),
            labels: labels.iter().filter_map(|l| technique_index(l)).collect(),
            article,
        }
    }

    #[test]
    fn learns_separable_labels_and_round_trips() {
        let loaded = [
            "Cette clique corrompue trahit le peuple !",
            "Ces traîtres corrompus mentent encore !",
            "La clique au pouvoir ment sans vergogne !",
        ];
        let neutral = [
            "Le conseil municipal se réunit mardi.",
            "La réunion a lieu à la mairie.",
            "Le budget a été voté mardi.",
        ];
        // One article each; articles 4 and 9 are held out to tune.
        let examples: Vec<Example> = loaded
            .iter()
            .map(|t| (t, &["Loaded_Language"][..]))
            .chain(neutral.iter().map(|t| (t, &[][..])))
            .zip([0, 1, 4, 2, 3, 9])
            .map(|((text, labels), article)| example(text, labels, article))
            .collect();
        let model = PersuasionModel::train(&examples, 20, "test sentences", None, |_| {}).unwrap();
        assert!(!model.uses_encoder());
        let loaded_index = technique_index("Loaded_Language").unwrap();
        let probe = example("Cette clique corrompue ment !", &[], 0);
        assert!(model.predict(&probe.features).contains(&loaded_index));
        let calm = example("Le conseil se réunit à la mairie.", &[], 0);
        assert!(!model.predict(&calm.features).contains(&loaded_index));
        let no_encoder = || -> Result<MultilingualEncoder, String> { unreachable!("not needed") };
        let copy = PersuasionModel::from_bytes(&model.to_bytes(), no_encoder).unwrap();
        assert_eq!(copy.to_bytes(), model.to_bytes());
        assert_eq!(
            copy.probabilities(&probe.features),
            model.probabilities(&probe.features)
        );
        assert!(PersuasionModel::from_bytes(b"nope", no_encoder).is_err());

        let calm_paragraph = "Le conseil se réunit à la mairie.";
        let text = format!("{calm_paragraph}\n\nCette clique corrompue ment encore !");
        let mut doc = Document::new("d", text);
        doc.language = Some(Language::Fr);
        let signals = signals(&doc, &model, LoadedLexicon::embedded());
        assert_eq!(signals.len(), 1, "{signals:?}");
        let start = calm_paragraph.chars().count() + 2;
        assert_eq!(
            signals[0].span,
            Some(Span::new(start, doc.text.chars().count()))
        );
        assert!(signals[0].detail.starts_with("Loaded_Language"));
    }

    #[test]
    fn refuses_to_train_without_articles_to_tune_on() {
        let examples = [
            example("Cette clique corrompue ment !", &["Loaded_Language"], 0),
            example("Le conseil se réunit mardi.", &[], 1),
        ];
        let error = PersuasionModel::train(&examples, 5, "test", None, |_| {}).unwrap_err();
        assert!(error.contains("got 2 and 0"), "{error}");
    }

    #[test]
    fn each_language_gets_the_threshold_its_tuning_paragraphs_want() {
        let gold = BTreeSet::from([0]);
        let none = BTreeSet::new();
        // French paragraphs score low, English ones high; each language's positives
        // sit 0.2 above its negatives.
        let mut tuning = Vec::new();
        for (language, positive, negative) in [(Language::Fr, 0.3, 0.1), (Language::En, 0.8, 0.6)] {
            for i in 0..MIN_TUNING_PER_LANGUAGE {
                let (p, labels) = if i % 2 == 0 {
                    (positive, &gold)
                } else {
                    (negative, &none)
                };
                let mut probabilities = [0.0; 23];
                probabilities[0] = p;
                tuning.push((probabilities, labels, Some(language)));
            }
        }
        let thresholds = Thresholds::tuned(&tuning);
        let french = thresholds.of(Some(Language::Fr));
        let english = thresholds.of(Some(Language::En));
        assert!(french > 0.1 && french <= 0.3, "{thresholds}");
        assert!(english > 0.6 && english <= 0.8, "{thresholds}");
        assert_eq!(thresholds.of(None), thresholds.overall);
        // Too few paragraphs of a language: it takes the overall threshold.
        let thresholds = Thresholds::tuned(&tuning[..MIN_TUNING_PER_LANGUAGE + 10]);
        assert_eq!(thresholds.by_language.len(), 1);
        assert_eq!(thresholds.of(Some(Language::En)), thresholds.overall);
    }

    #[test]
    fn micro_f1_counts_pairs() {
        let gold = [BTreeSet::from([1, 2]), BTreeSet::new()];
        let predicted = [BTreeSet::from([1]), BTreeSet::from([3])];
        let f1 = micro_f1(predicted.into_iter().zip(gold.iter()));
        // tp 1, predicted 2, gold 2 → P = R = 0.5
        assert!((f1 - 0.5).abs() < 1e-9);
    }
}
