//! `vigie analyze`: reads articles and writes analysed documents.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use vigie_core::Document;
use vigie_ingest::Extractor;
use vigie_pipeline::AnalysisError;

use crate::inputs::InputArgs;
use crate::summary::print_summary;

/// What is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One pretty JSON document for a single article, JSONL for several.
    Auto,
    /// Pretty-printed JSON documents.
    Json,
    /// One JSON document per line.
    Jsonl,
    /// A readable summary per article.
    Summary,
}

/// Arguments of `vigie analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// What to write.
    #[arg(long, value_enum, default_value = "auto")]
    format: OutputFormat,
    /// Shorthand for `--format summary`.
    #[arg(long)]
    summary: bool,
}

/// Runs `vigie analyze`.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let pipeline = args.inputs.analysis.pipeline()?;
    let mut failures = 0;
    let mut documents: Vec<Document> = Vec::new();
    for item in args.inputs.items()? {
        let analysed = item
            .article
            .map_err(AnalysisError::from)
            .and_then(|raw| pipeline.analyse(raw, Extractor::default()));
        match analysed {
            Ok(doc) => documents.push(doc),
            Err(error) => {
                crate::terminal::report_error(&error);
                failures += 1;
            }
        }
    }
    let format = match (args.summary, args.format) {
        (true, _) => OutputFormat::Summary,
        (false, OutputFormat::Auto) if documents.len() == 1 => OutputFormat::Json,
        (false, OutputFormat::Auto) => OutputFormat::Jsonl,
        (false, format) => format,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for doc in &documents {
        match format {
            OutputFormat::Summary => print_summary(&mut out, doc)?,
            OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(doc)?)?,
            OutputFormat::Jsonl | OutputFormat::Auto => {
                writeln!(out, "{}", serde_json::to_string(doc)?)?
            }
        }
    }
    out.flush()?;
    if failures > 0 {
        eprintln!(
            "{} article(s) analysed, {failures} input(s) failed",
            documents.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
