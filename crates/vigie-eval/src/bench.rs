//! Throughput benchmarks: a stage run repeatedly over a corpus for a fixed time.

use std::time::{Duration, Instant};

use vigie_core::{Document, PreparedText};
use vigie_entities::ActorDictionary;
use vigie_geo::Gazetteer;

use crate::geoparse::GoldArticle;

/// Throughput of one benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    /// Articles processed (all rounds).
    pub articles: usize,
    /// Characters processed (all rounds).
    pub chars: usize,
    /// Time spent.
    pub elapsed: Duration,
}

impl Throughput {
    /// Articles per second.
    pub fn articles_per_second(&self) -> f64 {
        self.articles as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Millions of characters per second.
    pub fn mchars_per_second(&self) -> f64 {
        self.chars as f64 / 1e6 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Runs the geo stage (recognition and resolution) over the articles, prepared once by
/// the language and entity stages, again and again for at least `duration`.
pub fn geo(
    articles: &[GoldArticle],
    gazetteer: &Gazetteer,
    actors: &ActorDictionary,
    duration: Duration,
) -> Throughput {
    let prepared: Vec<Document> = articles
        .iter()
        .map(|article| {
            let mut doc = Document::new(article.id.clone(), article.text.clone());
            vigie_lang::analyze(
                &mut doc,
                vigie_lang::LanguageChoice::Fixed(vigie_core::Language::En),
            );
            let prepared = PreparedText::new(&doc.text);
            vigie_entities::analyze(&mut doc, &prepared, actors);
            doc
        })
        .collect();
    repeat(&prepared, duration, |doc| {
        let mut doc = doc.clone();
        let prepared = PreparedText::new(&doc.text);
        vigie_geo::analyze(&mut doc, &prepared, gazetteer);
        std::hint::black_box(&doc.places);
    })
}

/// Runs the whole pipeline (language, entities, NER, places, events, signals) over
/// the articles' plain text, again and again for at least `duration`.
pub fn pipeline(
    articles: &[GoldArticle],
    pipeline: &vigie_pipeline::Pipeline,
    duration: Duration,
) -> Throughput {
    let fresh: Vec<Document> = articles
        .iter()
        .map(|article| Document::new(article.id.clone(), article.text.clone()))
        .collect();
    repeat(&fresh, duration, |doc| {
        let mut doc = doc.clone();
        pipeline.run(&mut doc);
        std::hint::black_box(&doc.events);
    })
}

/// Runs the multilingual encoder over every sentence of the articles (the language
/// stage splits them; each is a `passage`), again and again for at least `duration`.
pub fn encoder(
    articles: &[GoldArticle],
    encoder: &vigie_encoder::e5::MultilingualEncoder,
    duration: Duration,
) -> Throughput {
    let split: Vec<Document> = articles
        .iter()
        .map(|article| {
            let mut doc = Document::new(article.id.clone(), article.text.clone());
            vigie_lang::analyze(&mut doc, vigie_lang::LanguageChoice::Auto);
            doc
        })
        .collect();
    repeat(&split, duration, |doc| {
        let chars: Vec<char> = doc.text.chars().collect();
        let sentences: Vec<String> = doc
            .sentences
            .iter()
            .map(|sentence| chars[sentence.start..sentence.end].iter().collect())
            .collect();
        let sentences: Vec<&str> = sentences.iter().map(String::as_str).collect();
        let encoded = encoder.token_layers_many(
            &sentences,
            vigie_encoder::e5::Role::Passage,
            &[encoder.depth()],
        );
        std::hint::black_box(encoded.ok());
    })
}

/// The weights of an integer product ([`vigie_encoder::integer::PackedLinear`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// 4-bit Q4_0 blocks, as the encoder's layers are stored.
    FourBit,
    /// f32 weights rounded to 8 bits, as the heads' and the event layer's are.
    EightBit,
}

impl Weights {
    /// Bits per weight.
    pub fn bits(self) -> u32 {
        match self {
            Weights::FourBit => 4,
            Weights::EightBit => 8,
        }
    }
}

/// The shapes, \[outputs, inputs\], of the integer products the pipeline runs for every
/// token, with the weights each has: in each of the encoder's 12 layers (width 384,
/// feed-forward 1,536) the queries, keys, values and attention output, the feed-forward's
/// first and second product; the event layer's, a copy of the last layer in 8 bits; a
/// tagger's context layer (three shares of 256 over three encoder layers of 384).
pub const PRODUCT_SHAPES: [(Weights, usize, usize); 7] = [
    (Weights::FourBit, 384, 384),
    (Weights::FourBit, 1536, 384),
    (Weights::FourBit, 384, 1536),
    (Weights::EightBit, 384, 384),
    (Weights::EightBit, 1536, 384),
    (Weights::EightBit, 384, 1536),
    (Weights::EightBit, 768, 1152),
];

/// Throughput of one shape of integer product.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductThroughput {
    /// The weights' kind.
    pub weights: Weights,
    /// Outputs of the product.
    pub outputs: usize,
    /// Inputs of the product.
    pub inputs: usize,
    /// Tokens per product.
    pub tokens: usize,
    /// Products run.
    pub runs: usize,
    /// Time spent.
    pub elapsed: Duration,
}

impl ProductThroughput {
    /// Multiply-adds done (all runs).
    pub fn multiply_adds(&self) -> usize {
        self.outputs * self.inputs * self.tokens * self.runs
    }

