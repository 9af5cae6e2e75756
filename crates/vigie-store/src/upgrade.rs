//! Upgrading a store written by an earlier version of the schema, in place.
//!
//! Version 1 → 2: reports carry what decides which reports are of one event (type group,
//! day, place, actor codes, rank), so that events are groups of matching reports rather
//! than of reports matching an event's first one (see [`crate::merge`]). The columns are
//! added and filled from each report's stored event and its article; the events already
//! stored keep their reports.

use vigie_core::Event;

use crate::StoreError;
use crate::database::{Database, WriteTransaction};
use crate::merge::{self, Report};

/// The columns version 2 adds to `event_reports`.
const ADDED_COLUMNS: [&str; 8] = [
    "modality_group TEXT",
    "anchor_day INTEGER",
    "geonameid INTEGER",
    "region TEXT",
    "broad INTEGER NOT NULL DEFAULT 0",
    "actor_code TEXT",
    "recipient_code TEXT",
    "rank TEXT NOT NULL DEFAULT ''",
];

/// The indexes of version 2 over the added columns (created on every opening).
pub const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS event_reports_place
    ON event_reports (geonameid, type, modality_group, anchor_day);
CREATE INDEX IF NOT EXISTS event_reports_region
    ON event_reports (region, type, modality_group, anchor_day);
CREATE INDEX IF NOT EXISTS event_reports_rank ON event_reports (event_id, rank);
";

/// Upgrades a version-1 store to version 2, in one transaction.
pub fn to_version_2(db: &dyn Database) -> Result<(), StoreError> {
    let transaction = WriteTransaction::begin(db)?;
    for column in ADDED_COLUMNS {
        db.batch(&format!("ALTER TABLE event_reports ADD COLUMN {column}"))?;
    }
    let reports = db.query(
        "SELECT r.id, r.json, d.published, d.content_hash FROM event_reports r
         JOIN documents d ON d.id = r.document_id",
        &[],
    )?;
    for row in reports {
        let event: Event = serde_json::from_str(&row.get::<String>(1)?)?;
        let published: Option<String> = row.get(2)?;
        let report = Report::new(&event, published.as_deref(), &row.get::<String>(3)?);
        merge::record_facts(db, row.get(0)?, &report)?;
    }
    db.batch("UPDATE meta SET value = '2' WHERE key = 'schema_version'")?;
    transaction.commit()
}
