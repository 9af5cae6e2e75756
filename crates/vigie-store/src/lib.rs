//! The Vigie store: analysed documents, their annotations and the events they report, in
//! an embedded SQLite database (WAL, full-text search with FTS5).
//!
//! Writes are batched: every batch is one transaction that records each input's origin
//! together with what it produced, so a run killed at any moment and started again
//! neither loses nor duplicates anything. Exact and near-duplicate articles are linked
//! ([`simhash`]), and events reported by several articles are merged into one event with
//! its reports and distinct sources ([`merge`]).

pub mod browse;
pub mod export;
pub mod merge;
pub mod query;
pub mod simhash;
mod upgrade;
mod write;

use std::collections::HashSet;
use std::path::Path;

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OptionalExtension};

pub use browse::{DocumentHit, ReportRow, Tally};
pub use query::{EventFilter, EventRow, parse_point};
pub use write::{Outcome, WriteSummary};

/// How long a statement waits for another connection's write before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Schema version this build writes and reads.
pub const SCHEMA_VERSION: &str = "2";

/// Oldest schema version this build opens: older stores are upgraded when opened for
/// writing, and read as they are.
pub const OLDEST_SCHEMA_VERSION: &str = "1";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by an incompatible version.
    #[error(
        "database schema version {found}, this build reads versions {OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}"
    )]
    Version {
        /// The version found.
        found: String,
    },
    /// A stored value could not be encoded or decoded.
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A query argument is invalid.
    #[error("{0}")]
    Invalid(String),
}

/// An open store.
pub struct Store {
    connection: Connection,
}

/// How much a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Input items seen (stored, duplicate or failed).
    pub inputs: u64,
    /// Input items that failed.
    pub failed: u64,
    /// Documents stored.
    pub documents: u64,
    /// Documents that are (near-)duplicates of an earlier one.
    pub duplicate_documents: u64,
    /// Events after merging.
    pub events: u64,
    /// Event reports (coded events in documents) before merging.
    pub reports: u64,
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init(Connection::open(path)?)
    }

    /// Opens an existing database for reading only: nothing is created or changed, so a
    /// database on read-only media or without write permission can be served and
    /// queried. Writing through it fails.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        use rusqlite::OpenFlags;
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        Self::register_functions(&connection)?;
        let found: String = connection
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| {
                StoreError::Invalid(format!("{}: not a Vigie database ({e})", path.display()))
            })?;
        if ![OLDEST_SCHEMA_VERSION, SCHEMA_VERSION].contains(&found.as_str()) {
            return Err(StoreError::Version { found });
        }
        Ok(Store { connection })
    }

    /// A store in memory, for tests and one-off runs.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut connection: Connection) -> Result<Self, StoreError> {
        // First: every statement below may wait for another process's write.
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // Large pages: documents are stored whole; fewer, larger writes. Only takes
        // effect when the database is created.
        connection.pragma_update(None, "page_size", 16384)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        Self::register_functions(&connection)?;
        connection.execute_batch(include_str!("schema.sql"))?;
        let found: Option<String> = connection
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .ok();
        match found.as_deref() {
            None => {
                connection.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION],
                )?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(OLDEST_SCHEMA_VERSION) => upgrade::to_version_2(&mut connection)?,
            Some(_) => {
                return Err(StoreError::Version {
                    found: found.unwrap_or_default(),
                });
            }
        }
        connection.execute_batch(upgrade::INDEXES)?;
        Ok(Store { connection })
    }

    /// The statement cache and the SQL functions queries use.
    fn register_functions(connection: &Connection) -> Result<(), StoreError> {
        // Every write and query statement stays prepared.
        connection.set_prepared_statement_cache_capacity(64);
        connection.create_scalar_function(
            "vigie_distance_km",
            4,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |context| {
                let point = |i: usize| -> rusqlite::Result<Option<f64>> { context.get(i) };
                Ok(match (point(0)?, point(1)?, point(2)?, point(3)?) {
                    (Some(a), Some(b), Some(c), Some(d)) => {
                        Some(vigie_core::haversine_km((a, b), (c, d)))
                    }
                    _ => None,
                })
            },
        )?;
        Ok(())
    }

    /// The origins of every input already processed (stored, duplicate, and failed
    /// unless `retry_failed`): an ingest skips them.
    pub fn processed_origins(&self, retry_failed: bool) -> Result<HashSet<String>, StoreError> {
        let sql = if retry_failed {
            "SELECT origin FROM inputs WHERE status != 'failed'"
        } else {
            "SELECT origin FROM inputs"
        };
        let mut statement = self.connection.prepare(sql)?;
        let origins = statement
            .query_map([], |row| row.get(0))?
            .collect::<Result<HashSet<String>, _>>()?;
        Ok(origins)
    }

    /// SQLite's `data_version` of this connection: it changes when another connection
    /// (in this process or another) commits.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .connection
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// How much the store holds.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            Ok(self.connection.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(Counts {
            inputs: count("SELECT count(*) FROM inputs")?,
            failed: count("SELECT count(*) FROM inputs WHERE status = 'failed'")?,
            documents: count("SELECT count(*) FROM documents")?,
            duplicate_documents: count(
                "SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL",
            )?,
            events: count("SELECT count(*) FROM events")?,
            reports: count("SELECT count(*) FROM event_reports")?,
        })
    }

    /// The `ETag` and `Last-Modified` validators of a feed's last response.
    pub fn feed_validators(
        &self,
        url: &str,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT etag, last_modified FROM feeds WHERE url = ?1",
                [url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Records a feed's validators after its items are stored.
    pub fn set_feed_validators(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<(), StoreError> {
        self.connection.execute(
            "INSERT INTO feeds (url, etag, last_modified, polled_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO UPDATE SET etag = ?2, last_modified = ?3, polled_at = ?4",
            rusqlite::params![url, etag, last_modified, unix_now()],
        )?;
        Ok(())
    }

    /// The stored document with this row id, as the pipeline produced it.
    pub fn document(&self, id: i64) -> Result<Option<vigie_core::Document>, StoreError> {
        let json: Option<String> = self
            .connection
            .query_row("SELECT json FROM documents WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .ok();
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }
}

/// Removes a database and its WAL files (`-wal`, `-shm`), if they exist.
pub fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The serde name of a unit enum value (`"toponym"`, `"anonymous"`).
pub(crate) fn serde_name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
