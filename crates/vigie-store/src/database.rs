//! Where a store lives — an embedded SQLite file or a PostgreSQL server — behind one
//! small interface, [`Database`], that the store's statements are written against once.
//!
//! Statements are SQL both engines read, with numbered parameters (`?1`, `?2` …) bound
//! to plain [`Value`]s; rows come back as [`Row`]s of the same values. The few things
//! the engines do differently (full-text search, aggregating strings, reading stored
//! JSON, taking the write lock) are asked of the [`Dialect`].

use std::cell::RefCell;
use std::collections::HashMap;

use crate::StoreError;

/// A value bound to a parameter or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer (SQLite `INTEGER`, PostgreSQL `BIGINT`; booleans are 0 or 1).
    Integer(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Integer(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Integer(i64::from(value))
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Real(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Value::Text(value.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

/// The parameters of a statement, each converted to a [`Value`].
macro_rules! values {
    ($($value:expr),* $(,)?) => {
        [$($crate::database::Value::from($value)),*]
    };
}
pub(crate) use values;

/// A Rust type a column's [`Value`] converts to.
pub trait FromValue: Sized {
    /// The value as this type, `None` when it is of another kind.
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Real(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Option<Self> {
        Some(value.clone())
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// One row of a query's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `index` as `T`; an error names the column when it is missing or of
    /// another kind.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, StoreError> {
        let value = self.0.get(index).ok_or_else(|| {
            StoreError::Invalid(format!("column {index} of a row of {}", self.0.len()))
        })?;
        T::from_value(value).ok_or_else(|| {
            StoreError::Invalid(format!(
                "column {index} holds {value:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// The SQL engine behind a store, for the few statements written differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite (FTS5 for text search).
    Sqlite,
    /// A PostgreSQL server (its own text search, French and English configurations).
    Postgres,
}

impl Dialect {
    /// The statements that begin a write transaction holding the store's write lock,
    /// so that concurrent writers (processes, workers on other machines) take turns
    /// at merging events.
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            // One lock for every writer of this database (the key is arbitrary but fixed).
            Dialect::Postgres => "BEGIN; SELECT pg_advisory_xact_lock(7306592475328361729)",
        }
    }

    /// The distinct `column` values of a group, comma-separated.
    pub fn distinct_list(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("group_concat(DISTINCT {column})"),
            Dialect::Postgres => format!("string_agg(DISTINCT {column}, ',')"),
        }
    }

    /// The integer field `field` of the JSON text in `column`.
    pub fn json_integer(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("({column}::jsonb ->> '{field}')::bigint"),
        }
    }
}

/// A connection to the database of a store.
pub trait Database: Send {
    /// Which engine it is.
    fn dialect(&self) -> Dialect;

    /// Runs one statement; returns the number of rows it changed.
    fn execute(&self, sql: &str, parameters: &[Value]) -> Result<u64, StoreError>;

    /// Runs one query; returns its rows.
    fn query(&self, sql: &str, parameters: &[Value]) -> Result<Vec<Row>, StoreError>;

    /// Runs statements separated by `;`, without parameters.
    fn batch(&self, sql: &str) -> Result<(), StoreError>;

    /// The first row of a query, if any.
    fn query_row(&self, sql: &str, parameters: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, parameters)?.into_iter().next())
    }

    /// Runs an `INSERT` into a table with an `id` key; returns the new row's id.
    fn insert(&self, sql: &str, parameters: &[Value]) -> Result<i64, StoreError> {
        self.query_row(&format!("{sql} RETURNING id"), parameters)?
            .ok_or_else(|| StoreError::Invalid(format!("no id returned by {sql}")))?
            .get(0)
    }
}

/// A write transaction: committed by [`WriteTransaction::commit`], rolled back when
/// dropped before (an error, a panic).
pub struct WriteTransaction<'a> {
    database: &'a dyn Database,
    open: bool,
}

impl<'a> WriteTransaction<'a> {
    /// Begins a transaction that holds the store's write lock.
    pub fn begin(database: &'a dyn Database) -> Result<Self, StoreError> {
        database.batch(database.dialect().begin_write())?;
        Ok(WriteTransaction {
            database,
            open: true,
        })
    }

    /// Commits it.
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.open = false;
        self.database.batch("COMMIT")
    }
}

impl Drop for WriteTransaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // The error that made us drop it is the one to report.
            let _ = self.database.batch("ROLLBACK");
        }
    }
}

