//! `vigie`: turns news articles into verifiable event data.

mod analyze;
mod bench;
mod eval;
mod gazetteer;
mod inputs;
mod summary;
mod train;

use std::process::ExitCode;

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
    /// Analyse articles (text, HTML or JSONL; files, directories or stdin) into documents.
    Analyze(analyze::AnalyzeArgs),
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
        Command::Eval(command) => eval::run(command),
        Command::Gazetteer(command) => gazetteer::run(command),
        Command::Bench(command) => bench::run(command),
        Command::Train(command) => train::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
