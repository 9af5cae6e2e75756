//! Writing analysed documents: one transaction per batch of input outcomes.

use vigie_core::{Document, Event, TextIndex, fnv1a, url_host};

use crate::database::{Database, Dialect, WriteTransaction, values};
use crate::merge;
use crate::simhash;
use crate::{Store, StoreError, serde_name};

/// What became of one input item.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The item was analysed into a document.
    Analysed {
        /// The item's origin.
        origin: String,
        /// The analysed document.
        document: Box<Document>,
    },
    /// The item could not be read or analysed.
    Failed {
        /// The item's origin.
        origin: String,
        /// Why (names the input).
        error: String,
    },
}

impl Outcome {
    fn origin(&self) -> &str {
        match self {
            Outcome::Analysed { origin, .. } | Outcome::Failed { origin, .. } => origin,
        }
    }
}

/// What a batch write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// New documents stored.
    pub stored: usize,
    /// Items whose text was already stored from the same URL (nothing new stored).
    pub duplicates: usize,
    /// Items recorded as failed.
    pub failed: usize,
    /// Items skipped because their origin was already processed.
    pub skipped: usize,
}

impl Store {
    /// Writes a batch of outcomes in one transaction: all of it lands or none of it does.
    ///
    /// The transaction takes the store's write lock when it begins (SQLite's `BEGIN
    /// IMMEDIATE`, a PostgreSQL advisory lock), so writers on one store — processes or
    /// workers on other machines — wait for each other instead of failing, and merge
    /// events one at a time. An input recorded as failed is replaced by a new outcome
    /// for it (a retry); other inputs already recorded are skipped, so a batch written
    /// twice (a redelivered message) changes nothing the second time.
    pub fn write(&mut self, outcomes: &[Outcome]) -> Result<WriteSummary, StoreError> {
        let now = crate::unix_now();
        let db = self.database.as_ref();
        let transaction = WriteTransaction::begin(db)?;
        let mut summary = WriteSummary::default();
        for outcome in outcomes {
            let status: Option<String> = db
                .query_row(
                    "SELECT status FROM inputs WHERE origin = ?1",
                    &values![outcome.origin()],
                )?
                .map(|row| row.get(0))
                .transpose()?;
            match status.as_deref() {
                None => {}
                Some("failed") => {
                    db.execute(
                        "DELETE FROM inputs WHERE origin = ?1",
                        &values![outcome.origin()],
                    )?;
                }
                Some(_) => {
                    summary.skipped += 1;
                    continue;
                }
            }
            match outcome {
                Outcome::Failed { origin, error } => {
                    db.execute(
                        "INSERT INTO inputs (origin, status, error, ingested_at)
                         VALUES (?1, 'failed', ?2, ?3)",
                        &values![origin, error, now],
                    )?;
                    summary.failed += 1;
                }
                Outcome::Analysed { origin, document } => {
                    let (status, id) = store_document(db, origin, document)?;
                    db.execute(
                        "INSERT INTO inputs (origin, status, document_id, ingested_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        &values![origin, status, id, now],
                    )?;
                    match status {
                        "stored" => summary.stored += 1,
                        _ => summary.duplicates += 1,
                    }
                }
            }
        }
        crate::watch::record_alerts(self)?;
        mark_changed(db)?;
        transaction.commit()?;
        Ok(summary)
    }
}

/// Inside a write transaction: makes the change visible to [`Store::data_version`]
/// readers (SQLite counts commits itself; PostgreSQL's count is kept in `meta`).
pub(crate) fn mark_changed(db: &dyn Database) -> Result<(), StoreError> {
    if db.dialect() == Dialect::Postgres {
        db.execute(
            "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'data_version'",
            &[],
        )?;
    }
    Ok(())
}

