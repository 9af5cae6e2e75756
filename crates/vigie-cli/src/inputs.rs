//! The input options `analyze` and `ingest` share: what to read, how, and the defaults
//! for what the inputs do not say.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use vigie_core::Language;
use vigie_encoder::e5::MultilingualEncoder;
use vigie_ingest::fetch::{Fetcher, Validators, is_url, read_feed_url};
use vigie_ingest::{InputFormat, InputItem};
use vigie_pipeline::{Language as LanguageChoice, Pipeline};
use vigie_signals::persuasion::PersuasionModel;

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputArg {
    /// Decide per file: `.jsonl` is JSONL, `.warc`/`.warc.gz` WARC, `.rss`/`.atom` (or an
    /// `.xml` that is a feed) RSS/Atom, anything else one text or HTML article.
    Auto,
    /// One article per file, plain text or HTML (detected).
    Article,
    /// One JSON object per line: `id`, `text` or `html`, optional `title`, `url`, `published`, `source`.
    Jsonl,
    /// WARC crawl files, gzip-compressed or not: the HTML responses.
    Warc,
    /// RSS or Atom feed files: one article per item.
    Feed,
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

/// How the pipeline runs: the options every command that analyses shares (`analyze`,
/// `ingest`, `worker`).
#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// Document language.
    #[arg(long, value_enum, default_value = "auto")]
    lang: LangArg,
    /// A gazetteer built by `vigie gazetteer build` instead of the embedded one.
    #[arg(long)]
    gazetteer: Option<PathBuf>,
    /// A persuasion-technique model from `vigie train persuasion`: adds paragraph-level
    /// `persuasion` signals.
    #[arg(long)]
    persuasion_model: Option<PathBuf>,
    /// The encoder and its heads.
    #[command(flatten)]
    heads: crate::heads::HeadArgs,
}

impl PipelineArgs {
    /// The pipeline these options ask for.
    pub fn pipeline(&self) -> anyhow::Result<Pipeline<'static>> {
        let language = match self.lang {
            LangArg::Auto => LanguageChoice::Auto,
            LangArg::Fr => LanguageChoice::Fixed(Language::Fr),
            LangArg::En => LanguageChoice::Fixed(Language::En),
        };
        let mut pipeline = Pipeline::embedded(language);
        if let Some(path) = &self.gazetteer {
            pipeline.gazetteer = vigie_geo::Gazetteer::load(path)?;
        }
        if let Some(path) = &self.persuasion_model {
            let model = load_persuasion_model(path, &self.heads.encoder)?;
            // Lives as long as the command, like the embedded data.
            pipeline.signals.persuasion = Some(Box::leak(Box::new(model)));
        }
        Ok(self.heads.apply(pipeline))
    }
}

/// What to read and the defaults for what the inputs do not say.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories or feed URLs to read (`-` or nothing: standard input).
    paths: Vec<PathBuf>,
    /// How to read the inputs.
    #[arg(long, value_enum, default_value = "auto")]
    input: InputArg,
    /// Publication date (YYYY-MM-DD) for inputs that do not give one.
    #[arg(long, value_parser = parse_date)]
    published: Option<String>,
    /// Outlet name for inputs that do not give one.
    #[arg(long)]
    source: Option<String>,
    /// Fetch feed URLs from private, loopback and link-local addresses too (a feed on
    /// the local network); by default only public addresses are contacted.
    #[arg(long)]
    allow_private_addresses: bool,
    /// How the pipeline runs.
    #[command(flatten)]
    pub analysis: PipelineArgs,
}

/// Checks a `--published` date.
fn parse_date(date: &str) -> Result<String, String> {
    match vigie_ingest::iso_date_prefix(date) {
        Some(_) => Ok(date.to_owned()),
        None => Err("expected YYYY-MM-DD".to_owned()),
    }
}

impl InputArgs {
    /// The HTTP client for feed URLs, with the address policy asked for.
    pub fn fetcher(&self) -> Fetcher {
        Fetcher::with_address_policy(
            Fetcher::DEFAULT_TIMEOUT,
            Fetcher::DEFAULT_POLITENESS,
            self.allow_private_addresses,
        )
    }

    /// Feed URLs among the inputs.
    pub fn urls(&self) -> Vec<String> {
        self.paths
            .iter()
            .filter_map(|p| p.to_str())
            .filter(|p| is_url(p))
            .map(str::to_owned)
            .collect()
    }

    /// Every article of every input, in order, with the defaults filled in; feed URLs
    /// are fetched once.
    pub fn items(&self) -> anyhow::Result<impl Iterator<Item = InputItem> + Send + use<>> {
        let fetcher = self.fetcher();
        let mut fetched = Vec::new();
        for url in self.urls() {
            match read_feed_url(&fetcher, &url, &Validators::default()) {
                Ok((items, _)) => fetched.extend(items),
                Err(error) => fetched.push(InputItem {
                    origin: url,
                    article: Err(error),
                }),
            }
        }
        Ok(self.with_defaults(fetched.into_iter().chain(self.file_items()?)))
    }

    /// The articles of the file inputs (not the URLs), with the defaults filled in.
    pub fn file_items(&self) -> anyhow::Result<impl Iterator<Item = InputItem> + Send + use<>> {
        let mut paths: Vec<PathBuf> = self
            .paths
            .iter()
            .filter(|p| !p.to_str().is_some_and(is_url))
            .cloned()
            .collect();
        if self.paths.is_empty() {
            paths.push(PathBuf::from("-"));
        }
        let format = match self.input {
            InputArg::Auto => InputFormat::Auto,
            InputArg::Article => InputFormat::Article,
            InputArg::Jsonl => InputFormat::Jsonl,
            InputArg::Warc => InputFormat::Warc,
            InputArg::Feed => InputFormat::Feed,
        };
        Ok(self.with_defaults(vigie_ingest::read_inputs(&paths, format)))
    }

    /// Fills in the publication date and outlet the items do not give.
    pub fn with_defaults<I: Iterator<Item = InputItem> + Send>(
        &self,
        items: I,
    ) -> impl Iterator<Item = InputItem> + Send + use<I> {
        let (published, source) = (self.published.clone(), self.source.clone());
        items.map(move |mut item| {
            if let Ok(raw) = &mut item.article {
                raw.published = raw.published.take().or_else(|| published.clone());
                raw.source = raw.source.take().or_else(|| source.clone());
            }
            item
        })
    }
}

/// Reads a model from `vigie train persuasion`, with the multilingual encoder in
/// `encoder_dir` when the model was trained with one.
pub fn load_persuasion_model(path: &Path, encoder_dir: &Path) -> anyhow::Result<PersuasionModel> {
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    PersuasionModel::from_bytes(&bytes, || {
        MultilingualEncoder::load(encoder_dir)
            .map_err(|e| format!("{e} (build it with scripts/build-encoder)"))
    })
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
