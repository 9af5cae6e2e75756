//! `vigie train parser`: the dependency parser over the multilingual encoder, from
//! Universal Dependencies treebanks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vigie_encoder::e5::MultilingualEncoder;
use vigie_eval::treebank::{TreeSentence, read_treebank};
use vigie_heads::parser::Example;
use vigie_heads::training::TrainingOptions;

use super::encoded::encoded_sentences;
use super::{EncoderHead, epoch_progress};

/// Longer sentences are left out of training (the encoder reads 512 tokens at most).
const MAX_WORDS: usize = 120;

/// A parser's training run.
pub struct ParserTraining<'a> {
    /// Treebanks to learn from.
    pub training: &'a [PathBuf],
    /// Treebanks that choose the epoch.
    pub development: &'a [PathBuf],
    /// The encoder, the layers read, the arc projections' units and the cache.
    pub head: &'a EncoderHead,
    /// Passes over the data.
    pub epochs: usize,
    /// Where to write the parser.
    pub out: &'a Path,
}

/// The sentences of each file, encoded, with the number read and skipped.
fn encoded_treebanks(
    files: &[PathBuf],
    encoder: &MultilingualEncoder,
    layers: &[usize],
    cache_dir: &Path,
) -> anyhow::Result<Vec<(TreeSentence, vigie_heads::words::HalfVectors)>> {
    let mut encoded = Vec::new();
    let (mut skipped, mut too_long) = (0, 0);
    for file in files {
        let (sentences, unaligned) = read_treebank(file).map_err(anyhow::Error::msg)?;
        skipped += unaligned;
        let (sentences, long): (Vec<_>, Vec<_>) = sentences
            .into_iter()
            .partition(|s| s.words.len() <= MAX_WORDS);
        too_long += long.len();
        let texts: Vec<(&str, &[(usize, usize)])> = sentences
            .iter()
            .map(|s| (s.text.as_str(), s.words.as_slice()))
            .collect();
        let vectors = encoded_sentences(file, &texts, encoder, layers, None, cache_dir)?;
        encoded.extend(sentences.into_iter().zip(vectors));
    }
    if skipped + too_long > 0 {
        eprintln!(
            "left out: {skipped} sentences whose words are not in their text, {too_long} of more than {MAX_WORDS} words"
        );
    }
    Ok(encoded)
}

/// The names of `files`, those of a folder of more than three counted as one entry.
fn file_names(files: &[PathBuf]) -> String {
    let mut entries: Vec<(String, Vec<String>)> = Vec::new();
    for file in files {
        let folder = file
            .parent()
            .and_then(Path::file_name)
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        match entries.iter_mut().find(|(f, _)| *f == folder) {
            Some((_, names)) => names.push(name),
            None => entries.push((folder, vec![name])),
        }
    }
    let entries: Vec<String> = entries
        .into_iter()
        .map(|(folder, names)| match names.len() {
            0..=3 => names.join(", "),
            count => format!("{folder}/ ({count} files)"),
        })
        .collect();
    entries.join(", ")
}

/// Trains the parser and writes it.
pub fn train_parser(run: &ParserTraining) -> anyhow::Result<ExitCode> {
    let EncoderHead {
        encoder,
        layers,
        hidden,
        cache,
        seed,
    } = run.head;
    let encoder = MultilingualEncoder::load(encoder)?;
    let training = encoded_treebanks(run.training, &encoder, layers, cache)?;
    let development = encoded_treebanks(run.development, &encoder, layers, cache)?;
    let mut relations: Vec<String> = training
        .iter()
        .chain(&development)
        .flat_map(|(s, _)| s.relations.iter().cloned())
        .collect();
    relations.sort();
    relations.dedup();
    let examples = |sentences: Vec<(TreeSentence, _)>| -> anyhow::Result<Vec<Example>> {
        sentences
            .into_iter()
            .map(|(sentence, vectors)| {
                let labels = sentence
                    .relations
                    .iter()
                    .map(|r| {
                        relations
                            .binary_search(r)
                            .expect("every relation is listed")
                    })
                    .collect();
                Example::new(vectors, sentence.heads, labels)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", sentence.id))
            })
            .collect()
    };
    let (training, development) = (examples(training)?, examples(development)?);
    eprintln!(
        "{} training and {} development sentences, {} relations (layers {:?})",
        training.len(),
        development.len(),
        relations.len(),
        layers
    );
    let options = TrainingOptions {
        layers: layers.clone(),
        hidden: *hidden,
        epochs: run.epochs,
        seed: *seed,
        ..TrainingOptions::default()
    };
    let provenance = format!(
        "vigie train parser: multilingual-e5-small layers {:?}, arc units {}, {} epochs, seed {}; \
         trained on {}; epoch chosen on {}",
        layers,
        hidden,
        run.epochs,
        options.seed,
        file_names(run.training),
        file_names(run.development)
    );
    let started = Instant::now();
    let parser = vigie_heads::parser::train(
        &relations,
        &training,
        &development,
        &options,
        &provenance,
        epoch_progress(None, "LAS", started),
    )?;
    std::fs::write(run.out, parser.to_bytes())
        .with_context(|| format!("{}: cannot write", run.out.display()))?;
    println!("{}: {provenance}", run.out.display());
    Ok(ExitCode::SUCCESS)
}
