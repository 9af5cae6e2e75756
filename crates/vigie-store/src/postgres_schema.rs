//! The PostgreSQL store's tables: numbered migrations (`postgres/NNNN-*.sql`), each
//! applied once and in order, in one transaction that holds the store's write lock, so
//! that workers starting together neither race nor apply one twice. The `meta` table
//! records the last migration applied, the schema version it gives (the SQLite store's
//! numbering) and the count of committed writes that [`crate::Store::data_version`]
//! reads.

use crate::database::{Database, WriteTransaction, values};
use crate::{SCHEMA_VERSION, StoreError};

/// The migrations, in order: number and SQL.
const MIGRATIONS: [(i64, &str); 2] = [
    (1, include_str!("postgres/0001-schema.sql")),
    (2, include_str!("postgres/0002-watches.sql")),
];

/// Brings the database's tables up to the last migration.
pub fn migrate(db: &dyn Database) -> Result<(), StoreError> {
    let transaction = WriteTransaction::begin(db)?;
    db.batch("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")?;
    let applied: i64 = match db.query_row("SELECT value FROM meta WHERE key = 'migration'", &[])? {
        Some(row) => row
            .get::<String>(0)?
            .parse()
            .map_err(|_| StoreError::Invalid("meta.migration is not a number".into()))?,
        None => 0,
    };
    for (number, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > applied) {
        db.batch(sql)?;
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('migration', ?1)
             ON CONFLICT (key) DO UPDATE SET value = ?1",
            &values![number.to_string()],
        )?;
    }
    for (key, value) in [("schema_version", SCHEMA_VERSION), ("data_version", "0")] {
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            &values![key, value],
        )?;
    }
    let found: String = db
        .query_row("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
        .map_or(Ok(String::new()), |row| row.get(0))?;
    if found != SCHEMA_VERSION {
        return Err(StoreError::Version { found });
    }
    transaction.commit()
}
