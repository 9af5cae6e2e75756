//! Event tables for other tools: one row per merged event, with PLOVER columns and
//! ACLED-style columns (`event_date`, `event_type`, `sub_event_type`, `actor1`, `actor2`,
//! `country`, `admin1`, `location`, `latitude`, `longitude`, `geo_precision`, `source`,
//! `notes`, `fatalities`), as CSV, JSON Lines or Parquet.

use std::io::Write;

use serde::Serialize;

use crate::query::EventRow;

/// One exported row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow<'a> {
    /// Vigie event id.
    pub event_id: i64,
    /// Event date, else the first article's date.
    pub event_date: Option<&'a str>,
    /// ACLED time precision: 1 day, 2 week, 3 month or coarser; the article date counts
    /// as 2 (the event is within days of it).
    pub time_precision: Option<u8>,
    /// ACLED event type.
    pub event_type: Option<&'a str>,
    /// ACLED sub-event type.
    pub sub_event_type: Option<&'a str>,
    /// PLOVER type.
    pub plover_type: &'a str,
    /// PLOVER mode.
    pub plover_mode: Option<&'a str>,
    /// Vigie modality (`asserted`, `claimed`, `planned` …).
    pub modality: &'a str,
    /// Actor.
    pub actor1: Option<&'a str>,
    /// Actor code.
    pub actor1_code: Option<&'a str>,
    /// Recipient.
    pub actor2: Option<&'a str>,
    /// Recipient code.
    pub actor2_code: Option<&'a str>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<&'a str>,
    /// First-level division.
    pub admin1: Option<&'a str>,
    /// Place name.
    pub location: Option<&'a str>,
    /// GeoNames id.
    pub geonameid: Option<i64>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// ACLED geo precision: 1 town or finer, 2 district, 3 province, region or country.
    pub geo_precision: Option<u8>,
    /// Distinct sources, `; `-separated.
    pub source: String,
    /// Number of distinct sources.
    pub source_count: i64,
    /// Number of reports merged.
    pub reports: i64,
    /// Attribution of the first report (`named`, `outlet`, `anonymous`, `none`).
    pub attribution: &'a str,
    /// The first report's evidence sentence.
    pub notes: &'a str,
    /// Deaths stated.
    pub fatalities: Option<i64>,
}

/// ACLED geo precision of a GeoNames feature code.
fn geo_precision(feature_code: &str) -> u8 {
    match feature_code {
        code if code.starts_with("PPL") => 1,
        "ADM2" | "ADM3" | "ADM4" | "ADM5" => 2,
        _ => 3,
    }
}

/// ACLED time precision of a date precision.
fn time_precision(precision: &str) -> u8 {
    match precision {
        "day" => 1,
        "week" | "published" => 2,
        _ => 3,
    }
}

impl<'a> From<&'a EventRow> for ExportRow<'a> {
    fn from(row: &'a EventRow) -> Self {
        ExportRow {
            event_id: row.id,
            event_date: row.date.as_deref(),
            time_precision: row.date_precision.as_deref().map(time_precision),
            event_type: row.acled_event_type.as_deref(),
            sub_event_type: row.acled_sub_event_type.as_deref(),
            plover_type: &row.event_type,
            plover_mode: row.mode.as_deref(),
            modality: &row.modality,
            actor1: row.actor.as_deref(),
            actor1_code: row.actor_code.as_deref(),
            actor2: row.recipient.as_deref(),
            actor2_code: row.recipient_code.as_deref(),
            country: row.country_code.as_deref(),
            admin1: row.admin1.as_deref(),
            location: row.place.as_deref(),
            geonameid: row.geonameid,
            latitude: row.lat,
            longitude: row.lon,
            geo_precision: row.feature_code.as_deref().map(geo_precision),
            source: row.sources.join("; "),
            source_count: row.source_count,
            reports: row.reports,
            attribution: &row.attribution,
            notes: &row.evidence,
            fatalities: row.fatalities,
        }
    }
}

