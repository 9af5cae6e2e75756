//! The Vigie store: analysed documents, their annotations and the events they report, in
//! an embedded SQLite database (WAL, full-text search with FTS5) or in PostgreSQL (its own
//! full-text search), behind one interface: the stages, the server and the exports do not
//! know which ([`database`]).
//!
//! Writes are batched: every batch is one transaction that records each input's origin
//! together with what it produced, so a run killed at any moment and started again
//! neither loses nor duplicates anything. Exact and near-duplicate articles are linked
//! ([`simhash`]), and events reported by several articles are merged into one event with
//! its reports and distinct sources ([`merge`]); writers take turns at merging, so
//! several processes or machines may write to one store at once.

pub mod browse;
pub mod database;
pub mod export;
pub mod merge;
pub mod params;
mod postgres_schema;
pub mod query;
pub mod scratch;
pub mod simhash;
mod upgrade;
pub mod watch;
mod write;

use std::collections::HashSet;
use std::path::Path;

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

pub use browse::{DocumentHit, DocumentLink, ReportRow, Tally};
use database::{Database, Dialect, Postgres, Sqlite, values};
pub use query::{EventFilter, EventRow, parse_point};
pub use watch::{Alert, Delivery, Watch};
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
    /// PostgreSQL refused an operation or could not be reached.
    #[error("database: {0}")]
    Postgres(#[from] postgres::Error),
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

/// Where a store is: a SQLite file, or a PostgreSQL server given by a
/// `postgres://user@host:port/database` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file.
    File(std::path::PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL is a server, anything else a file path.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_owned())
        } else {
            Location::File(text.into())
        }
    }

    /// The location as a command-line argument (`--db`) that [`Location::parse`] reads
    /// back: the path, or the whole URL, password included (unlike `Display`).
    pub fn to_argument(&self) -> std::ffi::OsString {
        match self {
            Location::File(path) => path.as_os_str().to_owned(),
            Location::Postgres(url) => url.into(),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            // The URL without its password, if it has one.
            Location::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if url[scheme + 3..at].contains(':') => {
                    let user_end = scheme + 3 + url[scheme + 3..at].find(':').unwrap_or(0);
                    write!(f, "{}:***{}", &url[..user_end], &url[at..])
                }
                _ => f.write_str(url),
            },
        }
    }
}

impl std::str::FromStr for Location {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Location::parse(text))
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Location::parse(&path.to_string_lossy())
    }
}

