//! Throwaway PostgreSQL schemas: a store of its own on a shared server for each test or
//! benchmark, dropped with everything in it when done.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Location, StoreError};

/// The environment variable that names the PostgreSQL database tests use
/// (`postgres://user@host:port/database`); without it, tests run on SQLite only.
pub const TEST_DATABASE_VARIABLE: &str = "VIGIE_TEST_POSTGRES";

/// A schema created on a PostgreSQL database for one user of it, dropped when this value
/// is dropped.
pub struct ScratchSchema {
    database: String,
    name: String,
}

impl ScratchSchema {
    /// A new, empty schema on the database at `url`, named after `purpose` and unique
    /// to this process and call.
    pub fn create(url: &str, purpose: &str) -> Result<Self, StoreError> {
        static CREATED: AtomicU64 = AtomicU64::new(0);
        let purpose: String = purpose
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(24)
            .collect();
        let name = format!(
            "vigie_{purpose}_{}_{}",
            std::process::id(),
            CREATED.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(url, postgres::NoTls)?;
        client.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))?;
        Ok(ScratchSchema {
            database: url.to_owned(),
            name,
        })
    }

    /// A schema on the database [`TEST_DATABASE_VARIABLE`] names, if it names one.
    pub fn for_test(purpose: &str) -> Option<Result<Self, StoreError>> {
        let url = std::env::var(TEST_DATABASE_VARIABLE).ok()?;
        Some(Self::create(&url, purpose))
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where a store in this schema is: the database's URL, with the schema first on
    /// the search path and the schema's name as the connections' application name.
    pub fn location(&self) -> Location {
        let separator = if self.database.contains('?') {
            '&'
        } else {
            '?'
        };
        Location::Postgres(format!(
            "{}{separator}options=-csearch_path%3D{name}&application_name={name}",
            self.database,
            name = self.name
        ))
    }

    /// Ends every server connection opened through [`location`](Self::location), as a
    /// server restart does to its clients; returns how many were ended.
    pub fn end_connections(&self) -> Result<usize, StoreError> {
        let mut client = postgres::Client::connect(&self.database, postgres::NoTls)?;
        let rows = client.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&self.name],
        )?;
        Ok(rows.len())
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        // Best effort: a server gone away keeps the schema, which a later run with the
        // same name replaces.
        if let Ok(mut client) = postgres::Client::connect(&self.database, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}