    /// Billions of multiply-adds per second.
    pub fn giga_multiply_adds_per_second(&self) -> f64 {
        self.multiply_adds() as f64 / 1e9 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Times the integer product of each of [`PRODUCT_SHAPES`], on pseudo-random weights and
/// activations of `tokens` tokens, again and again for at least `duration` each (at least
/// once), on the kernel this CPU runs (named as [`vigie_encoder::integer::Kernel`] names
/// it); `None` when it runs none (no AVX2, or not an x86-64 CPU) or a shape's weights
/// cannot be packed for it.
#[cfg(target_arch = "x86_64")]
pub fn products(tokens: usize, duration: Duration) -> Option<(String, Vec<ProductThroughput>)> {
    use vigie_encoder::integer::{Kernel, PackedLinear};
    let kernel = format!("{:?}", Kernel::detect()?);
    let mut random = crate::random::Random(0x5eed);
    let mut timed = Vec::with_capacity(PRODUCT_SHAPES.len());
    for (weights, outputs, inputs) in PRODUCT_SHAPES {
        let bias: Vec<f32> = (0..outputs).map(|_| random.unit()).collect();
        let packed = match weights {
            Weights::FourBit => {
                // Q4_0 blocks: a half-precision scale of 1/16, then 32 four-bit values.
                let blocks: Vec<u8> = (0..outputs * inputs / 32)
                    .flat_map(|_| {
                        let values: Vec<u8> = (0..16).map(|_| random.next(256) as u8).collect();
                        [0x00, 0x2c].into_iter().chain(values)
                    })
                    .collect();
                PackedLinear::from_q4_0(&blocks, &bias, outputs, inputs)
            }
            Weights::EightBit => {
                let rows: Vec<f32> = (0..outputs * inputs).map(|_| random.unit()).collect();
                PackedLinear::from_rows(&rows, &bias, outputs, inputs)
            }
        }?;
        let x: Vec<f32> = (0..tokens * inputs).map(|_| random.unit()).collect();
        let (runs, elapsed) = run_for(duration, || {
            std::hint::black_box(packed.forward(std::hint::black_box(&x)));
        });
        timed.push(ProductThroughput {
            weights,
            outputs,
            inputs,
            tokens,
            runs,
            elapsed,
        });
    }
    Some((kernel, timed))
}

/// [`products`] where the encoder has no integer products: none.
#[cfg(not(target_arch = "x86_64"))]
pub fn products(_tokens: usize, _duration: Duration) -> Option<(String, Vec<ProductThroughput>)> {
    None
}

/// Calls `process` on every document, round after round, until `duration` has passed
/// (at least one round).
fn repeat(documents: &[Document], duration: Duration, process: impl Fn(&Document)) -> Throughput {
    let chars_per_round: usize = documents.iter().map(|d| d.text.chars().count()).sum();
    let (rounds, elapsed) = run_for(duration, || documents.iter().for_each(&process));
    Throughput {
        articles: rounds * documents.len(),
        chars: rounds * chars_per_round,
        elapsed,
    }
}

/// Calls `round` again and again until `duration` has passed (at least once): the rounds
/// run and the time they took.
fn run_for(duration: Duration, mut round: impl FnMut()) -> (usize, Duration) {
    let started = Instant::now();
    let mut rounds = 0;
    while rounds == 0 || started.elapsed() < duration {
        round();
        rounds += 1;
    }
    (rounds, started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_time_every_shape_once_at_least_and_count_its_multiply_adds() {
        let Some((kernel, timed)) = products(3, Duration::ZERO) else {
            eprintln!("skipped: this CPU runs no integer kernel");
            return;
        };
        assert!(!kernel.is_empty());
        let shapes: Vec<_> = timed
            .iter()
            .map(|product| (product.weights, product.outputs, product.inputs))
            .collect();
        assert_eq!(shapes, PRODUCT_SHAPES);
        for product in &timed {
            assert!(product.runs >= 1 && product.tokens == 3);
            assert_eq!(
                product.multiply_adds(),
                product.outputs * product.inputs * 3 * product.runs
            );
            assert!(product.giga_multiply_adds_per_second() > 0.0);
        }
    }
}