/// An embedded SQLite database.
pub struct Sqlite {
    connection: rusqlite::Connection,
}

impl Sqlite {
    /// Wraps an open connection.
    pub fn new(connection: rusqlite::Connection) -> Self {
        Sqlite { connection }
    }

    /// The connection, for what only SQLite has (pragmas, upgrades).
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.connection
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

impl Database for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, parameters: &[Value]) -> Result<u64, StoreError> {
        let changed = self
            .connection
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(parameters))?;
        Ok(changed as u64)
    }

    fn query(&self, sql: &str, parameters: &[Value]) -> Result<Vec<Row>, StoreError> {
        use rusqlite::types::Value as Column;
        let mut statement = self.connection.prepare_cached(sql)?;
        let width = statement.column_count();
        let rows = statement.query_map(rusqlite::params_from_iter(parameters), |row| {
            (0..width)
                .map(|i| {
                    Ok(match row.get::<_, Column>(i)? {
                        Column::Null => Value::Null,
                        Column::Integer(i) => Value::Integer(i),
                        Column::Real(f) => Value::Real(f),
                        Column::Text(t) => Value::Text(t),
                        Column::Blob(b) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
                    })
                })
                .collect::<rusqlite::Result<Vec<Value>>>()
                .map(Row)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.connection.execute_batch(sql)?)
    }
}

/// A PostgreSQL database, over one connection; statements are prepared once per
/// connection.
pub struct Postgres {
    /// The client; `None` only while it is being dropped.
    client: RefCell<Option<postgres::Client>>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
}

impl Postgres {
    /// Wraps an open client.
    pub fn new(client: postgres::Client) -> Self {
        Postgres {
            client: RefCell::new(Some(client)),
            statements: RefCell::new(HashMap::new()),
        }
    }

    fn client(&self) -> std::cell::RefMut<'_, postgres::Client> {
        std::cell::RefMut::map(self.client.borrow_mut(), |client| {
            client
                .as_mut()
                .expect("the client lives until the back-end is dropped")
        })
    }

    /// The statement for `sql` with `?N` parameters, written for PostgreSQL (`$N`, typed
    /// from its value so that no parameter's type is left for the server to guess), and
    /// prepared once.
    fn statement(
        &self,
        sql: &str,
        parameters: &[Value],
    ) -> Result<postgres::Statement, StoreError> {
        let sql = numbered_parameters(sql, parameters);
        if let Some(statement) = self.statements.borrow().get(&sql) {
            return Ok(statement.clone());
        }
        let statement = self.client().prepare(&sql)?;
        self.statements.borrow_mut().insert(sql, statement.clone());
        Ok(statement)
    }
}

/// `sql` with each `?N` written `$N`, cast to the type of the N-th value (a `NULL` is
/// left for the server to type from where it stands).
fn numbered_parameters(sql: &str, parameters: &[Value]) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '?' {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        out.push('$');
        out.push_str(&digits);
        let cast = digits
            .parse::<usize>()
            .ok()
            .and_then(|n| parameters.get(n.wrapping_sub(1)))
            .and_then(|value| match value {
                Value::Null => None,
                Value::Integer(_) => Some("::bigint"),
                Value::Real(_) => Some("::float8"),
                Value::Text(_) => Some("::text"),
            });
        out.push_str(cast.unwrap_or(""));
    }
    out
}

