//! Training a span tagger with candle: mini-batches of sentences, AdamW, input and hidden
//! dropout, and the epoch with the best span F1 on the development sentences kept.
//!
//! Corpora that do not annotate every kind (no MISC in UNER or Europeana) are read as
//! partial labels: a word tagged `O` there may also be a name of a kind the corpus does
//! not mark, and the loss is the negative log of the probability of all tags allowed
//! (the gold tag, or `O` and the unmarked kinds).

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use super::{
    Description, OUTSIDE, Packed, SpanTagger, Weights, begin_tag, spans_of_tags, tags_of_kinds,
};
use crate::random::Random;
use crate::training::TrainingOptions;
use crate::words::HalfVectors;

/// One training sentence: its word vectors and its gold tags.
#[derive(Debug, Clone)]
pub struct Example {
    /// The word vectors (the training set is kept in memory at half precision).
    vectors: HalfVectors,
    /// Gold tag of each word (see [`tags_of_kinds`]).
    tags: Vec<usize>,
    /// Kinds (indexes) the example's corpus does not mark: a word tagged `O` there may
    /// be a span of one of them.
    unmarked: Vec<usize>,
}

impl Example {
    /// A sentence with its word vectors, gold tags (indexes into the tags of the kinds)
    /// and the kinds its corpus does not mark.
    pub fn new(
        vectors: HalfVectors,
        tags: Vec<usize>,
        unmarked: Vec<usize>,
    ) -> Result<Self, String> {
        if vectors.len() != tags.len() {
            return Err(format!(
                "{} word vectors for {} tags",
                vectors.len(),
                tags.len()
            ));
        }
        Ok(Example {
            vectors,
            tags,
            unmarked,
        })
    }

    fn len(&self) -> usize {
        self.tags.len()
    }

    /// 0 for each of `tags` tags allowed at each word, a large negative number otherwise.
    fn allowed_penalties(&self, tags: usize) -> Vec<f32> {
        let mut penalties = vec![-1e4f32; self.len() * tags];
        for (word, &gold) in self.tags.iter().enumerate() {
            let row = &mut penalties[word * tags..(word + 1) * tags];
            row[gold] = 0.0;
            if gold == OUTSIDE {
                for &kind in &self.unmarked {
                    row[begin_tag(kind)] = 0.0;
                    row[begin_tag(kind) + 1] = 0.0;
                }
            }
        }
        penalties
    }
}

