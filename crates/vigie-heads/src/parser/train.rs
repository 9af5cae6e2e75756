//! Training the dependency parser with candle: mini-batches of sentences, AdamW, input
//! dropout, the loss of each word's gold head plus that of its gold relation given the
//! gold head, and the epoch with the best labelled attachment score on the development
//! sentences kept.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use super::{DISTANCE_BUCKETS, DependencyParser, Description, PairLayout, Weights, bucket};
use crate::random::Random;
use crate::training::TrainingOptions;
use crate::words::HalfVectors;

/// Units of the relation projections (the arc projections take the options' hidden).
const RELATION_UNITS: usize = 128;

/// One training sentence: its word vectors, each word's gold head and relation.
#[derive(Debug, Clone)]
pub struct Example {
    vectors: HalfVectors,
    heads: Vec<Option<usize>>,
    relations: Vec<usize>,
}

impl Example {
    /// A sentence with its word vectors, each word's head (`None`: the root) and relation
    /// (an index into the relations the parser is trained with).
    pub fn new(
        vectors: HalfVectors,
        heads: Vec<Option<usize>>,
        relations: Vec<usize>,
    ) -> Result<Self, String> {
        if vectors.len() != heads.len() || heads.len() != relations.len() {
            return Err(format!(
                "{} word vectors, {} heads, {} relations",
                vectors.len(),
                heads.len(),
                relations.len()
            ));
        }
        if heads.iter().flatten().any(|&h| h >= heads.len()) {
            return Err("a head past the last word".into());
        }
        Ok(Example {
            vectors,
            heads,
            relations,
        })
    }

    /// The word vectors at single precision.
    pub fn vectors(&self) -> crate::words::WordVectors {
        self.vectors.to_f32()
    }
}

/// The trainable weights, in the order of [`Weights`].
struct Trainable {
    vars: Vec<Var>,
}

impl Trainable {
    fn new(
        width: usize,
        arc: usize,
        relations: usize,
        random: &mut Random,
    ) -> candle_core::Result<Self> {
        let zeros = |shape: &[usize]| Var::zeros(shape, DType::F32, &Device::Cpu);
        let vars = vec![
            random.glorot(width, arc, width)?,
            zeros(&[arc])?,
            random.glorot(width, arc, width)?,
            zeros(&[arc])?,
            random.glorot(1, arc, arc)?,
            zeros(&[arc, arc])?,
            zeros(&[arc, 1])?,
            zeros(&[DISTANCE_BUCKETS])?,
            random.glorot(width, RELATION_UNITS, width)?,
            zeros(&[RELATION_UNITS])?,
            random.glorot(width, RELATION_UNITS, width)?,
            random.glorot(1, RELATION_UNITS, RELATION_UNITS)?,
            random.glorot(DISTANCE_BUCKETS, RELATION_UNITS, RELATION_UNITS)?,
            random.glorot(RELATION_UNITS, relations, RELATION_UNITS)?,
            zeros(&[relations])?,
        ];
        Ok(Trainable { vars })
    }

    /// The weights as they stand: shared with the variables, or copied for a snapshot.
    fn weights(&self, copy: bool) -> candle_core::Result<Weights> {
        let mut tensors = self.vars.iter().map(|v| {
            if copy {
                v.as_tensor().copy()
            } else {
                Ok(v.as_tensor().clone())
            }
        });
        let mut next = || tensors.next().expect("fifteen variables");
        Ok(Weights {
            arc_dependent: (next()?, next()?),
            arc_head: (next()?, next()?),
            arc_root: next()?,
            biaffine: next()?,
            head_prior: next()?,
            arc_distance: next()?,
            relation_dependent: (next()?, next()?),
            relation_head: next()?,
            relation_root: next()?,
            relation_distance: next()?,
            relation_output: (next()?, next()?),
        })
    }
}

/// The labelled attachment score of `parser` on `examples`.
fn labelled_attachment(
    parser: &DependencyParser,
    examples: &[Example],
) -> candle_core::Result<f64> {
    let (mut right, mut words) = (0usize, 0usize);
    for example in examples {
        let tree = parser
            .parse(&example.vectors())
            .map_err(candle_core::Error::msg)?;
        for word in 0..example.heads.len() {
            words += 1;
            right += usize::from(
                tree.heads[word] == example.heads[word]
                    && tree.relations[word]
                        == parser.description.relations[example.relations[word]],
            );
        }
    }
    Ok(right as f64 / words.max(1) as f64)
}