/// Who published a document, for counting distinct sources: the outlet, else the URL's
/// host, else the input origin.
fn source_key(document: &Document, origin: &str) -> String {
    if let Some(source) = document.source.as_deref().filter(|s| !s.trim().is_empty()) {
        return source.trim().to_lowercase();
    }
    let host = document.url.as_deref().and_then(url_host);
    host.map_or_else(
        || origin.to_owned(),
        |host| host.trim_start_matches("www.").to_owned(),
    )
}

/// Stores one document with its annotations and events; returns the input status and
/// the document row id. Identical text from the same URL is not stored twice.
fn store_document(
    db: &dyn Database,
    origin: &str,
    document: &Document,
) -> Result<(&'static str, i64), StoreError> {
    let content_hash = format!("{:016x}", fnv1a(document.text.bytes()));
    let same_text: Vec<(i64, Option<String>)> = db
        .query(
            "SELECT id, url FROM documents WHERE content_hash = ?1 ORDER BY id",
            &values![&content_hash],
        )?
        .iter()
        .map(|row| Ok((row.get(0)?, row.get(1)?)))
        .collect::<Result<_, StoreError>>()?;
    if let Some((id, _)) = same_text.iter().find(|(_, url)| *url == document.url) {
        return Ok(("duplicate", *id));
    }
    let fingerprint = simhash::fingerprint(&document.text);
    let duplicate_of = match same_text.first() {
        Some((id, _)) => Some(*id),
        None => near_duplicate(db, fingerprint)?,
    };
    let source_key = source_key(document, origin);
    let id = db.insert(
        "INSERT INTO documents (doc_id, origin, content_hash, simhash, duplicate_of, url, title,
             source, source_key, published, language, text, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &values![
            &document.id,
            origin,
            &content_hash,
            fingerprint as i64,
            duplicate_of,
            document.url.as_deref(),
            document.title.as_deref(),
            document.source.as_deref(),
            source_key,
            document.published.as_deref(),
            document.language.map(|l| l.code()),
            &document.text,
            serde_json::to_string(document)?,
        ],
    )?;
    index_text(db, id, document)?;
    for (band, value) in simhash::bands(fingerprint).into_iter().enumerate() {
        db.execute(
            "INSERT INTO simhash_bands (band, value, document_id) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            &values![band as i64, i64::from(value), id],
        )?;
    }
    store_annotations(db, id, document)?;
    let index = TextIndex::new(&document.text);
    let stored = StoredDocument {
        id,
        duplicate_of,
        content_hash: &content_hash,
    };
    for event in &document.events {
        store_event(db, stored, document, &index, event)?;
    }
    Ok(("stored", id))
}

/// Makes the title and text of document `id` searchable: FTS5's index in SQLite; in
/// PostgreSQL, the text's words as its language's text-search configuration reads them
/// (French or English, stemmed) and as they are written (`simple`), so a query in
/// either form finds it.
fn index_text(db: &dyn Database, id: i64, document: &Document) -> Result<(), StoreError> {
    let title = document.title.as_deref().unwrap_or("");
    match db.dialect() {
        Dialect::Sqlite => db.execute(
            "INSERT INTO documents_fts (rowid, title, text) VALUES (?1, ?2, ?3)",
            &values![id, title, &document.text],
        )?,
        Dialect::Postgres => db.execute(
            "UPDATE documents SET search =
                 to_tsvector(vigie_text_search(language), ?2) || to_tsvector('simple', ?2)
             WHERE id = ?1",
            &values![id, format!("{title}\n{}", document.text)],
        )?,
    };
    Ok(())
}

/// The earliest stored document whose fingerprint is within the near-duplicate distance.
fn near_duplicate(db: &dyn Database, fingerprint: u64) -> Result<Option<i64>, StoreError> {
    let mut best: Option<i64> = None;
    for (band, value) in simhash::bands(fingerprint).into_iter().enumerate() {
        let rows = db.query(
            "SELECT d.id, d.simhash FROM simhash_bands b JOIN documents d ON d.id = b.document_id
             WHERE b.band = ?1 AND b.value = ?2",
            &values![band as i64, i64::from(value)],
        )?;
        for row in rows {
            let (id, other): (i64, i64) = (row.get(0)?, row.get(1)?);
            if simhash::near(fingerprint, other as u64) && best.is_none_or(|b| id < b) {
                best = Some(id);
            }
        }
    }
    Ok(best)
}