impl Drop for Postgres {
    /// The synchronous client closes its connection by blocking on a runtime of its own,
    /// which panics on a thread that drives an async runtime (a server's, a worker's):
    /// it is closed on a thread of its own, wherever the store is dropped.
    fn drop(&mut self) {
        self.statements.get_mut().clear();
        if let Some(client) = self.client.get_mut().take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Integer(i) => i.to_sql(ty, out),
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(t) => t.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        // Each value is cast to its own type in the statement (see `numbered_parameters`).
        true
    }

    postgres::types::to_sql_checked!();
}

impl<'a> postgres::types::FromSql<'a> for Value {
    fn from_sql(
        ty: &postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        Ok(match *ty {
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(
        _: &postgres::types::Type,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        use postgres::types::Type;
        [
            Type::INT8,
            Type::INT4,
            Type::INT2,
            Type::BOOL,
            Type::FLOAT8,
            Type::FLOAT4,
        ]
        .contains(ty)
            || <String as postgres::types::FromSql>::accepts(ty)
    }
}

impl Database for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, parameters: &[Value]) -> Result<u64, StoreError> {
        let statement = self.statement(sql, parameters)?;
        let parameters: Vec<&(dyn postgres::types::ToSql + Sync)> =
            parameters.iter().map(|v| v as _).collect();
        Ok(self.client().execute(&statement, &parameters)?)
    }

    fn query(&self, sql: &str, parameters: &[Value]) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql, parameters)?;
        let parameters: Vec<&(dyn postgres::types::ToSql + Sync)> =
            parameters.iter().map(|v| v as _).collect();
        let rows = self.client().query(&statement, &parameters)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<_, Value>(i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
                    .map_err(StoreError::from)
            })
            .collect()
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.client().batch_execute(sql)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_and_typed_for_postgres() {
        let sql = numbered_parameters(
            "SELECT id FROM t WHERE a = ?1 AND (?2 IS NULL OR b = ?2) AND c BETWEEN ?3 - ?10",
            &[
                Value::Text("x".into()),
                Value::Null,
                Value::Integer(3),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Real(1.5),
            ],
        );
        assert_eq!(
            sql,
            "SELECT id FROM t WHERE a = $1::text AND ($2 IS NULL OR b = $2) \
             AND c BETWEEN $3::bigint - $10::float8"
        );
    }

    #[test]
    fn rows_convert_to_rust_types_and_name_mismatches() {
        let row = Row(vec![
            Value::Integer(4),
            Value::Null,
            Value::Text("a".into()),
        ]);
        assert_eq!(row.get::<i64>(0).unwrap(), 4);
        assert_eq!(row.get::<f64>(0).unwrap(), 4.0);
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert_eq!(row.get::<String>(2).unwrap(), "a");
        assert!(
            row.get::<i64>(2)
                .unwrap_err()
                .to_string()
                .contains("column 2")
        );
        assert!(row.get::<i64>(3).is_err());
    }

    #[test]
    fn sqlite_binds_and_reads_every_kind_of_value() {
        let db = Sqlite::new(rusqlite::Connection::open_in_memory().unwrap());
        db.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b REAL)")
            .unwrap();
        let id = db
            .insert("INSERT INTO t (a, b) VALUES (?1, ?2)", &values!["x", 0.5])
            .unwrap();
        let row = db
            .query_row("SELECT id, a, b, NULL FROM t WHERE id = ?1", &values![id])
            .unwrap()
            .unwrap();
        assert_eq!(row.get::<String>(1).unwrap(), "x");
        assert_eq!(row.get::<f64>(2).unwrap(), 0.5);
        assert_eq!(row.get::<Option<i64>>(3).unwrap(), None);
        {
            let _rolled_back = WriteTransaction::begin(&db).unwrap();
            db.execute("DELETE FROM t", &[]).unwrap();
        }
        assert_eq!(db.query("SELECT id FROM t", &[]).unwrap().len(), 1);
    }
}
