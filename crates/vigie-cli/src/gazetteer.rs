//! `vigie gazetteer`: builds a full gazetteer from the official GeoNames dumps.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use vigie_geo::geonames::{GeonamesOptions, build_from_geonames};

/// Gazetteer commands.
#[derive(Debug, Subcommand)]
pub enum GazetteerCommand {
    /// Build a gazetteer from GeoNames dumps (`allCountries.txt`, optionally
    /// `alternateNamesV2.txt`) for use with `--gazetteer FILE`.
    Build {
        /// Directory holding the unzipped dumps.
        #[arg(long)]
        geonames: PathBuf,
        /// Where to write the gazetteer.
        #[arg(long)]
        out: PathBuf,
        /// Leave out populated places below this population.
        #[arg(long, default_value_t = GeonamesOptions::default().min_population)]
        min_population: u64,
    },
}

/// Runs a gazetteer command.
pub fn run(command: GazetteerCommand) -> anyhow::Result<ExitCode> {
    match command {
        GazetteerCommand::Build {
            geonames,
            out,
            min_population,
        } => {
            let gazetteer = build_from_geonames(&geonames, GeonamesOptions { min_population })?;
            std::fs::write(&out, gazetteer.to_binary())
                .with_context(|| format!("{}: cannot write", out.display()))?;
            println!("{}: {} places", out.display(), gazetteer.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}
