//! `vigie bench <stage>`: throughput of a stage on a corpus.

use std::path::{Path, PathBuf};
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
    /// The whole pipeline (language → entities → names → places → events → signals) on
    /// the plain texts of a geoparsing gold file; one core when run with
    /// `RAYON_NUM_THREADS=1`.
    Pipeline {
        /// Gold XML file whose article texts are the corpus.
        #[arg(long)]
        corpus: PathBuf,
        /// How long to run, in seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// The encoder and its heads.
        #[command(flatten)]
        heads: crate::heads::HeadArgs,
    },
    /// The multilingual encoder (multilingual-e5-small) over every sentence of the
    /// plain texts of a geoparsing gold file; one core when run with
    /// `RAYON_NUM_THREADS=1`.
    Encoder {
        /// Gold XML file whose article texts are the corpus.
        #[arg(long)]
        corpus: PathBuf,
        /// How long to run, in seconds.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// The encoder's folder.
        #[arg(long, default_value = vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR)]
        encoder: PathBuf,
        /// The encoder multiplies in f32, as on CPUs without AVX-512 VNNI or AVX2, instead of its
        /// 4-bit weights times 8-bit activations (slower; to compare the two).
        #[arg(long)]
        float_encoder: bool,
    },
    /// The integer products of the encoder's and the heads' layers, each shape alone on
    /// pseudo-random weights and activations, on the kernel this CPU runs: billions of
    /// multiply-adds per second (one core).
    Products {
        /// Tokens per product (a batch of sentences).
        #[arg(long, default_value_t = 200)]
        tokens: usize,
        /// How long to run each shape, in seconds.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
    /// The HTTP API under load: a store of synthetic events, `vigie serve` on loopback, and
    /// concurrent clients sending filtered event queries; latency percentiles.
    Api {
        /// Events in the store.
        #[arg(long, default_value_t = 100_000)]
        events: usize,
        /// Concurrent client connections.
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// How long to send requests, in seconds.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Keep the store here — a SQLite file or a PostgreSQL URL — instead of a
        /// temporary file: filled when it holds no event, reused as it is otherwise.
        #[arg(long)]
        db: Option<vigie_store::Location>,
        /// Compute every answer (the server's answer cache off).
        #[arg(long)]
        no_cache: bool,
    },
    /// The distributed path against the in-process one, on one corpus in one run:
    /// `vigie ingest` in one process, publishing to NATS JetStream, then 1 and 2
    /// `vigie worker` processes; documents/s of each, one core per process.
    Queue(crate::distributed::QueueBench),
    /// Inputs (e.g. the ScrapingHub HTML pages) → stored events, through `vigie ingest`
    /// into a fresh temporary SQLite store: documents/s, CPU time and peak memory.
    Ingest {
        /// Input files or directories.
        #[arg(long)]
        corpus: PathBuf,
        /// Worker threads.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
    },
}

/// Runs a benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    let (corpus, articles, result) = match command {
        BenchCommand::Ingest { corpus, jobs } => return ingest(&corpus, jobs),
        BenchCommand::Queue(bench) => return crate::distributed::run(bench),
        BenchCommand::Products { tokens, seconds } => {
            return products(tokens, Duration::from_secs_f64(seconds));
        }
        BenchCommand::Api {
            events,
            connections,
            seconds,
            db,
            no_cache,
        } => {
            return crate::load::api(
                events,
                connections,
                Duration::from_secs_f64(seconds),
                db.as_ref(),
                !no_cache,
            );
        }
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
        BenchCommand::Encoder {
            corpus,
            seconds,
            encoder,
            float_encoder,
        } => {
            let articles = vigie_eval::geoparse::read_gold(&corpus).map_err(anyhow::Error::msg)?;
            let encoder = vigie_encoder::e5::MultilingualEncoder::load_with(
                &encoder,
                crate::heads::arithmetic(float_encoder),
            )?;
            println!("arithmetic {:?}", encoder.arithmetic());
            let result =
                vigie_eval::bench::encoder(&articles, &encoder, Duration::from_secs_f64(seconds));
            if let Some(peak) = peak_memory_mib() {
                println!("peak memory {peak:.0} MiB");
            }
            (corpus, articles, result)
        }
        BenchCommand::Pipeline {
            corpus,
            seconds,
            heads,
        } => {
            let articles = vigie_eval::geoparse::read_gold(&corpus).map_err(anyhow::Error::msg)?;
            let reader = heads.reader().map_err(anyhow::Error::msg)?;
            let pipeline = vigie_pipeline::Pipeline::embedded(vigie_pipeline::Language::Auto);
            let pipeline = match &reader {
                Some(reader) => pipeline.with_reader(reader),
                None => pipeline,
            };
            let result =
                vigie_eval::bench::pipeline(&articles, &pipeline, Duration::from_secs_f64(seconds));
            if let Some(peak) = peak_memory_mib() {
                println!("peak memory {peak:.0} MiB");
            }
            (corpus, articles, result)
        }
    };
    let mean_chars = result.chars / result.articles.max(1);
    println!(
        "corpus     {} ({} articles, {mean_chars} chars on average)",
        corpus.display(),
        articles.len()
    );
    let per_second = result.articles_per_second();
    // Three significant figures: the encoder's rates are a few articles a second.
    let decimals = if per_second < 10.0 {
        2
    } else if per_second < 100.0 {
        1
    } else {
        0
    };
    println!("articles/s {per_second:.decimals$}");
    println!("Mchars/s   {:.3}", result.mchars_per_second());
    Ok(ExitCode::SUCCESS)
}

