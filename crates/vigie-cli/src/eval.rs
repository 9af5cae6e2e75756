//! `vigie eval <stage>`: scores a stage against gold data.

use std::path::{Path, PathBuf};

use anyhow::Context;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use vigie_ingest::Extractor;

use crate::parallel::parallel_map;

/// Extractor choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtractorArg {
    /// dom_smoothie (Readability), the default.
    DomSmoothie,
    /// The trafilatura crate (build with `--features trafilatura`).
    #[cfg(feature = "trafilatura")]
    Trafilatura,
}

/// A part of Vigie's corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CorpusSplit {
    /// The development fifth.
    Dev,
    /// The other four fifths.
    Train,
    /// Every item.
    All,
}

/// Language of gold data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NerLanguage {
    /// English.
    En,
    /// French.
    Fr,
}

impl From<NerLanguage> for vigie_core::Language {
    fn from(language: NerLanguage) -> Self {
        match language {
            NerLanguage::En => vigie_core::Language::En,
            NerLanguage::Fr => vigie_core::Language::Fr,
        }
    }
}

/// Evaluation commands, one per stage.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Main-content extraction on the ScrapingHub benchmark: shingle P/R/F1 and pages/s.
    Extract {
        /// Directory with `ground-truth.json` and `html/*.html.gz`.
        #[arg(long)]
        gold: PathBuf,
        /// Extractor to measure.
        #[arg(long, value_enum, default_value = "dom-smoothie")]
        extractor: ExtractorArg,
    },
    /// Main-content extraction on real pages checked by expected snippets (text that
    /// must and must not be extracted), per language: the set `scripts/fetch-extraction-pages`
    /// builds from the trafilatura project's test pages.
    ExtractSnippets {
        /// Directory with `cases.json` and `pages/`.
        #[arg(long, default_value = "target/extraction-eval")]
        cases: PathBuf,
        /// Extractor to measure.
        #[arg(long, value_enum, default_value = "dom-smoothie")]
        extractor: ExtractorArg,
        /// List the pages with a failed check.
        #[arg(long)]
        failures: bool,
    },
    /// Toponym recognition and resolution on LGL, GeoWebNews or TR-News XML: P/R/F1,
    /// Acc@161, AUC, mean and median error, exact GeoNames-id accuracy.
    Geoparse {
        /// Gold XML file.
        #[arg(long)]
        gold: PathBuf,
        /// Resolve the gold toponyms instead of recognising them.
        #[arg(long)]
        given_toponyms: bool,
        /// Write every prediction as JSONL to this file.
        #[arg(long)]
        predictions_out: Option<PathBuf>,
        /// A gazetteer built by `vigie gazetteer build` instead of the embedded one.
        #[arg(long)]
        gazetteer: Option<PathBuf>,
    },
    /// Named-entity recognition on CoNLL-style gold (CoNLL-2003, WikiNEuRal, Europeana):
    /// entity-level P/R/F1 per type and tokens/s.
    Ner {
        /// Gold file (`index<TAB>token<TAB>tag` or `token tag`, sentences separated by blank lines).
        #[arg(long)]
        gold: PathBuf,
        /// Language of the gold text.
        #[arg(long, value_enum, default_value = "en")]
        lang: NerLanguage,
        /// Score this fast-path tagger (from `vigie train ner-fast`) alone instead of the
        /// rule-based entity and geo stages.
        #[arg(long, conflicts_with = "head")]
        model: Option<PathBuf>,
        /// Score this name head (from `vigie train ner`) alone, over the encoder.
        #[arg(long)]
        head: Option<PathBuf>,
        /// The encoder and its heads.
        #[command(flatten)]
        heads: crate::heads::HeadArgs,
    },
    /// PLOVER event coding on the gold-standard records: type accuracy, actor and
    /// recipient, type + actor + recipient, extra events, confusion table.
    Events {
        /// Gold PLOVER JSON file.
        #[arg(long)]
        gold: PathBuf,
        /// Language of the records.
        #[arg(long, value_enum, default_value = "en")]
        lang: NerLanguage,
        /// Write every record's outcome as JSONL to this file.
        #[arg(long)]
        predictions_out: Option<PathBuf>,
        /// The encoder and its heads.
        #[command(flatten)]
        heads: crate::heads::HeadArgs,
    },
    /// ACLED sub-event types of news snippets (JSONL: `id`, `text`, `sub_event_type`,
    /// optionally `lang`): F1 per sub-event type and weighted F1 (`scripts/corpus-acled.py`
    /// writes the corpus's development fifth in this format).
    Acled {
        /// Gold JSONL file.
        #[arg(long)]
        gold: PathBuf,
        /// Write every snippet's outcome as JSONL to this file.
        #[arg(long)]
        predictions_out: Option<PathBuf>,
        /// The encoder and its heads.
        #[command(flatten)]
        heads: crate::heads::HeadArgs,
    },
    /// Events of Vigie's corpus (`data/corpus/events-*.jsonl`): each item's first event
    /// scored as the PLOVER records are, and every event's modality and attribution
    /// kind where the pipeline finds it.
    Corpus {
        /// Corpus files.
        #[arg(long, required = true, num_args = 1..)]
        gold: Vec<PathBuf>,
        /// Which items: the development fifth (never trains anything but the choice of
        /// epoch), the training part, or all.
        #[arg(long, value_enum, default_value = "dev")]
        split: CorpusSplit,
        /// Only items in this language.
        #[arg(long, value_enum)]
        lang: Option<NerLanguage>,
        /// Writes each found event whose modality or attribution kind is wrong to this
        /// JSONL file (item id, trigger, gold and predicted labels).
        #[arg(long)]
        mismatches_out: Option<PathBuf>,
        /// The encoder and its heads.
        #[command(flatten)]
        heads: crate::heads::HeadArgs,
    },
    /// Persuasion techniques per paragraph (SemEval-2023 Task 3 subtask 3): micro and
    /// macro F1, and F1 per technique.
    Persuasion {
        /// Gold labels file (`article<TAB>paragraph<TAB>label,…`).
        #[arg(long)]
        gold_labels: PathBuf,
        /// Gold paragraphs file (`article<TAB>paragraph<TAB>text`).
        #[arg(long)]
        gold_text: PathBuf,
        /// A model from `vigie train persuasion`; without it, the lexicon alone.
        #[arg(long)]
        model: Option<PathBuf>,
        /// The multilingual encoder a model trained with `--encoder` reads.
        #[arg(long, default_value = vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR)]
        encoder: PathBuf,
    },
    /// Dependency parsing on Universal Dependencies treebanks (CoNLL-U): unlabelled and
    /// labelled attachment scores per file and overall, and how often the relations that
    /// carry an event's participants are found.
    Syntax {
        /// Gold treebanks.
        #[arg(long, required = true, num_args = 1..)]
        gold: Vec<PathBuf>,
        /// The parser (from `vigie train parser`).
        #[arg(long, default_value = vigie_heads::parser::DependencyParser::DEFAULT_PATH)]
        parser: PathBuf,
        /// The multilingual encoder's folder.
        #[arg(long, default_value = vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR)]
        encoder: PathBuf,
    },
    /// The outlet registry against the State Media Matrix CSV: agreement on typology.
    Sources {
        /// The State Media Matrix CSV.
        #[arg(long)]
        state_media_matrix: PathBuf,
    },
}

