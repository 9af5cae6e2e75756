//! Saved searches ("watches") and their alerts.
//!
//! A watch is a named event filter, kept as the canonical query string of
//! `/api/events` ([`crate::params::canonical_query`]), with an optional webhook. Each
//! write transaction that stores event reports also matches the events those reports
//! belong to against every watch and records one alert per watch and event, in the same
//! transaction: an event is alerted in the batch that stored it, once, however often the
//! batch is retried, and whichever process (an `ingest`, a worker, the API) wrote it.
//! Each watch keeps the id of the last report it was matched against, so nothing
//! stored before the watch existed is alerted.
//!
//! Webhook deliveries are claimed with a lease before they are sent, so that two
//! processes delivering at once never send one alert twice, and recorded when the
//! receiver answered; a failed one is tried again later, with a growing delay.

use serde::Serialize;

use crate::database::{Database, WriteTransaction, values};
use crate::params::canonical_query;
use crate::query::{EventFilter, EventRow};
use crate::{Store, StoreError};

/// How long a claimed delivery is reserved for the process that claimed it, in seconds.
pub const DELIVERY_LEASE_SECONDS: i64 = 120;

/// Delivery attempts before an alert's webhook delivery is given up.
pub const MAX_DELIVERY_ATTEMPTS: i64 = 8;

/// A saved search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Watch {
    /// Store id.
    pub id: i64,
    /// Its name, unique in the store.
    pub name: String,
    /// The `/api/events` query string it filters by (canonical form).
    pub filter: String,
    /// The URL its alerts are posted to, if any.
    pub webhook: Option<String>,
    /// When it was saved (seconds since the Unix epoch).
    pub created_at: i64,
    /// Alerts recorded for it.
    pub alerts: i64,
    /// Id of its newest alert (0 when none): a reader compares it with the last one seen.
    pub last_alert_id: i64,
}

/// An event that matched a watch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Store id.
    pub id: i64,
    /// The watch it matched.
    pub watch_id: i64,
    /// When it was recorded (seconds since the Unix epoch).
    pub created_at: i64,
    /// Delivery to the watch's webhook: `delivered`, `pending`, `failed` (given up) or
    /// `none` (the watch has no webhook).
    pub delivery: String,
    /// The event as it is now.
    pub event: EventRow,
}

/// An alert whose webhook delivery is due, claimed by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The alert.
    pub alert: Alert,
    /// The watch's name.
    pub watch_name: String,
    /// Where to post it.
    pub webhook: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

