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

/// Calls `process` on every document, round after round, until `duration` has passed
/// (at least one round).
fn repeat(documents: &[Document], duration: Duration, process: impl Fn(&Document)) -> Throughput {
    let chars_per_round: usize = documents.iter().map(|d| d.text.chars().count()).sum();
    let started = Instant::now();
    let mut rounds = 0;
    while rounds == 0 || started.elapsed() < duration {
        documents.iter().for_each(&process);
        rounds += 1;
    }
    Throughput {
        articles: rounds * documents.len(),
        chars: rounds * chars_per_round,
        elapsed: started.elapsed(),
    }
}
