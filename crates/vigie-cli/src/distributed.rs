//! `vigie bench queue`: the distributed path (NATS JetStream queue, `vigie worker`
//! processes) beside the in-process `vigie ingest`, on one corpus in one run.
//!
//! Every configuration runs as its own processes of this binary, one core each
//! (`--jobs 1`, `RAYON_NUM_THREADS=1`), on a fresh store, and is timed the same way:
//! from the start of its processes to the end of the last, start-up included (use a
//! corpus that takes tens of seconds).

use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use vigie_queue::local_server::LocalServer;
use vigie_store::scratch::ScratchSchema;
use vigie_store::{Location, Store};

/// Options of `vigie bench queue`.
#[derive(Debug, Args)]
pub struct QueueBench {
    /// Input files or directories (every configuration reads the same).
    #[arg(long)]
    corpus: PathBuf,
    /// A NATS JetStream server; by default one of the benchmark's own is started
    /// (`nats-server` must be installed).
    #[arg(long, value_name = "URL")]
    queue: Option<String>,
    /// A PostgreSQL database for the workers (each run gets a schema of its own,
    /// dropped after); by default the workers share a temporary SQLite file.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// The fast path (no encoder) in every process.
    #[arg(long)]
    fast: bool,
    /// Messages a worker pulls and writes together; make it small when documents take
    /// a second each (the encoder path), so that two workers share the last ones.
    #[arg(long, default_value_t = 32)]
    batch: usize,
}

/// Runs `vigie bench queue`.
pub fn run(bench: QueueBench) -> anyhow::Result<ExitCode> {
    let encoder = vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR;
    anyhow::ensure!(
        bench.fast || std::path::Path::new(encoder).is_dir(),
        "no encoder in {encoder}: run from the repository after scripts/build-encoder, or pass --fast"
    );
    let local;
    let url = match &bench.queue {
        Some(url) => url.clone(),
        None => {
            local = LocalServer::start("bench")
                .context("no nats-server installed: install it or pass --queue")??;
            local.url()
        }
    };
    let total =
        vigie_ingest::read_inputs(std::slice::from_ref(&bench.corpus), Default::default()).count();
    let timer = Timer { total };
    println!(
        "corpus          {} ({total} inputs), {} path",
        bench.corpus.display(),
        if bench.fast { "fast" } else { "encoder" }
    );

    let in_process = FreshStore::new(None, "inprocess")?;
    let store = &in_process.location;
    let ingest = timer.run(
        store,
        vec![vigie(&bench, &["ingest", "--jobs", "1", "--quiet"], store)],
    )?;
    println!(
        "in-process      {} documents/s (vigie ingest --jobs 1, SQLite)",
        three_figures(ingest)
    );

    let batch = bench.batch.to_string();
    for workers in [1, 2] {
        let queue_name = format!("VIGIE_BENCH_{}_{workers}", std::process::id());
        let started = Instant::now();
        let publish = vigie(
            &bench,
            &["ingest", "--queue", &url, "--queue-name", &queue_name],
            store,
        )
        .output()?;
        anyhow::ensure!(publish.status.success(), "publishing failed: {publish:?}");
        let published = total as f64 / started.elapsed().as_secs_f64();
        if workers == 1 {
            println!(
                "publish         {published:.0} messages/s (vigie ingest --queue, one process)"
            );
        }
        let shared = FreshStore::new(bench.db.as_deref(), &format!("workers{workers}"))?;
        let store = &shared.location;
        let commands = (0..workers)
            .map(|_| {
                vigie(
                    &bench,
                    &[
                        "worker",
                        "--queue",
                        &url,
                        "--queue-name",
                        &queue_name,
                        "--jobs",
                        "1",
                        "--batch",
                        &batch,
                        "--exit-when-idle",
                    ],
                    store,
                )
            })
            .collect();
        let rate = timer.run(store, commands)?;
        println!(
            "{workers} worker(s)     {} documents/s ({:.2}× in-process, {})",
            three_figures(rate),
            rate / ingest,
            match store {
                Location::File(_) => "SQLite",
                Location::Postgres(_) => "PostgreSQL",
            }
        );
        delete_queue(&url, &queue_name)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A rate with three significant figures (the encoder path runs at a few per second).
fn three_figures(rate: f64) -> String {
    let decimals = if rate < 10.0 {
        2
    } else if rate < 100.0 {
        1
    } else {
        0
    };
    format!("{rate:.decimals$}")
}

/// A command of this binary with `args`, the corpus (for `ingest`) and the store.
fn vigie(bench: &QueueBench, args: &[&str], store: &Location) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    command.args(args);
    if args[0] == "ingest" {
        command.arg(&bench.corpus);
    }
    command.arg("--db").arg(store.to_argument());
    if bench.fast {
        command.arg("--fast");
    }
    // One core per process: `--jobs 1`, and the encoder's matrix products on one thread.
    command.env("RAYON_NUM_THREADS", "1");
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command
}

/// A store of one run, removed when dropped: a schema on a PostgreSQL database, or a
/// temporary SQLite file.
struct FreshStore {
    location: Location,
    /// Dropping the schema drops it on the server.
    _schema: Option<ScratchSchema>,
}

impl FreshStore {
    /// A schema on the database at `url`, else a temporary SQLite file.
    fn new(url: Option<&str>, purpose: &str) -> anyhow::Result<Self> {
        Ok(match url {
            Some(url) => {
                let schema = ScratchSchema::create(url, &format!("bench_{purpose}"))?;
                FreshStore {
                    location: schema.location(),
                    _schema: Some(schema),
                }
            }
            None => {
                let path = std::env::temp_dir()
                    .join(format!("vigie-bench-{purpose}-{}.db", std::process::id()));
                vigie_store::remove_database(&path);
                FreshStore {
                    location: Location::File(path),
                    _schema: None,
                }
            }
        })
    }
}

impl Drop for FreshStore {
    fn drop(&mut self) {
        if let Location::File(path) = &self.location {
            vigie_store::remove_database(path);
        }
    }
}

/// Times processes from their start to the end of the last one.
struct Timer {
    total: usize,
}

impl Timer {
    /// Starts `commands`, waits for all of them, checks that every input was processed,
    /// and returns the documents per second, process start-up included.
    fn run(&self, store: &Location, commands: Vec<Command>) -> anyhow::Result<f64> {
        let started = Instant::now();
        let children: Vec<Child> = commands
            .into_iter()
            .map(|mut command| command.spawn())
            .collect::<Result<_, _>>()?;
        for mut child in children {
            let status = child.wait()?;
            // `vigie ingest` exits with 1 when an input failed: that is not a crash.
            anyhow::ensure!(status.code().is_some(), "a process was killed: {status}");
        }
        let elapsed = started.elapsed();
        let done = Store::connect_read_only(store)?.counts()?.inputs;
        anyhow::ensure!(
            done as usize >= self.total,
            "only {done} of {} inputs processed",
            self.total
        );
        Ok(self.total as f64 / elapsed.as_secs_f64())
    }
}

/// Deletes a benchmark's queue from the server.
fn delete_queue(url: &str, name: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        vigie_queue::Queue::connect(url, vigie_queue::QueueConfig::named(name))
            .await?
            .delete()
            .await
    })?;
    Ok(())
}