impl Store {
    /// Saves a search: `filter` is an `/api/events` query string (`type=ASSAULT&country=IQ`).
    /// Only events reported from now on are alerted.
    pub fn add_watch(
        &mut self,
        name: &str,
        filter: &str,
        webhook: Option<&str>,
    ) -> Result<Watch, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a saved search needs a name".into()));
        }
        let filter = canonical_query(filter)?;
        if filter.is_empty() {
            return Err(StoreError::Invalid(format!(
                "saved search {name:?}: its filter is empty (it would match every event)"
            )));
        }
        if let Some(url) = webhook
            && !(["http://", "https://"]
                .iter()
                .any(|scheme| url.to_ascii_lowercase().starts_with(scheme))
                && vigie_core::url_host(url).is_some())
        {
            return Err(StoreError::Invalid(format!(
                "saved search {name:?}: webhook {url:?} is not an http:// or https:// URL"
            )));
        }
        let db = self.database.as_ref();
        let transaction = WriteTransaction::begin(db)?;
        if db
            .query_row("SELECT id FROM watches WHERE name = ?1", &values![name])?
            .is_some()
        {
            return Err(StoreError::Invalid(format!(
                "a saved search named {name:?} exists already"
            )));
        }
        let last_report = last_report_id(db)?;
        db.insert(
            "INSERT INTO watches (name, filter, webhook, created_at, checked_report_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &values![name, &filter, webhook, crate::unix_now(), last_report],
        )?;
        crate::write::mark_changed(db)?;
        transaction.commit()?;
        self.watch(name)?
            .ok_or_else(|| StoreError::Invalid(format!("saved search {name:?} vanished")))
    }

    /// Deletes a saved search (by id or name) and its alerts; false when there is none.
    pub fn remove_watch(&mut self, id_or_name: &str) -> Result<bool, StoreError> {
        let Some(watch) = self.watch(id_or_name)? else {
            return Ok(false);
        };
        let db = self.database.as_ref();
        let transaction = WriteTransaction::begin(db)?;
        db.execute("DELETE FROM alerts WHERE watch_id = ?1", &values![watch.id])?;
        db.execute("DELETE FROM watches WHERE id = ?1", &values![watch.id])?;
        crate::write::mark_changed(db)?;
        transaction.commit()?;
        Ok(true)
    }

    /// Every saved search, in the order they were saved.
    pub fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.watch_rows("", &[])
    }

    /// A saved search by id or by name.
    pub fn watch(&self, id_or_name: &str) -> Result<Option<Watch>, StoreError> {
        let found = match id_or_name.parse::<i64>() {
            Ok(id) => self.watch_rows("WHERE w.id = ?1", &values![id])?,
            Err(_) => self.watch_rows("WHERE w.name = ?1", &values![id_or_name])?,
        };
        Ok(found.into_iter().next())
    }

    fn watch_rows(
        &self,
        condition: &str,
        parameters: &[crate::database::Value],
    ) -> Result<Vec<Watch>, StoreError> {
        self.database
            .query(
                &format!(
                    "SELECT w.id, w.name, w.filter, w.webhook, w.created_at,
                            (SELECT count(*) FROM alerts a WHERE a.watch_id = w.id),
                            (SELECT coalesce(max(a.id), 0) FROM alerts a WHERE a.watch_id = w.id)
                     FROM watches w {condition} ORDER BY w.id"
                ),
                parameters,
            )?
            .iter()
            .map(|r| {
                Ok(Watch {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    filter: r.get(2)?,
                    webhook: r.get(3)?,
                    created_at: r.get(4)?,
                    alerts: r.get(5)?,
                    last_alert_id: r.get(6)?,
                })
            })
            .collect()
    }

    /// The newest alerts of a watch (at most `limit`), newest first.
    pub fn alerts(&self, watch_id: i64, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let rows = self.database.query(
            "SELECT a.id, a.event_id, a.created_at,
                    CASE WHEN w.webhook IS NULL THEN 'none'
                         WHEN a.delivered_at IS NOT NULL THEN 'delivered'
                         WHEN a.attempts >= ?3 THEN 'failed' ELSE 'pending' END
             FROM alerts a JOIN watches w ON w.id = a.watch_id
             WHERE a.watch_id = ?1 ORDER BY a.id DESC LIMIT ?2",
            &values![
                watch_id,
                limit.min(i64::MAX as usize) as i64,
                MAX_DELIVERY_ATTEMPTS
            ],
        )?;
        let mut alerts = Vec::with_capacity(rows.len());
        for row in rows {
            let event_id: i64 = row.get(1)?;
            if let Some(event) = self.event(event_id)? {
                alerts.push(Alert {
                    id: row.get(0)?,
                    watch_id,
                    created_at: row.get(2)?,
                    delivery: row.get(3)?,
                    event,
                });
            }
        }
        Ok(alerts)
    }

    /// One event by id.
    pub fn event(&self, id: i64) -> Result<Option<EventRow>, StoreError> {
        let filter = EventFilter {
            id: Some(id),
            limit: 1,
            ..EventFilter::default()
        };
        Ok(self.events(&filter)?.pop())
    }

    /// Claims up to `limit` alerts whose webhook delivery is due (never tried, or failed
    /// and waited long enough), oldest first: each is reserved for
    /// [`DELIVERY_LEASE_SECONDS`], so that another process does not send it meanwhile.
    /// Report the outcome of each with [`Store::record_delivery`].
    pub fn claim_deliveries(&mut self, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        const DUE: &str = "SELECT a.id, a.watch_id, a.created_at, a.event_id, a.attempts,
                                  w.name, w.webhook
             FROM alerts a JOIN watches w ON w.id = a.watch_id
             WHERE w.webhook IS NOT NULL AND a.delivered_at IS NULL AND a.attempts < ?1
               AND a.retry_at <= ?2
             ORDER BY a.id LIMIT ?3";
        let now = crate::unix_now();
        let db = self.database.as_ref();
        let parameters = values![
            MAX_DELIVERY_ATTEMPTS,
            now,
            limit.min(i64::MAX as usize) as i64
        ];
        // Most calls find nothing due: they do not take the write lock.
        if db.query_row(DUE, &parameters)?.is_none() {
            return Ok(Vec::new());
        }
        let transaction = WriteTransaction::begin(db)?;
        let due = db.query(DUE, &parameters)?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in &due {
            let id: i64 = row.get(0)?;
            db.execute(
                "UPDATE alerts SET retry_at = ?2 WHERE id = ?1",
                &values![id, now + DELIVERY_LEASE_SECONDS],
            )?;
            claimed.push((id, row.get::<i64>(3)?, row.clone()));
        }
        transaction.commit()?;
        let mut deliveries = Vec::with_capacity(claimed.len());
        for (id, event_id, row) in claimed {
            // An event merged away since has its alert moved to the event it joined.
            let Some(event) = self.event(event_id)? else {
                continue;
            };
            deliveries.push(Delivery {
                alert: Alert {
                    id,
                    watch_id: row.get(1)?,
                    created_at: row.get(2)?,
                    delivery: "pending".into(),
                    event,
                },
                attempts: row.get(4)?,
                watch_name: row.get(5)?,
                webhook: row.get(6)?,
            });
        }
        Ok(deliveries)
    }

    /// Records the outcome of a claimed delivery: delivered, or failed with a reason and
    /// the number of seconds to wait before the next attempt.
    pub fn record_delivery(
        &mut self,
        alert_id: i64,
        outcome: Result<(), (String, i64)>,
    ) -> Result<(), StoreError> {
        let now = crate::unix_now();
        let db = self.database.as_ref();
        let transaction = WriteTransaction::begin(db)?;
        match outcome {
            Ok(()) => db.execute(
                "UPDATE alerts SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL
                 WHERE id = ?1",
                &values![alert_id, now],
            )?,
            Err((error, wait)) => db.execute(
                "UPDATE alerts SET attempts = attempts + 1, last_error = ?2, retry_at = ?3
                 WHERE id = ?1",
                &values![alert_id, error, now + wait.max(0)],
            )?,
        };
        crate::write::mark_changed(db)?;
        transaction.commit()
    }
}

