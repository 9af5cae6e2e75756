//! `vigie`: turns news articles into verifiable event data.

mod alerts;
mod analyze;
mod bench;
mod distributed;
mod eval;
mod gazetteer;
mod heads;
mod ingest;
mod inputs;
mod load;
mod parallel;
mod publish;
mod query;
mod serve;
mod summary;
mod terminal;
mod train;
mod watch;
mod worker;

use std::process::ExitCode;

/// mimalloc: the pipeline makes many small short-lived allocations (tokens, folded words).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Turns French and English news into verifiable event data"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse articles (text, HTML, JSONL, WARC, RSS/Atom; files, directories, feed URLs or
    /// stdin) into documents.
    Analyze(analyze::AnalyzeArgs),
    /// Analyse inputs (files, directories, JSONL, WARC, RSS/Atom) into a store (SQLite or
    /// PostgreSQL), in parallel; resumable, duplicates merged. With `--queue`, publish
    /// them to a NATS JetStream work queue for `vigie worker` instead.
    Ingest(ingest::IngestArgs),
    /// Analyse the inputs waiting in a NATS JetStream work queue into a store; any number
    /// of workers on any number of machines.
    Worker(worker::WorkerArgs),
    /// Events from a store, filtered, as a table or JSON.
    Query(query::QueryArgs),
    /// Events from a store as CSV, JSONL or Parquet with PLOVER and ACLED-style columns.
    Export(query::ExportArgs),
    /// Saved searches: add, list, remove, show alerts, deliver them to webhooks.
    #[command(subcommand)]
    Watch(watch::WatchCommand),
    /// Serve the HTTP API and the dashboard over a store.
    Serve(serve::ServeArgs),
    /// Ingest the bundled example articles and open the dashboard on them.
    Demo(serve::DemoArgs),
    /// Measure a stage against gold data.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Measure a stage's throughput.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Train a statistical model.
    #[command(subcommand)]
    Train(train::TrainCommand),
    /// Build a gazetteer from GeoNames dumps.
    #[command(subcommand)]
    Gazetteer(gazetteer::GazetteerCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Worker(args) => worker::run(args),
        Command::Query(args) => query::run_query(args),
        Command::Export(args) => query::run_export(args),
        Command::Watch(command) => watch::run(command),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => serve::demo(args),
        Command::Eval(command) => eval::run(command),
        Command::Gazetteer(command) => gazetteer::run(command),
        Command::Bench(command) => bench::run(command),
        Command::Train(command) => train::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", terminal::terminal_safe(&format!("{error:#}")));
            ExitCode::from(2)
        }
    }
}