/// Span-level F1 of the tagger on `examples`, counting only the kinds each one marks.
fn span_f1(tagger: &SpanTagger, examples: &[Example]) -> candle_core::Result<f64> {
    let (mut correct, mut predicted, mut gold) = (0usize, 0usize, 0usize);
    for example in examples {
        let tags = tagger
            .tags(&example.vectors.to_f32())
            .map_err(candle_core::Error::msg)?;
        let guessed: Vec<_> = spans_of_tags(&tags)
            .into_iter()
            .filter(|s| !example.unmarked.contains(&s.kind))
            .collect();
        let expected = spans_of_tags(&example.tags);
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

/// Trains a tagger of `kinds` spans (what it finds: `head`) on `training`, keeping the
/// epoch whose span F1 on `development` is best; `progress` hears each epoch's mean loss
/// and development F1.
pub fn train(
    head: &str,
    kinds: &[&str],
    training: &[Example],
    development: &[Example],
    options: &TrainingOptions,
    provenance: &str,
    mut progress: impl FnMut(usize, f64, f64),
) -> candle_core::Result<SpanTagger> {
    let width = training
        .first()
        .map(|e| e.vectors.width)
        .ok_or_else(|| candle_core::Error::msg("no training sentence"))?;
    let tag_names = tags_of_kinds(kinds);
    let (hidden, tags) = (options.hidden, tag_names.len());
    let device = Device::Cpu;
    let mut random = Random(options.seed);
    let context = random.glorot(width, 3 * hidden, width * 3)?;
    let hidden_bias = Var::zeros(hidden, DType::F32, &device)?;
    let output = random.glorot(hidden, tags, hidden)?;
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
    let snapshot = |provenance: &str| -> candle_core::Result<SpanTagger> {
        Ok(SpanTagger {
            description: Description {
                head: head.to_owned(),
                layers: options.layers.clone(),
                event_layer: options.event_layer,
                width,
                hidden,
                tags: tag_names.clone(),
                provenance: provenance.to_owned(),
            },
            members: vec![Weights {
                context: context.as_tensor().copy()?,
                hidden_bias: hidden_bias.as_tensor().copy()?,
                output: output.as_tensor().copy()?,
                output_bias: output_bias.as_tensor().copy()?,
            }],
            packed: Packed::default(),
        })
    };
    let mut order: Vec<usize> = (0..training.len()).collect();
    let mut best: Option<(f64, SpanTagger)> = None;
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
                .flat_map(|e| e.vectors.values.iter().map(|v| v.to_f32()))
                .collect();
            let x = Tensor::from_vec(values, (words, width), &device)?;
            let penalties: Vec<f32> = examples
                .iter()
                .flat_map(|e| e.allowed_penalties(tags))
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
        let f1 = span_f1(&tagger, development)?;
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
    use crate::words::WordVectors;

    const KINDS: [&str; 2] = ["PER", "ORG"];

    /// Word vectors where a word's kind shows in one coordinate: 0 outside, 1 PER,
    /// 2 ORG, plus noise, so a trained tagger must read the vectors to tag.
    fn sentence(kinds: &[&str], random: &mut Random) -> (WordVectors, Vec<usize>) {
        let width = 8;
        let mut values = random.uniform(kinds.len() * width, 0.3);
        let mut tags = Vec::new();
        let mut previous = "";
        for (i, kind) in kinds.iter().enumerate() {
            let coordinate = match KINDS.iter().position(|k| k == kind) {
                Some(k) => {
                    tags.push(begin_tag(k) + usize::from(previous == *kind));
                    k + 1
                }
                None => {
                    tags.push(OUTSIDE);
                    0
                }
            };
            values[i * width + coordinate] += 2.0;
            previous = kind;
        }
        (WordVectors { width, values }, tags)
    }

    /// A tagger trained with `seed` on sentences where half the corpus marks PER only,
    /// with a development sentence and its gold tags.
    fn trained(seed: u64) -> (SpanTagger, Vec<f64>, WordVectors, Vec<usize>) {
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
            // words are tagged O, which must not teach the tagger that ORG words are O.
            let (tags, unmarked) = if round % 2 == 0 {
                (tags, vec![])
            } else {
                let org = [begin_tag(1), begin_tag(1) + 1];
                let tags = tags
                    .into_iter()
                    .map(|t| if org.contains(&t) { OUTSIDE } else { t })
                    .collect();
                (tags, vec![1])
            };
            training.push(Example::new(HalfVectors::from(&vectors), tags, unmarked).unwrap());
        }
        let (vectors, expected) = sentence(&["O", "ORG", "O", "PER", "PER"], &mut random);
        let development =
            vec![Example::new(HalfVectors::from(&vectors), expected.clone(), vec![]).unwrap()];
        let options = TrainingOptions {
            hidden: 16,
            epochs: 30,
            batch: 4,
            learning_rate: 1e-2,
            dropout: 0.1,
            seed,
            ..TrainingOptions::default()
        };
        let mut losses = Vec::new();
        let tagger = train(
            "test-spans",
            &KINDS,
            &training,
            &development,
            &options,
            "test",
            |_, loss, _| losses.push(loss),
        )
        .unwrap();
        (tagger, losses, vectors, expected)
    }

    #[test]
    fn learns_kinds_from_vectors_and_reads_partial_labels() {
        let (tagger, losses, vectors, expected) = trained(17);
        assert!(losses.last().unwrap() < &(losses[0] * 0.5), "{losses:?}");
        assert_eq!(tagger.tags(&vectors).unwrap(), expected);
        assert_eq!(tagger.kinds(), KINDS);
        let read = SpanTagger::from_bytes(&tagger.to_bytes(), "test-spans").unwrap();
        assert_eq!(read.tags(&vectors).unwrap(), expected);
        assert_eq!(read.provenance(), "test");
        assert_eq!(read.layers(), [12]);
        assert!(SpanTagger::from_bytes(&tagger.to_bytes(), "names").is_err());
    }

    #[test]
    fn an_ensemble_averages_its_members_and_round_trips() {
        let (first, _, vectors, expected) = trained(17);
        let (second, _, _, _) = trained(5);
        let mut random = Random(11);
        let blurred = |mut words: WordVectors, scale, random: &mut Random| {
            let noise = random.uniform(words.values.len(), scale);
            words
                .values
                .iter_mut()
                .zip(noise)
                .for_each(|(v, n)| *v += n);
            words
        };
        let noisy: Vec<WordVectors> = (0..20)
            .map(|_| {
                let words = sentence(&["PER", "O", "ORG", "ORG", "O", "PER"], &mut random).0;
                blurred(words, 1.5, &mut random)
            })
            .collect();
        // A member averaged with itself changes nothing.
        let doubled = SpanTagger::ensemble(vec![first.clone(), first.clone()]).unwrap();
        for words in &noisy {
            assert_eq!(doubled.tags(words).unwrap(), first.tags(words).unwrap());
        }
        // Two seeds: the file keeps both members, and reads back the same tagger.
        let pair = SpanTagger::ensemble(vec![first.clone(), second.clone()]).unwrap();
        assert_eq!(pair.members(), 2);
        assert!(pair.provenance().starts_with("ensemble of 2"));
        assert_eq!(pair.tags(&vectors).unwrap(), expected);
        let read = SpanTagger::from_bytes(&pair.to_bytes(), "test-spans").unwrap();
        assert_eq!(read.members(), 2);
        let disagreements = noisy
            .iter()
            .filter(|w| first.tags(w).unwrap() != second.tags(w).unwrap())
            .count();
        assert!(disagreements > 0, "the seeds must give different taggers");
        for words in &noisy {
            assert_eq!(read.tags(words).unwrap(), pair.tags(words).unwrap());
            // Taggers reading the same vectors together are their ensemble.
            assert_eq!(
                SpanTagger::spans_together(&[(&first, words), (&second, words)]).unwrap(),
                spans_of_tags(&pair.tags(words).unwrap())
            );
        }
        // Each tagger reads its own vectors: the doubled member outweighs the other.
        let blurred = blurred(vectors.clone(), 3.0, &mut random);
        let [clean, noisy] = [&vectors, &blurred];
        let together =
            SpanTagger::log_probabilities_together(&[(&doubled, clean), (&first, noisy)]).unwrap();
        let (on_clean, on_noisy) = (
            first.log_probabilities(clean).unwrap(),
            first.log_probabilities(noisy).unwrap(),
        );
        assert_ne!(on_clean, on_noisy);
        for ((mean, x), y) in together.iter().zip(&on_clean).zip(&on_noisy) {
            for ((m, x), y) in mean.iter().zip(x).zip(y) {
                // `doubled` multiplies in integers, `first` (as trained) in f32.
                assert!((m - (2.0 * x + y) / 3.0).abs() < 0.02, "{m} vs {x} and {y}");
            }
        }
        // Heads finding other kinds cannot be averaged.
        let mut other = second;
        other.description.tags = tags_of_kinds(&["PER", "LOC"]);
        assert!(SpanTagger::spans_together(&[(&first, clean), (&other, clean)]).is_err());
        assert!(SpanTagger::ensemble(vec![first, other]).is_err());
    }
}