/// Inside a write transaction, after reports were stored: matches the events of the
/// reports no watch has seen yet against every watch, records an alert per watch and
/// matching event, and moves each watch past those reports.
pub(crate) fn record_alerts(store: &Store) -> Result<(), StoreError> {
    let db = store.database.as_ref();
    let watches = db.query("SELECT id, filter, checked_report_id FROM watches", &[])?;
    if watches.is_empty() {
        return Ok(());
    }
    let last_report = last_report_id(db)?;
    let now = crate::unix_now();
    for watch in watches {
        let (id, filter, checked): (i64, String, i64) =
            (watch.get(0)?, watch.get(1)?, watch.get(2)?);
        if checked >= last_report {
            continue;
        }
        let mut filter = EventFilter::from_query(&filter)?;
        filter.reported_after = Some(checked);
        for event_id in store.event_ids(&filter)? {
            db.execute(
                "INSERT INTO alerts (watch_id, event_id, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (watch_id, event_id) DO NOTHING",
                &values![id, event_id, now],
            )?;
        }
        db.execute(
            "UPDATE watches SET checked_report_id = ?2 WHERE id = ?1",
            &values![id, last_report],
        )?;
    }
    Ok(())
}

/// The id of the last event report stored (0 when there is none).
fn last_report_id(db: &dyn Database) -> Result<i64, StoreError> {
    db.query_row("SELECT coalesce(max(id), 0) FROM event_reports", &[])?
        .map_or(Ok(0), |row| row.get(0))
}

/// Inside a merge: the alerts of event `absorbed` move to the event `kept` that absorbs
/// it (an alert the kept event already has for the same watch stands for both).
pub(crate) fn move_alerts(db: &dyn Database, absorbed: i64, kept: i64) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM alerts WHERE event_id = ?1
           AND watch_id IN (SELECT watch_id FROM alerts WHERE event_id = ?2)",
        &values![absorbed, kept],
    )?;
    db.execute(
        "UPDATE alerts SET event_id = ?2 WHERE event_id = ?1",
        &values![absorbed, kept],
    )?;
    Ok(())
}
