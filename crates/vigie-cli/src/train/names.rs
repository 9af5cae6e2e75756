//! `vigie train ner`: the name head over the multilingual encoder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vigie_encoder::e5::MultilingualEncoder;
use vigie_eval::names_data::{NamedSentence, read_named_sentences};
use vigie_heads::names::{NameKind, NameTagger};
use vigie_heads::tagger::Example;
use vigie_heads::training::TrainingOptions;

use super::encoded::encoded_sentences;
use super::{EncoderHead, epoch_progress};

/// Sentences longer than this many words are cut (files without sentence breaks).
const MAX_WORDS: usize = 100;

/// The training example of a sentence whose word vectors are `vectors`.
fn example(
    sentence: &NamedSentence,
    vectors: vigie_heads::words::HalfVectors,
) -> Result<Example, String> {
    let tags: Vec<&str> = sentence.tags.iter().map(String::as_str).collect();
    let marked: Vec<NameKind> = sentence
        .marked
        .iter()
        .filter_map(|k| NameKind::from_code(k))
        .collect();
    NameTagger::example(vectors, &tags, &marked).map_err(|e| format!("{}: {e}", sentence.id))
}

/// Cuts a sentence into pieces of at most [`MAX_WORDS`] words, never inside a name.
fn cut(sentence: NamedSentence) -> Vec<NamedSentence> {
    if sentence.words.len() <= MAX_WORDS {
        return vec![sentence];
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < sentence.words.len() {
        let mut end = (start + MAX_WORDS).min(sentence.words.len());
        while end < sentence.words.len() && end > start + 1 && sentence.tags[end].starts_with("I-")
        {
            end -= 1;
        }
        let offset = sentence.words[start].0;
        let text_end = sentence.words[end - 1].1;
        pieces.push(NamedSentence {
            id: format!("{}#{}", sentence.id, pieces.len()),
            lang: sentence.lang.clone(),
            text: sentence
                .text
                .chars()
                .skip(offset)
                .take(text_end - offset)
                .collect(),
            words: sentence.words[start..end]
                .iter()
                .map(|&(s, e)| (s - offset, e - offset))
                .collect(),
            tags: sentence.tags[start..end].to_vec(),
            marked: sentence.marked.clone(),
            from_corpus: sentence.from_corpus,
        });
        start = end;
    }
    pieces
}

/// Trains the name head and writes it to `out`; encoded sentences are cached in the
/// head's cache, so training again after a file changes encodes only that file.
pub fn train_head(
    files: &[PathBuf],
    head: &EncoderHead,
    epochs: usize,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let EncoderHead {
        encoder,
        layers,
        hidden,
        cache,
        seed,
    } = head;
    let encoder = MultilingualEncoder::load(encoder)?;
    let (mut training, mut development) = (Vec::new(), Vec::new());
    let mut sources = Vec::new();
    for file in files {
        let sentences = read_named_sentences(file).map_err(anyhow::Error::msg)?;
        sources.push(format!(
            "{} ({} sentences)",
            file.file_name().unwrap_or_default().to_string_lossy(),
            sentences.len()
        ));
        let pieces: Vec<NamedSentence> = sentences.into_iter().flat_map(cut).collect();
        let texts: Vec<(&str, &[(usize, usize)])> = pieces
            .iter()
            .map(|s| (s.text.as_str(), s.words.as_slice()))
            .collect();
        let vectors = encoded_sentences(file, &texts, &encoder, layers, None, cache)?;
        for (sentence, vectors) in pieces.iter().zip(vectors) {
            let example = example(sentence, vectors).map_err(anyhow::Error::msg)?;
            // The corpus keeps its own development part; open data gives one in ten.
            match sentence.held_out(if sentence.from_corpus { 5 } else { 10 }) {
                true => development.push(example),
                false => training.push(example),
            }
        }
    }
    eprintln!(
        "{} training and {} development sentences (layers {layers:?})",
        training.len(),
        development.len()
    );
    let options = TrainingOptions {
        layers: layers.clone(),
        hidden: *hidden,
        epochs,
        seed: *seed,
        ..TrainingOptions::default()
    };
    let provenance = format!(
        "vigie train ner: multilingual-e5-small layers {layers:?}, hidden {hidden}, {epochs} epochs, \
         seed {}; trained on {}",
        options.seed,
        sources.join(", ")
    );
    let started = Instant::now();
    let tagger = NameTagger::train(
        &training,
        &development,
        &options,
        &provenance,
        epoch_progress(None, "entity F1", started),
    )?;
    std::fs::write(out, tagger.to_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    println!("{}: {provenance}", out.display());
    Ok(ExitCode::SUCCESS)
}