/// `vigie bench products`.
fn products(tokens: usize, duration: Duration) -> anyhow::Result<ExitCode> {
    let Some((kernel, timed)) = vigie_eval::bench::products(tokens, duration) else {
        anyhow::bail!("this CPU runs no integer kernel (AVX2 and FMA at least)");
    };
    println!("kernel {kernel}, {tokens} tokens per product");
    for product in timed {
        println!(
            "{}-bit weights, {:>4} outputs × {:>4} inputs: {:6.1} GMAC/s",
            product.weights.bits(),
            product.outputs,
            product.inputs,
            product.giga_multiply_adds_per_second()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `vigie bench ingest`.
fn ingest(corpus: &Path, jobs: usize) -> anyhow::Result<ExitCode> {
    let db = std::env::temp_dir().join(format!("vigie-bench-{}.db", std::process::id()));
    let remove = || vigie_store::remove_database(&db);
    remove();
    let pipeline = vigie_pipeline::Pipeline::embedded(vigie_pipeline::Language::Auto);
    // Load the lazily parsed reference data (models, lexicons) before timing.
    for text in [
        "Les forces irakiennes ont attaqué Daech à Mossoul mardi, selon un responsable.",
        "Iraqi forces attacked ISIS in Mosul on Tuesday, an official said.",
    ] {
        pipeline.run(&mut vigie_core::Document::new("warm-up", text));
    }
    // Read and decompress the inputs before timing, as the trafilatura side does.
    let items: Vec<_> =
        vigie_ingest::read_inputs(&[corpus.to_path_buf()], vigie_ingest::InputFormat::Auto)
            .collect();
    let mut store = vigie_store::Store::open(&db)?;
    let cpu_before = cpu_seconds();
    let report = crate::ingest::ingest_into(
        &mut store,
        items.into_iter(),
        pipeline,
        crate::ingest::Settings {
            jobs,
            batch: 64,
            progress: false,
            retry_failed: false,
        },
        None,
    )?;
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let counts = store.counts()?;
    drop(store);
    remove();
    let processed = report.written.stored + report.written.duplicates + report.written.failed;
    println!(
        "corpus          {} ({processed} documents, {jobs} worker(s))",
        corpus.display()
    );
    println!(
        "stored          {} documents, {} failed, {} events",
        counts.documents, counts.failed, counts.events
    );
    println!(
        "documents/s     {:.0} (wall clock)",
        report.documents_per_second()
    );
    if let Some(cpu) = cpu {
        println!(
            "per core        {:.0} documents per CPU-second (all threads, reader and writer included)",
            processed as f64 / cpu.max(1e-9)
        );
    }
    if let Some(peak) = peak_memory_mib() {
        println!("peak memory     {peak:.0} MiB");
    }
    Ok(ExitCode::SUCCESS)
}

/// CPU time (user + system) of this process so far, from `/proc` (Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux ABI.
    Some(ticks / 100.0)
}

/// Peak resident memory of this process, from `/proc` (Linux).
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
