//! `vigie train <model>`: trains a statistical model from tagged data.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use vigie_entities::ner::{to_bio, train};
use vigie_heads::event_layer::LayerTraining;

use vigie_pipeline::GazetteerLexicon;

use crate::parallel::parallel_map;

mod encoded;
mod events;
mod names;
mod parser;

/// Prints a head's training progress on stderr: each epoch's mean loss and development
/// `score`, with the seconds since `started`; `head` names the head when one command
/// trains several.
fn epoch_progress(
    head: Option<&str>,
    score: &'static str,
    started: std::time::Instant,
) -> impl Fn(usize, f64, f64) {
    let prefix = head.map_or_else(String::new, |head| format!("{head}, "));
    move |epoch, loss, value| {
        eprintln!(
            "{prefix}epoch {epoch}: loss {loss:.4}, development {score} {value:.3} ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
}

/// What every head trained over the multilingual encoder is given.
#[derive(Debug, Clone, clap::Args)]
pub struct EncoderHead {
    /// The encoder's folder (built by `scripts/build-encoder`).
    #[arg(long, default_value = vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR)]
    pub encoder: PathBuf,
    /// Encoder layers the head reads (their vectors are concatenated).
    #[arg(long, value_delimiter = ',', default_value = "4,8,12")]
    pub layers: Vec<usize>,
    /// Units of the head's hidden layer (of each of the event heads; of the parser's arc
    /// projections).
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    /// Where encoded sentences are cached between runs.
    #[arg(long, default_value = "target/encoded-cache")]
    pub cache: PathBuf,
    /// Seed of the initial weights, the order of the examples and the dropout masks
    /// (`vigie train ensemble` averages heads trained with different seeds).
    #[arg(long, default_value_t = 17)]
    pub seed: u64,
}

/// Training commands.
#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// The name head over the multilingual encoder (PER, ORG, LOC, MISC), from the open
    /// NER corpora (`scripts/ner-open-data.py`) and Vigie's corpus (`data/corpus/`).
    Ner {
        /// Training files (JSONL: tokens and tags, or the corpus format). Items of the
        /// corpus's development part and one open-data sentence in ten are kept out of
        /// training to choose the epoch.
        #[arg(long, required = true, num_args = 1..)]
        train: Vec<PathBuf>,
        /// The encoder, the layers read, the head's size and the cache.
        #[command(flatten)]
        head: EncoderHead,
        /// Passes over the data.
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        /// Where to write the head.
        #[arg(long)]
        out: PathBuf,
    },
    /// The event heads over the multilingual encoder (triggers with their PLOVER type;
    /// mode, ACLED sub-event type and modality), from Vigie's corpus (`data/corpus/`).
    /// Items of the corpus's development fifth choose the epoch.
    Events {
        /// Corpus files (`data/corpus/events-*.jsonl`; items without events are skipped).
        #[arg(long, required = true, num_args = 1..)]
        train: Vec<PathBuf>,
        /// Weak examples of type and mode for the attribute classifier (JSONL: `id`,
        /// `text`, `plover`, `mode`; `scripts/build-ngec-weak.py`), used for training only.
        #[arg(long)]
        weak: Option<PathBuf>,
        /// The encoder, the layers read, the head's size and the cache.
        #[command(flatten)]
        head: EncoderHead,
        /// Passes of the trigger tagger over the data.
        #[arg(long, default_value_t = 30)]
        epochs: usize,
        /// Passes of the argument tagger over the data.
        #[arg(long, default_value_t = 12)]
        argument_epochs: usize,
        /// Read the encoder's last layer through this event layer (`vigie train
        /// event-layer`); the heads then need it to run.
        #[arg(long)]
        event_layer: Option<PathBuf>,
        /// Cross-fitting: the event layers tuned without each fold of the training items
        /// (`vigie train event-layer --fold K`), in fold order. Each training item is read
        /// through the one that never saw it; the development fifth, and the pipeline,
        /// through `--event-layer`.
        #[arg(long, num_args = 1.., requires = "event_layer")]
        fold_layers: Vec<PathBuf>,
        /// Which heads to train and write: a head reads the encoder's last layer as it
        /// was trained to, so heads trained with `--event-layer` and heads trained without
        /// it may run together.
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = events::EventHead::ALL)]
        heads: Vec<events::EventHead>,
        /// Where to write the trigger tagger.
        #[arg(long, default_value = vigie_heads::events::EventReader::DEFAULT_TRIGGERS[0])]
        triggers_out: PathBuf,
        /// Where to write the attribute classifier.
        #[arg(long, default_value = vigie_heads::events::EventReader::DEFAULT_ATTRIBUTES[0])]
        attributes_out: PathBuf,
        /// Where to write the argument tagger.
        #[arg(long, default_value = vigie_heads::events::EventReader::DEFAULT_ARGUMENTS[0])]
        arguments_out: PathBuf,
    },
    /// The event layer: the encoder's last layer tuned, with a tag layer dropped
    /// afterwards, on the trigger tags of Vigie's corpus (`data/corpus/`); the event heads
    /// are then trained on its vectors (`vigie train events --event-layer`). Items of the
    /// corpus's development fifth choose the epoch.
    EventLayer {
        /// Corpus files (`data/corpus/events-*.jsonl`).
        #[arg(long, required = true, num_args = 1..)]
        train: Vec<PathBuf>,
        /// The encoder's folder (built by `scripts/build-encoder`).
        #[arg(long, default_value = vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR)]
        encoder: PathBuf,
        /// How many of the encoder's last layers to tune, as one stack (at most its depth).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
        depth: u64,
        /// Passes over the data.
        #[arg(long, default_value_t = 8)]
        epochs: usize,
        /// The layer's learning rate (the tag layer's is ten times higher).
        #[arg(long, default_value_t = 3e-4)]
        learning_rate: f64,
        /// Share of the layer's inputs and outputs dropped while training.
        #[arg(long, default_value_t = 0.1)]
        dropout: f32,
        /// Seed of the tag layer's initial weights and of the order of the sentences.
        #[arg(long, default_value_t = 17)]
        seed: u64,
        /// Cross-fitting: tune without the training items of this fold (of `--folds`),
        /// which the heads then read through this layer (`vigie train events
        /// --fold-layers`).
        #[arg(long)]
        fold: Option<u64>,
        /// How many folds the training items are split into.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(2..))]
        folds: u64,
        /// Where to write the event layer.
        #[arg(long, default_value = vigie_heads::event_layer::EventLayer::DEFAULT_FILE)]
        out: PathBuf,
    },
    /// The dependency parser over the multilingual encoder, from Universal Dependencies
    /// treebanks in CoNLL-U (`scripts/lib/treebanks.sh` lists the files `scripts/train-parser-head` uses).
    Parser {
        /// Treebanks to learn from.
        #[arg(long, required = true, num_args = 1..)]
        train: Vec<PathBuf>,
        /// Treebanks whose labelled attachment score chooses the epoch.
        #[arg(long, required = true, num_args = 1..)]
        development: Vec<PathBuf>,
        /// The encoder, the layers read, the head's size and the cache.
        #[command(flatten)]
        head: EncoderHead,
        /// Passes over the data.
        #[arg(long, default_value_t = 15)]
        epochs: usize,
        /// Where to write the parser.
        #[arg(long, default_value = vigie_heads::parser::DependencyParser::DEFAULT_PATH)]
        out: PathBuf,
    },
    /// The encoder-free tagger of the fast path (averaged perceptron), from CoNLL-style
    /// files (BIO or IO tags).
    NerFast {
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
    /// The persuasion-technique model, from SemEval-2023 Task 3 subtask-3 files (research
    /// use only: the model says so and is never embedded).
    Persuasion {
        /// Labels files (`article<TAB>paragraph<TAB>label,…`), one per `--text`.
        #[arg(long, required = true)]
        labels: Vec<PathBuf>,
        /// Paragraph files (`article<TAB>paragraph<TAB>text`), in the order of `--labels`.
        #[arg(long, required = true)]
        text: Vec<PathBuf>,
        /// Passes over the data.
        #[arg(long, default_value_t = 8)]
        epochs: usize,
        /// Also read each paragraph's vector from the multilingual encoder in this folder
        /// (built by `scripts/build-encoder`); the model then needs it to run.
        #[arg(long)]
        encoder: Option<PathBuf>,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
    },
    /// One head averaging several heads of the same kind trained alike with different
    /// seeds (`--seed`): their log-probabilities are averaged.
    Ensemble {
        /// What the heads are: `triggers`, `arguments` or `names` (span taggers) or
        /// `event-attributes` (the attribute classifier).
        #[arg(long)]
        head: String,
        /// The heads to average.
        #[arg(long, required = true, num_args = 1..)]
        members: Vec<PathBuf>,
        /// Where to write the ensemble.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Sentences of at most this many tokens: files without sentence breaks (Europeana) are
/// cut at sentence-final punctuation.
const MAX_SENTENCE: usize = 60;

/// Runs a training command.
pub fn run(command: TrainCommand) -> anyhow::Result<ExitCode> {
    match command {
        TrainCommand::Ner {
            train,
            head,
            epochs,
            out,
        } => names::train_head(&train, &head, epochs, &out),
        TrainCommand::Events {
            train,
            weak,
            head,
            epochs,
            argument_epochs,
            event_layer,
            fold_layers,
            heads,
            triggers_out,
            attributes_out,
            arguments_out,
        } => events::train_heads(&events::EventTraining {
            files: &train,
            weak: weak.as_deref(),
            head: &head,
            epochs,
            argument_epochs,
            event_layer: event_layer.as_deref(),
            fold_layers: &fold_layers,
            heads: &heads,
            triggers_out: &triggers_out,
            attributes_out: &attributes_out,
            arguments_out: &arguments_out,
        }),
        TrainCommand::EventLayer {
            train,
            encoder,
            depth,
            epochs,
            learning_rate,
            dropout,
            seed,
            fold,
            folds,
            out,
        } => events::train_event_layer(
            &train,
            &encoder,
            depth as usize,
            fold.map(|fold| (fold, folds)),
            &LayerTraining {
                epochs,
                layer_rate: learning_rate,
                tag_rate: 10.0 * learning_rate,
                dropout,
                seed,
                ..LayerTraining::default()
            },
            &out,
        ),
        TrainCommand::Parser {
            train,
            development,
            head,
            epochs,
            out,
        } => parser::train_parser(&parser::ParserTraining {
            training: &train,
            development: &development,
            head: &head,
            epochs,
            out: &out,
        }),
        TrainCommand::NerFast {
            train: files,
            iterations,
            out,
        } => ner_fast(&files, iterations, &out),
        TrainCommand::Persuasion {
            labels,
            text,
            epochs,
            encoder,
            out,
        } => persuasion(&labels, &text, epochs, encoder.as_deref(), &out),
        TrainCommand::Ensemble { head, members, out } => ensemble(&head, &members, &out),
    }
}

/// Writes to `out` the ensemble of the `head` heads in `members`.
fn ensemble(head: &str, members: &[PathBuf], out: &Path) -> anyhow::Result<ExitCode> {
    use vigie_heads::classifier::SpanClassifier;
    use vigie_heads::events::ATTRIBUTES_HEAD;
    use vigie_heads::tagger::SpanTagger;
    fn load_all<T>(
        members: &[PathBuf],
        load: impl Fn(&Path) -> Result<T, String>,
    ) -> anyhow::Result<Vec<T>> {
        members
            .iter()
            .map(|path| load(path))
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)
    }
    let bytes = if head == ATTRIBUTES_HEAD {
        let heads = load_all(members, |path| SpanClassifier::load(path, head))?;
        SpanClassifier::ensemble(heads).map(|h| h.to_bytes())
    } else {
        let heads = load_all(members, |path| SpanTagger::load(path, head))?;
        SpanTagger::ensemble(heads).map(|h| h.to_bytes())
    }
    .map_err(anyhow::Error::msg)?;
    std::fs::write(out, bytes).with_context(|| format!("{}: cannot write", out.display()))?;
    println!("{}: {} members", out.display(), members.len());
    Ok(ExitCode::SUCCESS)
}

fn ner_fast(files: &[PathBuf], iterations: usize, out: &Path) -> anyhow::Result<ExitCode> {
    let mut sentences = Vec::new();
    for file in files {
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
    std::fs::write(out, model.to_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    println!(
        "{}: {} sentences, {} features",
        out.display(),
        sentences.len(),
        model.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn persuasion(
    labels: &[PathBuf],
    texts: &[PathBuf],
    epochs: usize,
    encoder: Option<&Path>,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    use vigie_signals::persuasion::{Example, ParagraphFeatures, PersuasionModel, TUNING_EVERY};
    anyhow::ensure!(
        labels.len() == texts.len(),
        "give one --text file for each --labels file"
    );
    let encoder = encoder
        .map(vigie_encoder::e5::MultilingualEncoder::load)
        .transpose()?;
    let lexicon = vigie_signals::LoadedLexicon::embedded();
    // Each paragraph with its article's number. A file's numbers start at a multiple of
    // `TUNING_EVERY`, so which of its articles are held out does not depend on the files
    // before it.
    let (mut paragraphs, mut first_number, mut articles) = (Vec::new(), 0, 0);
    for (labels, text) in labels.iter().zip(texts) {
        let file = vigie_eval::persuasion::read_gold(labels, text).map_err(anyhow::Error::msg)?;
        let mut names: Vec<String> = file.iter().map(|p| p.article.clone()).collect();
        names.dedup();
        for paragraph in file {
            let article = names.iter().position(|a| *a == paragraph.article);
            paragraphs.push((paragraph, first_number + article.unwrap_or(0)));
        }
        articles += names.len();
        first_number += names.len().next_multiple_of(TUNING_EVERY);
    }
    if encoder.is_some() {
        eprintln!("encoding {} paragraphs…", paragraphs.len());
    }
    let features = parallel_map(&paragraphs, |(paragraph, _)| {
        let language = vigie_lang::identify_language(&paragraph.text);
        ParagraphFeatures::new(&paragraph.text, language, lexicon, encoder.as_ref())
    });
    let examples: Vec<Example> = paragraphs
        .into_iter()
        .zip(features)
        .map(|((paragraph, article), features)| Example {
            features,
            labels: paragraph.labels,
            article,
        })
        .collect();
    let files: Vec<String> = labels.iter().map(|p| p.display().to_string()).collect();
    let provenance = format!(
        "trained on SemEval-2023 Task 3 subtask 3 ({}){}: research use only, not for redistribution",
        files.join(", "),
        if encoder.is_some() {
            ", with the multilingual encoder (multilingual-e5-small)"
        } else {
            ""
        }
    );
    let model = PersuasionModel::train(&examples, epochs, &provenance, encoder, |m| {
        eprintln!("{m}")
    })
    .map_err(anyhow::Error::msg)?;
    std::fs::write(out, model.to_bytes())
        .with_context(|| format!("{}: cannot write", out.display()))?;
    println!(
        "{}: {} paragraphs of {} articles, labeller share {}, thresholds {}",
        out.display(),
        examples.len(),
        articles,
        model.labeller_share(),
        model.thresholds
    );
    Ok(ExitCode::SUCCESS)
}
