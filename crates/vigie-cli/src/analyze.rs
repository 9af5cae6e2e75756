//! `vigie analyze`: reads articles and writes analysed documents.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use vigie_core::{Document, Language};
use vigie_ingest::{Extractor, RawArticle, decode_bytes, ingest, parse_jsonl_line};
use vigie_pipeline::{Language as LanguageChoice, Pipeline};

use crate::summary::print_summary;

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Decide per file: `.jsonl` is JSONL, anything else is text or HTML (detected).
    Auto,
    /// One article per file, plain text or HTML (detected).
    Article,
    /// One JSON object per line: `id`, `text` or `html`, optional `title`, `url`, `published`, `source`.
    Jsonl,
}

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

/// Language option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Identify the language.
    Auto,
    /// French.
    Fr,
    /// English.
    En,
}

/// Arguments of `vigie analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files or directories to read (`-` or nothing: standard input).
    paths: Vec<PathBuf>,
    /// How to read the inputs.
    #[arg(long, value_enum, default_value = "auto")]
    input: InputFormat,
    /// What to write.
    #[arg(long, value_enum, default_value = "auto")]
    format: OutputFormat,
    /// Shorthand for `--format summary`.
    #[arg(long)]
    summary: bool,
    /// Publication date (YYYY-MM-DD) for inputs that do not give one.
    #[arg(long)]
    published: Option<String>,
    /// Outlet name for inputs that do not give one.
    #[arg(long)]
    source: Option<String>,
    /// Document language.
    #[arg(long, value_enum, default_value = "auto")]
    lang: LangArg,
    /// A gazetteer built by `vigie gazetteer build` instead of the embedded one.
    #[arg(long)]
    gazetteer: Option<PathBuf>,
}

/// True for files `analyze` reads from a directory.
fn is_article_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("txt" | "html" | "htm" | "jsonl")
    )
}

/// Expands directories (recursively) into their article files, sorted.
fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("{}: cannot list directory", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir() || is_article_file(p))
                .collect();
            entries.sort();
            files.extend(expand(&entries)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Reads one input into raw articles; bad lines and unreadable files are reported and skipped.
fn read_input(path: &Path, input: InputFormat, failures: &mut usize) -> Vec<RawArticle> {
    let name = if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("error: {name}: {error}");
            *failures += 1;
            return Vec::new();
        }
    };
    let jsonl = input == InputFormat::Jsonl
        || (input == InputFormat::Auto && path.extension().is_some_and(|e| e == "jsonl"));
    if jsonl {
        return BufReader::new(&bytes[..])
            .lines()
            .enumerate()
            .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
            .filter_map(|(number, line)| {
                let line_name = format!("{name}:{}", number + 1);
                let parsed = line
                    .map_err(|e| format!("{line_name}: {e}"))
                    .and_then(|l| parse_jsonl_line(&line_name, &l).map_err(|e| e.to_string()));
                parsed
                    .map_err(|e| {
                        eprintln!("error: {e}");
                        *failures += 1;
                    })
                    .ok()
            })
            .collect();
    }
    match decode_bytes(&name, &bytes) {
        Ok(text) => vec![RawArticle::text(name, text)],
        Err(error) => {
            eprintln!("error: {error}");
            *failures += 1;
            Vec::new()
        }
    }
}

/// Runs `vigie analyze`.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.paths.clone()
    };
    let files = expand(&paths)?;
    let language = match args.lang {
        LangArg::Auto => LanguageChoice::Auto,
        LangArg::Fr => LanguageChoice::Fixed(Language::Fr),
        LangArg::En => LanguageChoice::Fixed(Language::En),
    };
    if let Some(date) = &args.published {
        anyhow::ensure!(
            vigie_ingest::iso_date_prefix(date).is_some(),
            "--published {date}: expected YYYY-MM-DD"
        );
    }
    let mut pipeline = Pipeline::embedded(language);
    if let Some(path) = &args.gazetteer {
        pipeline.gazetteer = vigie_geo::Gazetteer::load(path)?;
    }
    let mut failures = 0;
    let mut documents: Vec<Document> = Vec::new();
    for file in &files {
        for mut raw in read_input(file, args.input, &mut failures) {
            raw.published = raw.published.or_else(|| args.published.clone());
            raw.source = raw.source.or_else(|| args.source.clone());
            match ingest(raw, Extractor::default()) {
                Ok(mut doc) => {
                    pipeline.run(&mut doc);
                    documents.push(doc);
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    failures += 1;
                }
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
