//! A fixed pool of store connections: several readers and one writer.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use vigie_store::{Store, StoreError};

/// Store connections shared by the handlers.
pub struct Pool {
    readers: Vec<Mutex<Store>>,
    writer: Mutex<Store>,
    next: AtomicUsize,
}

impl Pool {
    /// Opens `readers` read connections and one write connection to `db`.
    pub fn open(db: &Path, readers: usize) -> Result<Self, StoreError> {
        Ok(Pool {
            readers: (0..readers.max(1))
                .map(|_| Store::open(db).map(Mutex::new))
                .collect::<Result<_, _>>()?,
            writer: Mutex::new(Store::open(db)?),
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

    /// The write connection.
    pub fn writer(&self) -> MutexGuard<'_, Store> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
