//! `vigie query` and `vigie export`: events from the store, as a table, JSON, CSV,
//! JSONL or Parquet.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use vigie_store::{EventFilter, EventRow, Location, Store, export};

/// Which events: the filters `query` and `export` share.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// The store written by `vigie ingest`: a SQLite file, or a PostgreSQL database URL
    /// (`postgres://user@host:5432/database`).
    #[arg(long, default_value = "vigie.db")]
    db: Location,
    /// PLOVER event type (ASSAULT, PROTEST, …).
    #[arg(long = "type")]
    event_type: Option<String>,
    /// Modality (asserted, claimed, planned, threatened, denied, hypothetical).
    #[arg(long)]
    modality: Option<String>,
    /// PLOVER mode (firearms, abduct, troops, …).
    #[arg(long)]
    mode: Option<String>,
    /// Place: a GeoNames id or the gazetteer name of the place.
    #[arg(long)]
    place: Option<String>,
    /// Actor or recipient: an actor code (ISIS, USAMIL) or words of their name.
    #[arg(long)]
    actor: Option<String>,
    /// ISO 3166-1 alpha-2 country of the place (IQ, SY, …).
    #[arg(long)]
    country: Option<String>,
    /// First-level division of the place (Al Anbār, …).
    #[arg(long)]
    admin1: Option<String>,
    /// A point, `LAT,LON`; with `--km`, events within that distance.
    #[arg(long, requires = "km")]
    near: Option<String>,
    /// Distance from `--near`, in km.
    #[arg(long, requires = "near")]
    km: Option<f64>,
    /// Events on or after this date (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Events on or before this date (YYYY-MM-DD, YYYY-MM or YYYY).
    #[arg(long)]
    to: Option<String>,
    /// Full-text search over the reporting articles: words and "quoted phrases" that must
    /// all occur; a `*` after a word matches a prefix.
    #[arg(long)]
    text: Option<String>,
    /// A source reporting the event (outlet name or web host).
    #[arg(long)]
    source: Option<String>,
    /// Events reported by at least this many distinct sources.
    #[arg(long)]
    min_sources: Option<u32>,
    /// Attribution of the first report: named, outlet, anonymous or none.
    #[arg(long)]
    attribution: Option<String>,
}

impl FilterArgs {
    fn open(&self) -> anyhow::Result<Store> {
        Ok(Store::connect_read_only(&self.db)?)
    }

    fn filter(&self, limit: usize) -> anyhow::Result<EventFilter> {
        let near = match (&self.near, self.km) {
            (Some(point), Some(km)) => {
                let (lat, lon) = vigie_store::parse_point(point)
                    .with_context(|| format!("--near {point}: expected LAT,LON"))?;
                Some((lat, lon, km))
            }
            _ => None,
        };
        Ok(EventFilter {
            event_type: self.event_type.clone(),
            modality: self.modality.clone(),
            mode: self.mode.clone(),
            place: self.place.clone(),
            actor: self.actor.clone(),
            country: self.country.clone(),
            admin1: self.admin1.clone(),
            near,
            from: self.from.clone(),
            to: self.to.clone(),
            text: self.text.clone(),
            source: self.source.clone(),
            min_sources: self.min_sources,
            attribution: self.attribution.clone(),
            id: None,
            reported_after: None,
            limit,
            offset: 0,
        })
    }
}

/// How `query` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// An aligned table.
    Table,
    /// A JSON array.
    Json,
}

/// Arguments of `vigie query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Most events shown.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// How to print.
    #[arg(long, value_enum, default_value = "table")]
    format: QueryFormat,
}

/// Runs `vigie query`.
pub fn run_query(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let store = args.filter.open()?;
    let rows = store.events(&args.filter.filter(args.limit)?)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        QueryFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        QueryFormat::Table => print_table(&mut out, &rows)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &mut impl Write, rows: &[EventRow]) -> std::io::Result<()> {
    let cut = |text: Option<&str>, width: usize| -> String {
        let text = text.unwrap_or("-");
        if text.chars().count() <= width {
            text.to_owned()
        } else {
            let kept: String = text.chars().take(width - 1).collect();
            format!("{kept}…")
        }
    };
    writeln!(
        out,
        "{:>6}  {:<10}  {:<9}  {:<10}  {:<22}  {:<22}  {:<24}  {:>3}  {:>3}",
        "id", "date", "type", "modality", "actor", "recipient", "place", "rep", "src"
    )?;
    for row in rows {
        writeln!(
            out,
            "{:>6}  {:<10}  {:<9}  {:<10}  {:<22}  {:<22}  {:<24}  {:>3}  {:>3}",
            row.id,
            cut(row.date.as_deref(), 10),
            row.event_type,
            row.modality,
            cut(row.actor.as_deref(), 22),
            cut(row.recipient.as_deref(), 22),
            cut(
                row.place
                    .as_deref()
                    .map(|p| format!("{p} ({})", row.country_code.as_deref().unwrap_or("?")))
                    .as_deref(),
                24
            ),
            row.reports,
            row.source_count
        )?;
    }
    writeln!(out, "{} event(s)", rows.len())
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet (needs `--out`).
    Parquet,
}

/// Arguments of `vigie export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// Output file (default: standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// Runs `vigie export`.
pub fn run_export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.format != ExportFormat::Parquet || args.out.is_some(),
        "--format parquet writes a binary file: give it with --out FILE"
    );
    let store = args.filter.open()?;
    let rows = store.events(&args.filter.filter(usize::MAX)?)?;
    let out: Box<dyn Write + Send> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("{}: cannot create", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let out = std::io::BufWriter::new(out);
    match args.format {
        ExportFormat::Csv => export::write_csv(&rows, out)?,
        ExportFormat::Jsonl => export::write_jsonl(&rows, out)?,
        ExportFormat::Parquet => export::write_parquet(&rows, out)?,
    }
    if let Some(path) = &args.out {
        eprintln!("{}: {} event(s)", path.display(), rows.len());
    }
    Ok(ExitCode::SUCCESS)
}