/// An open store.
pub struct Store {
    database: Box<dyn Database>,
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
    /// Opens (creating if needed) the store at `location`: a SQLite file, or a
    /// PostgreSQL database given by a `postgres://` URL (the database must exist; the
    /// store's tables are created in it).
    pub fn connect(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(path) => Self::open(path),
            Location::Postgres(url) => Self::open_postgres(url, false),
        }
    }

    /// Opens the store at `location` for reading only: nothing is created or changed (a
    /// missing SQLite file is an error that says how to make one).
    pub fn connect_read_only(location: &Location) -> Result<Self, StoreError> {
        if let Location::File(path) = location
            && !path.exists()
        {
            return Err(StoreError::Invalid(format!(
                "{}: no such database (run `vigie ingest … --db {}` first)",
                path.display(),
                path.display()
            )));
        }
        match location {
            Location::File(path) => Self::open_read_only(path),
            Location::Postgres(url) => Self::open_postgres(url, true),
        }
    }

    /// Opens (creating if needed) the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init_sqlite(Connection::open(path)?)
    }

    /// Opens an existing SQLite database for reading only: nothing is created or
    /// changed, so a database on read-only media or without write permission can be
    /// served and queried. Writing through it fails.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        use rusqlite::OpenFlags;
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        register_functions(&connection)?;
        let store = Store {
            database: Box::new(Sqlite::new(connection)),
        };
        let found = store.schema_version().map_err(|e| {
            StoreError::Invalid(format!("{}: not a Vigie database ({e})", path.display()))
        })?;
        match found {
            Some(v) if [OLDEST_SCHEMA_VERSION, SCHEMA_VERSION].contains(&v.as_str()) => Ok(store),
            found => Err(StoreError::Version {
                found: found.unwrap_or_default(),
            }),
        }
    }

    /// A SQLite store in memory, for tests and one-off runs.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init_sqlite(Connection::open_in_memory()?)
    }

    /// Connects to PostgreSQL at `url`; unless `read_only`, creates or upgrades the
    /// store's tables (versioned migrations, one writer at a time).
    fn open_postgres(url: &str, read_only: bool) -> Result<Self, StoreError> {
        let client = postgres::Client::connect(url, postgres::NoTls)?;
        let store = Store {
            database: Box::new(Postgres::new(client)),
        };
        if read_only {
            store
                .database
                .batch("SET default_transaction_read_only = on")?;
            return match store.schema_version()? {
                Some(v) if v == SCHEMA_VERSION => Ok(store),
                found => Err(StoreError::Version {
                    found: found.unwrap_or_else(|| "none (no Vigie tables)".into()),
                }),
            };
        }
        postgres_schema::migrate(store.database.as_ref())?;
        Ok(store)
    }

    fn init_sqlite(connection: Connection) -> Result<Self, StoreError> {
        // First: every statement below may wait for another process's write.
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // Large pages: documents are stored whole; fewer, larger writes. Only takes
        // effect when the database is created.
        connection.pragma_update(None, "page_size", 16384)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        register_functions(&connection)?;
        connection.execute_batch(include_str!("schema.sql"))?;
        let store = Store {
            database: Box::new(Sqlite::new(connection)),
        };
        match store.schema_version()?.as_deref() {
            None => {
                store.database.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    &values![SCHEMA_VERSION],
                )?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(OLDEST_SCHEMA_VERSION) => upgrade::to_version_2(store.database.as_ref())?,
            Some(found) => {
                return Err(StoreError::Version {
                    found: found.to_owned(),
                });
            }
        }
        store.database.batch(upgrade::INDEXES)?;
        Ok(store)
    }

    /// The schema version the store records, if it records one.
    fn schema_version(&self) -> Result<Option<String>, StoreError> {
        self.database
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
            .map(|row| row.get(0))
            .transpose()
    }

    /// Which engine holds the store.
    pub fn dialect(&self) -> Dialect {
        self.database.dialect()
    }

    /// The origins of every input already processed (stored, duplicate, and failed
    /// unless `retry_failed`): an ingest skips them.
    pub fn processed_origins(&self, retry_failed: bool) -> Result<HashSet<String>, StoreError> {
        let sql = if retry_failed {
            "SELECT origin FROM inputs WHERE status != 'failed'"
        } else {
            "SELECT origin FROM inputs"
        };
        self.database
            .query(sql, &[])?
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    /// The inputs recorded as failed, with their errors, by origin.
    pub fn failed_inputs(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.database
            .query(
                "SELECT origin, coalesce(error, '') FROM inputs WHERE status = 'failed'
                 ORDER BY origin",
                &[],
            )?
            .iter()
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .collect()
    }

    /// A number that changes whenever a write to the store commits (from this process
    /// or another): SQLite's `data_version`, PostgreSQL's count of committed writes.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "PRAGMA data_version",
            Dialect::Postgres => "SELECT value::bigint FROM meta WHERE key = 'data_version'",
        };
        self.database
            .query_row(sql, &[])?
            .map_or(Ok(0), |row| row.get(0))
    }

    /// How much the store holds.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            let row = self.database.query_row(sql, &[])?;
            Ok(row.map_or(Ok(0), |r| r.get::<i64>(0))? as u64)
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
        match self.database.query_row(
            "SELECT etag, last_modified FROM feeds WHERE url = ?1",
            &values![url],
        )? {
            Some(row) => Ok((row.get(0)?, row.get(1)?)),
            None => Ok((None, None)),
        }
    }

    /// Records a feed's validators after its items are stored.
    pub fn set_feed_validators(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<(), StoreError> {
        self.database.execute(
            "INSERT INTO feeds (url, etag, last_modified, polled_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO UPDATE SET etag = ?2, last_modified = ?3, polled_at = ?4",
            &values![url, etag, last_modified, unix_now()],
        )?;
        Ok(())
    }

    /// The stored document with this row id, as the pipeline produced it.
    pub fn document(&self, id: i64) -> Result<Option<vigie_core::Document>, StoreError> {
        let row = self
            .database
            .query_row("SELECT json FROM documents WHERE id = ?1", &values![id])?;
        match row {
            Some(row) => Ok(Some(serde_json::from_str(&row.get::<String>(0)?)?)),
            None => Ok(None),
        }
    }
}

/// The statement cache and the SQL functions queries use (PostgreSQL's are created with
/// its tables).
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

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn a_location_is_a_file_or_a_url_shown_without_its_password() {
        let url = "postgres://vigie:secret@db.example:5432/vigie";
        let server = Location::parse(url);
        assert_eq!(server, Location::Postgres(url.into()));
        assert_eq!(
            server.to_string(),
            "postgres://vigie:***@db.example:5432/vigie"
        );
        assert_eq!(
            Location::parse(server.to_argument().to_str().unwrap()),
            server
        );
        let file = Location::parse("stores/vigie.db");
        assert_eq!(file, Location::File("stores/vigie.db".into()));
        assert_eq!(file.to_argument(), "stores/vigie.db");
    }
}
