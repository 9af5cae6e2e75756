//! `vigie eval <stage>`: scores a stage against gold data.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use vigie_ingest::Extractor;

/// Extractor choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtractorArg {
    /// dom_smoothie (Readability), the default.
    DomSmoothie,
    /// The trafilatura crate (build with `--features trafilatura`).
    #[cfg(feature = "trafilatura")]
    Trafilatura,
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
    /// Toponym recognition and resolution (LGL, GeoWebNews, TR-News XML). Planned: issue 3.
    Geoparse {
        /// Gold XML file.
        #[arg(long)]
        gold: PathBuf,
    },
    /// Named-entity recognition (CoNLL). Planned: issue 4.
    Ner {
        /// Gold CoNLL file.
        #[arg(long)]
        gold: PathBuf,
    },
    /// PLOVER event coding. Planned: issue 5.
    Events {
        /// Gold PLOVER JSON file.
        #[arg(long)]
        gold: PathBuf,
    },
    /// Persuasion techniques (SemEval-2023 Task 3). Planned: issue 7.
    Persuasion {
        /// Gold labels file.
        #[arg(long)]
        gold_labels: PathBuf,
        /// Gold paragraphs file.
        #[arg(long)]
        gold_text: PathBuf,
    },
}

/// Runs an evaluation command.
pub fn run(command: EvalCommand) -> anyhow::Result<ExitCode> {
    let (stage, issue) = match command {
        EvalCommand::Extract { gold, extractor } => {
            let extractor = match extractor {
                ExtractorArg::DomSmoothie => Extractor::DomSmoothie,
                #[cfg(feature = "trafilatura")]
                ExtractorArg::Trafilatura => Extractor::Trafilatura,
            };
            let scores =
                vigie_eval::extract::evaluate(&gold, extractor).map_err(anyhow::Error::msg)?;
            println!("extractor  {extractor:?}");
            println!("pages      {}", scores.pages);
            println!("precision  {:.3}", scores.precision);
            println!("recall     {:.3}", scores.recall);
            println!("F1         {:.3}", scores.f1);
            println!(
                "pages/s    {:.1}  (extraction only, one core)",
                scores.pages_per_second()
            );
            return Ok(ExitCode::SUCCESS);
        }
        EvalCommand::Geoparse { .. } => ("geoparse", 3),
        EvalCommand::Ner { .. } => ("ner", 4),
        EvalCommand::Events { .. } => ("events", 5),
        EvalCommand::Persuasion { .. } => ("persuasion", 7),
    };
    anyhow::bail!(
        "`vigie eval {stage}` is not available yet: its scorer is tracked in issue {issue}"
    )
}