/// Runs an evaluation command.
pub fn run(command: EvalCommand) -> anyhow::Result<ExitCode> {
    match command {
        EvalCommand::Extract { gold, extractor } => extract(&gold, extractor),
        EvalCommand::ExtractSnippets {
            cases,
            extractor,
            failures,
        } => extract_snippets(&cases, extractor, failures),
        EvalCommand::Geoparse {
            gold,
            given_toponyms,
            predictions_out,
            gazetteer,
        } => geoparse(
            &gold,
            given_toponyms,
            predictions_out.as_deref(),
            gazetteer.as_deref(),
        ),
        EvalCommand::Ner {
            gold,
            lang,
            model,
            head,
            heads,
        } => {
            let reader = match (&model, &head) {
                (None, None) => heads.reader().map_err(anyhow::Error::msg)?,
                _ => None,
            };
            ner(
                &gold,
                lang,
                model.as_deref(),
                head.as_deref(),
                &heads.encoder,
                reader.as_ref(),
            )
        }
        EvalCommand::Events {
            gold,
            lang,
            predictions_out,
            heads,
        } => events(&gold, lang, predictions_out.as_deref(), &heads),
        EvalCommand::Acled {
            gold,
            predictions_out,
            heads,
        } => acled(&gold, predictions_out.as_deref(), &heads),
        EvalCommand::Corpus {
            gold,
            split,
            lang,
            mismatches_out,
            heads,
        } => corpus(&gold, split, lang, mismatches_out.as_deref(), &heads),
        EvalCommand::Persuasion {
            gold_labels,
            gold_text,
            model,
            encoder,
        } => persuasion(&gold_labels, &gold_text, model.as_deref(), &encoder),
        EvalCommand::Syntax {
            gold,
            parser,
            encoder,
        } => syntax(&gold, &parser, &encoder),
        EvalCommand::Sources { state_media_matrix } => sources(&state_media_matrix),
    }
}

