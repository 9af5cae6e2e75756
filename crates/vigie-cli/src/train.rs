//! `vigie train <model>`: trains a statistical model from tagged data.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use vigie_entities::ner::{to_bio, train};

use vigie_pipeline::GazetteerLexicon;

/// Training commands.
#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// The named-entity tagger, from CoNLL-style files (BIO or IO tags).
    Ner {
        /// Training files (`index<TAB>token<TAB>tag` or `token tag`).
        #[arg(long, required = true)]
        train: Vec<PathBuf>,
        /// Passes over the data.
        #[arg(long, default_value_t = 5)]
        iterations: usize,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Sentences of at most this many tokens: files without sentence breaks (Europeana) are
/// cut at sentence-final punctuation.
const MAX_SENTENCE: usize = 60;

/// Runs a training command.
pub fn run(command: TrainCommand) -> anyhow::Result<ExitCode> {
    let TrainCommand::Ner {
        train: files,
        iterations,
        out,
    } = command;
    let mut sentences = Vec::new();
    for file in &files {
        for sentence in vigie_eval::ner::read_gold(file).map_err(anyhow::Error::msg)? {
            let tags = to_bio(&sentence.tags);
            let mut start = 0;
            for end in 1..=sentence.tokens.len() {
                let boundary = end == sentence.tokens.len()
                    || (matches!(sentence.tokens[end - 1].as_str(), "." | "!" | "?")
                        && end - start >= 3)
                    || end - start >= MAX_SENTENCE;
                if boundary {
                    sentences.push((
                        sentence.tokens[start..end].to_vec(),
                        tags[start..end].to_vec(),
                    ));
                    start = end;
                }
            }
        }
    }
    let lexicon = GazetteerLexicon(vigie_geo::Gazetteer::embedded());
    let model = train(&sentences, iterations, &lexicon);
    std::fs::write(&out, model.to_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    println!(
        "{}: {} sentences, {} features",
        out.display(),
        sentences.len(),
        model.len()
    );
    Ok(ExitCode::SUCCESS)
}
