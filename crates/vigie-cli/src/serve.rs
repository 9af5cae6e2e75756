//! `vigie serve` (the API and dashboard over a store) and `vigie demo` (the bundled
//! examples ingested into a store, then served).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use vigie_pipeline::{Language, Pipeline};
use vigie_server::AppState;
use vigie_store::{Location, Store};

use crate::alerts::{Notifier, WebhookArgs};

/// Arguments of `vigie serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The store written by `vigie ingest`: a SQLite file, or a PostgreSQL database URL
    /// (`postgres://user@host:5432/database`).
    #[arg(long, default_value = "vigie.db")]
    db: Location,
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Bearer token that allows posting articles (`POST /api/documents`); also read
    /// from the VIGIE_TOKEN environment variable. Without one, the API is read-only.
    #[arg(long, env = "VIGIE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Read connections to the database.
    #[arg(long, default_value_t = 4)]
    readers: usize,
    /// How saved searches' webhooks are reached (a server with a token posts the alerts
    /// of the articles posted to it).
    #[command(flatten)]
    webhooks: WebhookArgs,
}

/// Runs `vigie serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // A store that does not exist is an error, not an empty dashboard.
    drop(Store::connect_read_only(&args.db)?);
    // Articles posted to the server may match saved searches: their alerts go out within
    // the notifier's next round (half a minute at most).
    let notifier = match args.token {
        Some(_) => Some(Notifier::start(&args.db, &args.webhooks)?),
        None => None,
    };
    let code = serve(&args.db, args.addr, args.token, args.readers)?;
    if let Some(notifier) = notifier {
        notifier.finish();
    }
    Ok(code)
}

/// Serves the store at `db` until Ctrl-C.
fn serve(
    db: &Location,
    addr: SocketAddr,
    token: Option<String>,
    readers: usize,
) -> anyhow::Result<ExitCode> {
    // Only a server that accepts documents (with a token) analyses them.
    let pipeline = match token {
        Some(_) => pipeline_with_default_heads(),
        None => Pipeline::embedded(Language::Auto),
    };
    let state = Arc::new(AppState::open(db, readers, pipeline, token)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        println!("Vigie dashboard and API on http://{bound}/  (API description: http://{bound}/api/openapi.json; Ctrl-C stops)");
        vigie_server::serve(listener, state).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `vigie demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Articles to ingest.
    #[arg(long, default_value = "examples")]
    examples: PathBuf,
    /// The database to create (replaced if it exists).
    #[arg(long, default_value = "target/vigie-demo.db")]
    db: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

/// Runs `vigie demo`.
pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    vigie_store::remove_database(&args.db);
    if let Some(parent) = args.db.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut store = vigie_store::Store::open(&args.db)?;
    let items = vigie_ingest::read_inputs(
        std::slice::from_ref(&args.examples),
        vigie_ingest::InputFormat::Auto,
    );
    let report = crate::ingest::ingest_into(
        &mut store,
        items,
        pipeline_with_default_heads(),
        crate::ingest::Settings {
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch: 64,
            progress: false,
            retry_failed: false,
        },
        None,
    )?;
    let counts = store.counts()?;
    drop(store);
    println!(
        "Ingested {} example articles from {} into {}: {} events ({} failed inputs).",
        report.written.stored,
        args.examples.display(),
        args.db.display(),
        counts.events,
        report.written.failed
    );
    serve(&Location::File(args.db), args.addr, None, 4)
}

/// The pipeline with the encoder and heads at their default places (the fast path, with
/// a one-line message, when they are missing).
fn pipeline_with_default_heads() -> Pipeline<'static> {
    crate::heads::HeadArgs::default().apply(Pipeline::embedded(Language::Auto))
}
