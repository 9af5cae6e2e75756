//! A fixed pool of store connections: several readers and one writer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use vigie_store::{Location, Store, StoreError};

/// Store connections shared by the handlers.
pub struct Pool {
    readers: Vec<Mutex<Store>>,
    /// `None` when the server does not write (no token): the database may then be
    /// read-only.
    writer: Option<Mutex<Store>>,
    next: AtomicUsize,
}

impl Pool {
    /// Opens `readers` read-only connections to `db`, and a write connection when
    /// `writable`. A missing database (a SQLite file, PostgreSQL tables) is created
    /// (empty) first.
    pub fn open(db: &Location, readers: usize, writable: bool) -> Result<Self, StoreError> {
        let missing = match db {
            Location::File(path) => !path.exists(),
            Location::Postgres(_) => true,
        };
        let writer = if writable || missing {
            Some(Store::connect(db)?)
        } else {
            None
        };
        Ok(Pool {
            readers: (0..readers.max(1))
                .map(|_| Store::connect_read_only(db).map(Mutex::new))
                .collect::<Result<_, _>>()?,
            writer: writer.filter(|_| writable).map(Mutex::new),
            next: AtomicUsize::new(0),
        })
    }

    /// A free read connection, else the next one in turn.
    pub fn reader(&self) -> MutexGuard<'_, Store> {
        for reader in &self.readers {
            if let Ok(guard) = reader.try_lock() {
                return guard;
            }
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        self.readers[turn]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The write connection, if the pool was opened writable.
    pub fn writer(&self) -> Option<MutexGuard<'_, Store>> {
        self.writer.as_ref().map(|writer| {
            writer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        })
    }
}