fn store_annotations(db: &dyn Database, id: i64, document: &Document) -> Result<(), StoreError> {
    for e in &document.entities {
        db.execute(
            "INSERT INTO entities (document_id, kind, text, actor, country, start, \"end\")
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &values![
                id,
                serde_name(e.kind),
                &e.text,
                e.actor.as_deref(),
                e.country.as_deref(),
                e.span.start as i64,
                e.span.end as i64
            ],
        )?;
    }
    for p in &document.places {
        db.execute(
            "INSERT INTO places (document_id, text, geonameid, name, country_code, admin1,
                 feature_code, lat, lon, kind, start, \"end\")
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            &values![
                id,
                &p.text,
                p.geonameid as i64,
                &p.name,
                &p.country_code,
                p.admin1.as_deref(),
                &p.feature_code,
                p.lat,
                p.lon,
                serde_name(p.kind),
                p.span.start as i64,
                p.span.end as i64
            ],
        )?;
    }
    for a in &document.attributions {
        let span = a.cue.as_ref().map(|c| c.span);
        db.execute(
            "INSERT INTO attributions (document_id, kind, speaker, actor, cue, start, \"end\")
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &values![
                id,
                serde_name(a.kind),
                a.speaker.as_ref().map(|s| &s.text),
                a.actor.as_deref(),
                a.cue.as_ref().map(|c| &c.text),
                span.map(|s| s.start as i64),
                span.map(|s| s.end as i64)
            ],
        )?;
    }
    for s in &document.signals {
        db.execute(
            "INSERT INTO signals (document_id, kind, detail, score, start, \"end\")
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &values![
                id,
                serde_name(s.kind),
                &s.detail,
                f64::from(s.score),
                s.span.map(|x| x.start as i64),
                s.span.map(|x| x.end as i64)
            ],
        )?;
    }
    Ok(())
}

/// Stores one coded event as a report, in the event of the reports it matches (merging
/// them when they are several), else in a new event (see [`merge`]).
fn store_event(
    db: &dyn Database,
    stored: StoredDocument,
    document: &Document,
    index: &TextIndex,
    event: &Event,
) -> Result<(), StoreError> {
    let report = merge::Report::new(event, document.published.as_deref(), stored.content_hash);
    let matches = merge::matching_events(db, &report, stored.id, stored.duplicate_of)?;
    let (event_id, absorbed) = match matches.split_first() {
        Some((first, others)) => (*first, others),
        None => (merge::create_event(db, &report)?, &[][..]),
    };
    let evidence = index.slice(&document.text, event.evidence);
    let report_id = db.insert(
        "INSERT INTO event_reports (event_id, document_id, type, trigger, trigger_start,
             trigger_end, modality, attribution_kind, attribution_speaker, evidence,
             evidence_start, evidence_end, confidence, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        &values![
            event_id,
            stored.id,
            event.event_type.name(),
            &event.trigger.text,
            event.trigger.span.start as i64,
            event.trigger.span.end as i64,
            &report.modality,
            serde_name(event.attribution.kind),
            event.attribution.speaker.as_ref().map(|s| &s.text),
            evidence,
            event.evidence.start as i64,
            event.evidence.end as i64,
            f64::from(event.confidence),
            serde_json::to_string(event)?,
        ],
    )?;
    merge::record_facts(db, report_id, &report)?;
    merge::settle(db, event_id, absorbed)
}

/// A document just stored, as its events' reports need it.
#[derive(Clone, Copy)]
struct StoredDocument<'a> {
    id: i64,
    duplicate_of: Option<i64>,
    content_hash: &'a str,
}