/// Trains a parser of `relations` on `training`, keeping the epoch whose labelled
/// attachment score on `development` is best; `progress` hears each epoch's mean loss
/// and development score. The options' `hidden` sets the arc projections' units.
pub fn train(
    relations: &[String],
    training: &[Example],
    development: &[Example],
    options: &TrainingOptions,
    provenance: &str,
    mut progress: impl FnMut(usize, f64, f64),
) -> candle_core::Result<DependencyParser> {
    let width = training
        .first()
        .map(|e| e.vectors.width)
        .ok_or_else(|| candle_core::Error::msg("no training sentence"))?;
    let device = Device::Cpu;
    let mut random = Random(options.seed);
    let trainable = Trainable::new(width, options.hidden, relations.len(), &mut random)?;
    let mut optimizer = AdamW::new(
        trainable.vars.clone(),
        ParamsAdamW {
            lr: options.learning_rate,
            weight_decay: 1e-4,
            ..ParamsAdamW::default()
        },
    )?;
    let description = Description {
        head: DependencyParser::HEAD.to_owned(),
        layers: options.layers.clone(),
        width,
        arc_units: options.hidden,
        relation_units: RELATION_UNITS,
        relations: relations.to_vec(),
        provenance: provenance.to_owned(),
    };
    let mut order: Vec<usize> = (0..training.len()).collect();
    let mut best: Option<(f64, DependencyParser)> = None;
    for epoch in 1..=options.epochs {
        random.shuffle(&mut order);
        let (mut loss_sum, mut batches) = (0.0, 0usize);
        for batch in order.chunks(options.batch) {
            let examples: Vec<&Example> = batch.iter().map(|&i| &training[i]).collect();
            let lengths: Vec<usize> = examples.iter().map(|e| e.heads.len()).collect();
            let words: usize = lengths.iter().sum();
            if words == 0 {
                continue;
            }
            // Gold heads as columns of the batch's arc scores (the root is `words`).
            let (mut columns, mut buckets, mut gold_relations) = (vec![], vec![], vec![]);
            let mut start = 0;
            for example in &examples {
                for (word, &head) in example.heads.iter().enumerate() {
                    columns.push(head.map_or(words, |h| start + h) as u32);
                    buckets.push(bucket(word, head));
                }
                gold_relations.extend(example.relations.iter().map(|&r| r as u32));
                start += example.heads.len();
            }
            let values: Vec<f32> = examples
                .iter()
                .flat_map(|e| e.vectors.values.iter().map(|v| v.to_f32()))
                .collect();
            let mask = random.mask(words * width, options.dropout);
            let x = (Tensor::from_vec(values, (words, width), &device)?
                * Tensor::from_vec(mask, (words, width), &device)?)?;
            let weights = trainable.weights(false)?;
            let layout = PairLayout::new(&lengths)?;
            let columns = Tensor::from_vec(columns, words, &device)?;
            let arc_loss =
                candle_nn::loss::cross_entropy(&weights.arc_scores(&x, &layout)?, &columns)?;
            let relation_scores = weights.relation_scores(
                &x,
                &columns,
                &Tensor::from_vec(buckets, words, &device)?,
            )?;
            let relation_loss = candle_nn::loss::cross_entropy(
                &relation_scores,
                &Tensor::from_vec(gold_relations, words, &device)?,
            )?;
            let loss = (arc_loss + relation_loss)?;
            optimizer.backward_step(&loss)?;
            loss_sum += f64::from(loss.to_scalar::<f32>()?);
            batches += 1;
        }
        let parser = DependencyParser {
            description: description.clone(),
            weights: trainable.weights(true)?,
        };
        let score = labelled_attachment(&parser, development)?;
        progress(epoch, loss_sum / batches.max(1) as f64, score);
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, parser));
        }
    }
    best.map(|(_, parser)| parser)
        .ok_or_else(|| candle_core::Error::msg("no epoch"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::WordVectors;

    /// Sentences of random words in which each word's head is the word before it (the
    /// first word is the root), with relation "first" or "next": a parser must learn it
    /// from the vectors, which carry the word's position.
    fn chain(random: &mut Random, count: usize, width: usize) -> Vec<Example> {
        (0..count)
            .map(|_| {
                let n = 3 + (random.next() % 5) as usize;
                let mut values = random.uniform(n * width, 0.1);
                for word in 0..n {
                    values[word * width + word % width] += 1.0;
                }
                let vectors = HalfVectors::from(&WordVectors { width, values });
                let heads = (0..n).map(|w| w.checked_sub(1)).collect();
                let relations = (0..n).map(|w| usize::from(w > 0)).collect();
                Example::new(vectors, heads, relations).unwrap()
            })
            .collect()
    }

    #[test]
    fn learns_a_simple_grammar_and_round_trips_through_bytes() {
        let mut random = Random(3);
        let (training, development) = (chain(&mut random, 200, 16), chain(&mut random, 20, 16));
        let options = TrainingOptions {
            hidden: 16,
            epochs: 8,
            batch: 8,
            learning_rate: 1e-2,
            dropout: 0.0,
            ..TrainingOptions::default()
        };
        let relations = ["first".to_owned(), "next".to_owned()];
        let parser = train(
            &relations,
            &training,
            &development,
            &options,
            "test",
            |_, _, _| {},
        )
        .unwrap();
        assert!(labelled_attachment(&parser, &development).unwrap() > 0.9);
        let read = DependencyParser::from_bytes(&parser.to_bytes()).unwrap();
        let tree = read.parse(&development[0].vectors()).unwrap();
        assert_eq!(tree.heads, development[0].heads);
        assert_eq!(tree.relations[0], "first");
        assert!(DependencyParser::from_bytes(&parser.to_bytes()[..100]).is_err());
    }
}