impl From<ExtractorArg> for Extractor {
    fn from(choice: ExtractorArg) -> Self {
        match choice {
            ExtractorArg::DomSmoothie => Extractor::DomSmoothie,
            #[cfg(feature = "trafilatura")]
            ExtractorArg::Trafilatura => Extractor::Trafilatura,
        }
    }
}

fn extract_snippets(
    cases: &Path,
    extractor: ExtractorArg,
    failures: bool,
) -> anyhow::Result<ExitCode> {
    let (scores, failed) =
        vigie_eval::snippets::evaluate(cases, extractor.into()).map_err(anyhow::Error::msg)?;
    println!(
        "{:<6} {:>5} {:>9} {:>7} {:>6} {:>9}",
        "lang", "pages", "precision", "recall", "F1", "accuracy"
    );
    for (language, s) in &scores {
        let counts = s.counts();
        println!(
            "{language:<6} {:>5} {:>9.3} {:>7.3} {:>6.3} {:>9.3}",
            s.pages,
            counts.precision(),
            counts.recall(),
            counts.f1(),
            s.accuracy()
        );
    }
    if failures {
        for line in failed {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn extract(gold: &Path, extractor: ExtractorArg) -> anyhow::Result<ExitCode> {
    let extractor = Extractor::from(extractor);
    let scores = vigie_eval::extract::evaluate(gold, extractor).map_err(anyhow::Error::msg)?;
    println!("extractor  {extractor:?}");
    println!("pages      {}", scores.pages);
    println!("precision  {:.3}", scores.precision);
    println!("recall     {:.3}", scores.recall);
    println!("F1         {:.3}", scores.f1);
    println!(
        "pages/s    {:.1}  (extraction only, one core)",
        scores.pages_per_second()
    );
    Ok(ExitCode::SUCCESS)
}

fn geoparse(
    gold: &Path,
    given_toponyms: bool,
    predictions_out: Option<&Path>,
    gazetteer: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    use vigie_eval::geoparse::{GeoMode, evaluate, read_gold};
    let articles = read_gold(gold).map_err(anyhow::Error::msg)?;
    let mode = if given_toponyms {
        GeoMode::GivenToponyms
    } else {
        GeoMode::EndToEnd
    };
    let gazetteer = match gazetteer {
        Some(path) => vigie_geo::Gazetteer::load(path)?,
        None => vigie_geo::Gazetteer::embedded(),
    };
    let actors = vigie_entities::ActorDictionary::embedded();
    let mut file = match predictions_out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => None,
    };
    let scores = evaluate(
        &articles,
        gazetteer,
        actors,
        mode,
        file.as_mut().map(|f| f as &mut dyn std::io::Write),
    )
    .map_err(anyhow::Error::msg)?;
    println!("gold       {}", gold.display());
    println!(
        "mode       {}",
        if given_toponyms {
            "resolution given gold toponyms"
        } else {
            "end to end"
        }
    );
    println!("articles   {}", scores.articles);
    println!(
        "toponyms   gold {} · predicted {} · matched {}",
        scores.recognition.gold, scores.recognition.predicted, scores.recognition.true_positives
    );
    if !given_toponyms {
        println!("precision  {:.3}", scores.recognition.precision());
        println!("recall     {:.3}", scores.recognition.recall());
        println!("F1         {:.3}", scores.recognition.f1());
    }
    println!("resolved   {} with gold coordinates", scores.resolvable);
    println!("Acc@161    {:.1}%", 100.0 * scores.acc161);
    println!("AUC        {:.3}", scores.auc);
    println!(
        "error km   mean {:.0} · median {:.1}",
        scores.mean_error_km, scores.median_error_km
    );
    println!("exact id   {:.1}%", 100.0 * scores.exact_id);
    let rate = |elapsed: std::time::Duration| {
        scores.articles as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
    };
    println!(
        "articles/s {:.0} geo stage alone · {:.0} with language and entities (one core)",
        rate(scores.geo_elapsed),
        rate(scores.elapsed)
    );
    Ok(ExitCode::SUCCESS)
}

fn ner(
    gold: &Path,
    lang: NerLanguage,
    model: Option<&Path>,
    head: Option<&Path>,
    encoder: &Path,
    reader: Option<&vigie_heads::reader::SentenceReader>,
) -> anyhow::Result<ExitCode> {
    let sentences = vigie_eval::ner::read_gold(gold).map_err(anyhow::Error::msg)?;
    let language = vigie_core::Language::from(lang);
    let scores = match (model, head) {
        (_, Some(path)) => {
            let head = vigie_heads::names::NameTagger::load(path).map_err(anyhow::Error::msg)?;
            let encoder = vigie_encoder::e5::MultilingualEncoder::load(encoder)?;
            let tag_names = vigie_heads::names::NameTagger::tag_names();
            vigie_eval::ner::evaluate_with(&sentences, |tokens| {
                let sentence = vigie_eval::names_data::NamedSentence::from_tokens(
                    String::new(),
                    String::new(),
                    tokens,
                    Vec::new(),
                );
                let tags = vigie_heads::words::word_vectors(
                    &encoder,
                    &sentence.text,
                    &sentence.words,
                    head.layers(),
                )
                .and_then(|vectors| head.tags(&vectors));
                match tags {
                    Ok(tags) => tags.into_iter().map(|t| tag_names[t].clone()).collect(),
                    Err(error) => {
                        eprintln!("{error}");
                        vec!["O".to_owned(); tokens.len()]
                    }
                }
            })
        }
        (Some(path), None) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
            let model = vigie_entities::ner::NerModel::from_bytes(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let lexicon = vigie_pipeline::GazetteerLexicon(vigie_geo::Gazetteer::embedded());
            vigie_eval::ner::evaluate_with(&sentences, |tokens| {
                model
                    .tag(tokens, &lexicon)
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            })
        }
        (None, None) => {
            let pipeline = vigie_pipeline::Pipeline::embedded(vigie_pipeline::Language::Auto);
            let pipeline = match reader {
                Some(reader) => pipeline.with_reader(reader),
                None => pipeline,
            };
            vigie_eval::ner::evaluate(&sentences, language, &pipeline)
        }
    };
    println!(
        "gold       {} ({} sentences, {} tokens)",
        gold.display(),
        sentences.len(),
        scores.tokens
    );
    println!("type       precision  recall  F1     gold  predicted");
    for (kind, counts) in scores
        .per_type
        .iter()
        .chain([(&"ALL".to_owned(), &scores.overall)])
    {
        println!(
            "{kind:<10} {:.3}      {:.3}   {:.3}  {:<5} {}",
            counts.precision(),
            counts.recall(),
            counts.f1(),
            counts.gold,
            counts.predicted
        );
    }
    let stages = match (model, head) {
        (_, Some(_)) => "encoder and name head",
        (Some(_), None) => "tagger alone",
        (None, None) if reader.is_some() => "entity, encoder names and geo stages",
        (None, None) => "entity, fast names and geo stages",
    };
    let rate = scores.tokens as f64 / scores.elapsed.as_secs_f64().max(f64::EPSILON);
    println!("tokens/s   {rate:.0}  ({stages}, one core)");
    Ok(ExitCode::SUCCESS)
}

fn events(
    gold: &Path,
    lang: NerLanguage,
    predictions_out: Option<&Path>,
    heads: &crate::heads::HeadArgs,
) -> anyhow::Result<ExitCode> {
    let records = vigie_eval::events::read_gold(gold).map_err(anyhow::Error::msg)?;
    let language = vigie_core::Language::from(lang);
    let reader = heads.reader().map_err(anyhow::Error::msg)?;
    let mut pipeline =
        vigie_pipeline::Pipeline::embedded(vigie_pipeline::Language::Fixed(language));
    pipeline.reader = reader.as_ref();
    let scores = vigie_eval::events::evaluate(&records, |_| &pipeline);
    if let Some(path) = predictions_out {
        write_jsonl(path, &scores.predictions)?;
    }
    let share = |n: usize| 100.0 * n as f64 / scores.records.max(1) as f64;
    println!(
        "gold                 {} ({} records)",
        gold.display(),
        scores.records
    );
    println!("type accuracy        {:.1}%", share(scores.type_right));
    println!("type+actor+recipient {:.1}%", share(scores.all_right));
    println!(
        "mode accuracy        {:.1}% ({} of {} records with a gold mode and the right type)",
        100.0 * scores.mode_right as f64 / scores.mode_records.max(1) as f64,
        scores.mode_right,
        scores.mode_records
    );
    println!(
        "actor                P {:.3}  R {:.3}  F1 {:.3}",
        scores.actor.precision(),
        scores.actor.recall(),
        scores.actor.f1()
    );
    println!(
        "recipient            P {:.3}  R {:.3}  F1 {:.3}",
        scores.recipient.precision(),
        scores.recipient.recall(),
        scores.recipient.f1()
    );
    println!(
        "extra events/record  {:.2}",
        scores.extra_events as f64 / scores.records.max(1) as f64
    );
    println!("confusion (gold → predicted: count)");
    for (gold_type, row) in &scores.confusion {
        let cells: Vec<String> = row.iter().map(|(p, n)| format!("{p}:{n}")).collect();
        println!("  {gold_type:<10} {}", cells.join(" "));
    }
    Ok(ExitCode::SUCCESS)
}

/// A pipeline per language (French, English, detected), with the heads asked for.
struct Pipelines<'a> {
    french: vigie_pipeline::Pipeline<'a>,
    english: vigie_pipeline::Pipeline<'a>,
    detected: vigie_pipeline::Pipeline<'a>,
}

impl<'a> Pipelines<'a> {
    fn new(reader: Option<&'a vigie_heads::reader::SentenceReader>) -> Self {
        use vigie_pipeline::{Language as Choice, Pipeline};
        let with = |choice| {
            let mut pipeline = Pipeline::embedded(choice);
            pipeline.reader = reader;
            pipeline
        };
        Pipelines {
            french: with(Choice::Fixed(vigie_core::Language::Fr)),
            english: with(Choice::Fixed(vigie_core::Language::En)),
            detected: with(Choice::Auto),
        }
    }

    /// The pipeline for a language code (`fr`, `en`; anything else: detected).
    fn for_code(&self, code: Option<&str>) -> &vigie_pipeline::Pipeline<'a> {
        match code {
            Some("fr") => &self.french,
            Some("en") => &self.english,
            _ => &self.detected,
        }
    }
}

