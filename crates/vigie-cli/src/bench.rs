//! `vigie bench <stage>`: throughput of a stage on a corpus.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Geo stage (toponym recognition and resolution) on the articles of a geoparsing
    /// gold file (LGL, GeoWebNews or TR-News XML), one core.
    Geo {
        /// Gold XML file whose article texts are the corpus.
        #[arg(long)]
        corpus: PathBuf,
        /// How long to run, in seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
    /// The whole pipeline (language → entities → places → events → signals) on the
    /// plain texts of a geoparsing gold file, one core.
    Pipeline {
        /// Gold XML file whose article texts are the corpus.
        #[arg(long)]
        corpus: PathBuf,
        /// How long to run, in seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
}

/// Runs a benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    let (corpus, articles, result) = match command {
        BenchCommand::Geo { corpus, seconds } => {
            let articles = vigie_eval::geoparse::read_gold(&corpus).map_err(anyhow::Error::msg)?;
            let result = vigie_eval::bench::geo(
                &articles,
                vigie_geo::Gazetteer::embedded(),
                vigie_entities::ActorDictionary::embedded(),
                Duration::from_secs_f64(seconds),
            );
            (corpus, articles, result)
        }
        BenchCommand::Pipeline { corpus, seconds } => {
            let articles = vigie_eval::geoparse::read_gold(&corpus).map_err(anyhow::Error::msg)?;
            let pipeline = vigie_pipeline::Pipeline::embedded(vigie_pipeline::Language::Auto);
            let result =
                vigie_eval::bench::pipeline(&articles, &pipeline, Duration::from_secs_f64(seconds));
            (corpus, articles, result)
        }
    };
    let mean_chars = result.chars / result.articles.max(1);
    println!(
        "corpus     {} ({} articles, {mean_chars} chars on average)",
        corpus.display(),
        articles.len()
    );
    println!("articles/s {:.0}", result.articles_per_second());
    println!("Mchars/s   {:.2}", result.mchars_per_second());
    Ok(ExitCode::SUCCESS)
}