/// The columns, in order.
pub const COLUMNS: [&str; 25] = [
    "event_id",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "plover_type",
    "plover_mode",
    "modality",
    "actor1",
    "actor1_code",
    "actor2",
    "actor2_code",
    "country",
    "admin1",
    "location",
    "geonameid",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_count",
    "reports",
    "attribution",
    "notes",
    "fatalities",
];

/// Writes the rows as CSV with a header line. Text cells that a spreadsheet would run
/// as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) are
/// prefixed with `'`, as OWASP advises against CSV injection; numbers are written as
/// they are.
pub fn write_csv(rows: &[EventRow], out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    for row in rows {
        let fields = serde_json::to_value(ExportRow::from(row)).map_err(std::io::Error::other)?;
        let cells = COLUMNS.iter().map(|column| match &fields[*column] {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(text) => spreadsheet_safe(text),
            other => other.to_string(),
        });
        writer.write_record(cells)?;
    }
    writer.flush()?;
    Ok(())
}

/// `text`, with a leading `'` when a spreadsheet would read it as a formula.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Writes the rows as JSON Lines with the same fields as the CSV.
pub fn write_jsonl(rows: &[EventRow], mut out: impl Write) -> std::io::Result<()> {
    for row in rows {
        serde_json::to_writer(&mut out, &ExportRow::from(row))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Parquet column kinds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Text,
}

/// The Parquet type of each column of [`COLUMNS`].
fn column_kind(column: &str) -> Kind {
    match column {
        "event_id" | "time_precision" | "geonameid" | "geo_precision" | "source_count"
        | "reports" | "fatalities" => Kind::Integer,
        "latitude" | "longitude" => Kind::Real,
        _ => Kind::Text,
    }
}

/// Writes the rows as a Parquet file (one row group, every column optional, text as
/// UTF-8), with the same columns as the CSV.
pub fn write_parquet(
    rows: &[EventRow],
    out: impl Write + Send,
) -> Result<(), parquet::errors::ParquetError> {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;

    let fields: Vec<String> = COLUMNS
        .iter()
        .map(|column| match column_kind(column) {
            Kind::Integer => format!("OPTIONAL INT64 {column};"),
            Kind::Real => format!("OPTIONAL DOUBLE {column};"),
            Kind::Text => format!("OPTIONAL BYTE_ARRAY {column} (UTF8);"),
        })
        .collect();
    let schema = parquet::schema::parser::parse_message_type(&format!(
        "message vigie_events {{ {} }}",
        fields.join(" ")
    ))?;
    let records: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| serde_json::to_value(ExportRow::from(row)))
        .collect::<Result<_, _>>()
        .map_err(|e| parquet::errors::ParquetError::General(e.to_string()))?;
    let mut writer = SerializedFileWriter::new(
        out,
        Arc::new(schema),
        Arc::new(WriterProperties::builder().build()),
    )?;
    let mut group = writer.next_row_group()?;
    let mut index = 0;
    while let Some(mut column) = group.next_column()? {
        let name = COLUMNS[index];
        let values: Vec<&serde_json::Value> = records.iter().map(|r| &r[name]).collect();
        let levels: Vec<i16> = values.iter().map(|v| i16::from(!v.is_null())).collect();
        match column_kind(name) {
            Kind::Integer => {
                let present: Vec<i64> = values.iter().filter_map(|v| v.as_i64()).collect();
                column
                    .typed::<Int64Type>()
                    .write_batch(&present, Some(&levels), None)?;
            }
            Kind::Real => {
                let present: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
                column
                    .typed::<DoubleType>()
                    .write_batch(&present, Some(&levels), None)?;
            }
            Kind::Text => {
                let present: Vec<ByteArray> = values
                    .iter()
                    .filter_map(|v| v.as_str())
                    .map(|s| ByteArray::from(s.as_bytes().to_vec()))
                    .collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&present, Some(&levels), None)?;
            }
        }
        column.close()?;
        index += 1;
    }
    group.close()?;
    writer.close()?;
    Ok(())
}