fn acled(
    gold: &Path,
    predictions_out: Option<&Path>,
    heads: &crate::heads::HeadArgs,
) -> anyhow::Result<ExitCode> {
    let snippets = vigie_eval::acled::read_snippets(gold).map_err(anyhow::Error::msg)?;
    let reader = heads.reader().map_err(anyhow::Error::msg)?;
    let pipelines = Pipelines::new(reader.as_ref());
    let scores = vigie_eval::acled::evaluate(&snippets, |s| pipelines.for_code(s.lang.as_deref()));
    if let Some(path) = predictions_out {
        write_jsonl(path, &scores.predictions)?;
    }
    println!(
        "gold          {} ({} snippets)",
        gold.display(),
        scores.snippets
    );
    println!(
        "accuracy      {:.1}% ({} with no ACLED event, {} of them with no event at all)",
        100.0 * scores.right as f64 / scores.snippets.max(1) as f64,
        scores.none,
        scores.no_event
    );
    println!("weighted F1   {:.3}", scores.weighted_f1());
    println!(
        "{:<36} {:>5} {:>5} {:>6}",
        "sub-event type", "gold", "pred", "F1"
    );
    for (name, counts) in &scores.per_type {
        println!(
            "{name:<36} {:>5} {:>5} {:>6.3}",
            counts.gold,
            counts.predicted,
            counts.f1()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn corpus(
    files: &[PathBuf],
    split: CorpusSplit,
    lang: Option<NerLanguage>,
    mismatches_out: Option<&Path>,
    heads: &crate::heads::HeadArgs,
) -> anyhow::Result<ExitCode> {
    let mut items = Vec::new();
    for file in files {
        items.extend(vigie_eval::event_corpus::read_event_items(file).map_err(anyhow::Error::msg)?);
    }
    let code = lang.map(|l| match l {
        NerLanguage::En => "en",
        NerLanguage::Fr => "fr",
    });
    items.retain(|item| {
        let in_split = match split {
            CorpusSplit::Dev => item.held_out(),
            CorpusSplit::Train => !item.held_out(),
            CorpusSplit::All => true,
        };
        in_split && code.is_none_or(|c| item.lang == c)
    });
    let reader = heads.reader().map_err(anyhow::Error::msg)?;
    let pipelines = Pipelines::new(reader.as_ref());
    let records: Vec<_> = items
        .iter()
        .filter_map(vigie_eval::event_corpus::EventItem::gold_record)
        .collect();
    let languages: std::collections::HashMap<&str, &str> = items
        .iter()
        .map(|i| (i.id.as_str(), i.lang.as_str()))
        .collect();
    let scores = vigie_eval::events::evaluate(&records, |r| {
        pipelines.for_code(languages.get(r.id.as_str()).copied())
    });
    let share = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    println!(
        "items                {} ({} events)",
        items.len(),
        items.iter().map(|i| i.events.len()).sum::<usize>()
    );
    println!("first event of each item, as PLOVER records are scored:");
    println!(
        "  type accuracy        {:.1}%",
        share(scores.type_right, scores.records)
    );
    println!(
        "  type+actor+recipient {:.1}%",
        share(scores.all_right, scores.records)
    );
    println!(
        "  mode accuracy        {:.1}% (of {} with a gold mode and the right type)",
        share(scores.mode_right, scores.mode_records),
        scores.mode_records
    );
    println!(
        "  actor F1 {:.3}, recipient F1 {:.3}",
        scores.actor.f1(),
        scores.recipient.f1()
    );
    let attributes = vigie_eval::event_corpus::evaluate_attributes(&items, |i| {
        pipelines.for_code(Some(i.lang.as_str()))
    });
    println!("every event:");
    println!(
        "  found (type and trigger) {:.1}% of {} gold events; {} predicted",
        share(attributes.found, attributes.events),
        attributes.events,
        attributes.predicted
    );
    println!(
        "  modality right           {:.1}% of those found",
        share(attributes.modality_right, attributes.found)
    );
    println!(
        "  attribution kind right   {:.1}% of those found",
        share(attributes.attribution_right, attributes.found)
    );
    println!(
        "  ACLED sub-type right     {:.1}% of those found (none where ACLED codes none)",
        share(attributes.acled_right, attributes.found)
    );
    let most_frequent = |confusions: Vec<((&str, &str), usize)>| {
        confusions
            .iter()
            .take(6)
            .map(|((gold, predicted), n)| format!("{gold}→{predicted} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "  modality errors (gold→predicted)    {}",
        most_frequent(attributes.modality_confusions())
    );
    println!(
        "  attribution errors (gold→predicted) {}",
        most_frequent(attributes.attribution_confusions())
    );
    if let Some(path) = mismatches_out {
        write_jsonl(path, &attributes.mismatches)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `records` to `path`, one JSON object per line.
fn write_jsonl(path: &Path, records: &[impl serde::Serialize]) -> anyhow::Result<()> {
    let mut lines = String::new();
    for record in records {
        lines.push_str(&serde_json::to_string(record)?);
        lines.push('\n');
    }
    std::fs::write(path, lines).with_context(|| format!("{}: cannot write", path.display()))
}

fn persuasion(
    labels: &Path,
    text: &Path,
    model: Option<&Path>,
    encoder: &Path,
) -> anyhow::Result<ExitCode> {
    use vigie_signals::persuasion::{TECHNIQUES, lexicon_techniques};
    let gold = vigie_eval::persuasion::read_gold(labels, text).map_err(anyhow::Error::msg)?;
    let lexicon = vigie_signals::LoadedLexicon::embedded();
    let model = model
        .map(|path| crate::inputs::load_persuasion_model(path, encoder))
        .transpose()?;
    let predictions = match &model {
        Some(model) => parallel_map(&gold, |paragraph| {
            let language = vigie_lang::identify_language(&paragraph.text);
            model.predict(&model.paragraph_features(&paragraph.text, language, lexicon))
        }),
        None => gold
            .iter()
            .map(|p| lexicon_techniques(&p.text, vigie_lang::identify_language(&p.text), lexicon))
            .collect(),
    };
    let scores = vigie_eval::persuasion::evaluate(&gold, &predictions);
    println!(
        "gold       {} ({} paragraphs)",
        labels.display(),
        scores.paragraphs
    );
    match &model {
        Some(model) => println!(
            "predictor  model (labeller share {}, thresholds {}; {})",
            model.labeller_share(),
            model.thresholds,
            model.provenance
        ),
        None => println!("predictor  lexicon (data/lexicons/loaded_language.tsv)"),
    }
    let micro = scores.micro;
    println!(
        "micro      P {:.3}  R {:.3}  F1 {:.3}",
        micro.precision(),
        micro.recall(),
        micro.f1()
    );
    println!(
        "pairs      {} right of {} predicted, {} gold",
        micro.true_positives, micro.predicted, micro.gold
    );
    println!("macro F1   {:.3}", scores.macro_f1());
    println!("per technique (F1, predicted/gold):");
    for (technique, counts) in TECHNIQUES.iter().zip(&scores.per_technique) {
        println!(
            "  {technique:<34} {:.3}  {}/{}",
            counts.f1(),
            counts.predicted,
            counts.gold
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Relations whose words are an event's participants: their recall is printed apart.
const PARTICIPANT_RELATIONS: &[&str] = &["nsubj", "nsubj:pass", "obj", "iobj", "obl", "obl:agent"];

fn syntax(gold: &[PathBuf], parser: &Path, encoder: &Path) -> anyhow::Result<ExitCode> {
    use vigie_eval::treebank::{AttachmentScores, read_treebank};
    let parser = vigie_heads::parser::DependencyParser::load(parser).map_err(anyhow::Error::msg)?;
    let encoder = vigie_encoder::e5::MultilingualEncoder::load(encoder)?;
    let mut total = AttachmentScores::default();
    let mut by_relation = vec![AttachmentScores::default(); PARTICIPANT_RELATIONS.len()];
    println!(
        "{:<40} {:>9} {:>7} {:>7}",
        "treebank", "sentences", "UAS", "LAS"
    );
    for file in gold {
        let (sentences, skipped) = read_treebank(file).map_err(anyhow::Error::msg)?;
        let batches: Vec<_> = sentences.chunks(32).collect();
        let trees = parallel_map(&batches, |batch| {
            let texts: Vec<(&str, &[(usize, usize)])> = batch
                .iter()
                .map(|s| (s.text.as_str(), s.words.as_slice()))
                .collect();
            let trees = vigie_heads::words::word_vectors_many(&encoder, &texts, parser.layers())
                .and_then(|vectors| vectors.iter().map(|v| parser.parse(v)).collect());
            trees
                .map(|trees: Vec<_>| trees.into_iter().map(Some).collect())
                .unwrap_or_else(|error| {
                    eprintln!("{}: {error}", file.display());
                    vec![None; batch.len()]
                })
        });
        let mut scores = AttachmentScores::default();
        for (sentence, tree) in sentences.iter().zip(trees.into_iter().flatten()) {
            let Some(tree) = tree else { continue };
            let gold = (sentence.heads.as_slice(), sentence.relations.as_slice());
            let predicted = (tree.heads.as_slice(), tree.relations.as_slice());
            scores.add(gold, predicted);
            // Each word of a participant relation, scored under its gold relation.
            for word in 0..sentence.words.len() {
                let gold_relation = sentence.relations[word].as_str();
                if let Some(at) = PARTICIPANT_RELATIONS
                    .iter()
                    .position(|r| *r == gold_relation)
                {
                    by_relation[at].add_word(
                        (sentence.heads[word], gold_relation),
                        tree.heads
                            .get(word)
                            .copied()
                            .zip(tree.relations.get(word).map(String::as_str)),
                    );
                }
            }
        }
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{name:<40} {:>9} {:>6.1}% {:>6.1}%{}",
            sentences.len(),
            100.0 * scores.unlabelled(),
            100.0 * scores.labelled(),
            if skipped > 0 {
                format!("  ({skipped} sentences not aligned with their text, left out)")
            } else {
                String::new()
            }
        );
        total.merge(&scores);
    }
    println!(
        "{:<40} {:>9} {:>6.1}% {:>6.1}%  ({} words)",
        "all",
        "",
        100.0 * total.unlabelled(),
        100.0 * total.labelled(),
        total.words
    );
    println!("participant relations: found with the right head and relation");
    for (relation, scores) in PARTICIPANT_RELATIONS.iter().zip(&by_relation) {
        println!(
            "  {relation:<12} {:>6.1}% of {}",
            100.0 * scores.labelled(),
            scores.words
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn sources(matrix: &Path) -> anyhow::Result<ExitCode> {
    let registry = vigie_signals::OutletRegistry::embedded();
    let comparisons = vigie_eval::sources::compare(matrix, registry).map_err(anyhow::Error::msg)?;
    let agreeing = comparisons.iter().filter(|c| c.agrees).count();
    println!("matrix     {}", matrix.display());
    println!(
        "registry   {} outlets, {} found in the matrix",
        registry.len(),
        comparisons.len()
    );
    println!(
        "typology   {agreeing}/{} agree ({:.1}%)",
        comparisons.len(),
        100.0 * agreeing as f64 / comparisons.len().max(1) as f64
    );
    for c in comparisons.iter().filter(|c| !c.agrees) {
        println!(
            "  differs  {:<12} matrix {} ({}), registry {}",
            c.id, c.matrix_typology, c.matrix_name, c.registry_typology
        );
    }
    Ok(ExitCode::SUCCESS)
}
