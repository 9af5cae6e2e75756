//! What a dashboard browses besides the event list: one event with its reports, article
//! search, the most reported actors, places and sources, and counts per day and per
//! country for a filter.

use serde::Serialize;

use crate::database::{Dialect, Value, values};
use crate::query::{EventFilter, conditions, fts_query, tsquery, tsquery_sql};
use crate::{Store, StoreError};

/// One report of an event: where an article codes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// Report id.
    pub id: i64,
    /// The merged event it reports.
    pub event_id: i64,
    /// Store id of the article.
    pub document_id: i64,
    /// Article title.
    pub title: Option<String>,
    /// Who published it (outlet, else web host, else origin).
    pub source: String,
    /// Article URL.
    pub url: Option<String>,
    /// Publication date.
    pub published: Option<String>,
    /// Trigger text.
    pub trigger: String,
    /// Trigger span in the article text (code points).
    pub trigger_span: [i64; 2],
    /// Evidence sentence.
    pub evidence: String,
    /// Evidence span in the article text (code points).
    pub evidence_span: [i64; 2],
    /// Modality in this report.
    pub modality: String,
    /// Attribution kind.
    pub attribution: String,
    /// Speaker, when attributed.
    pub speaker: Option<String>,
}

/// An article found by text search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentHit {
    /// Store id.
    pub id: i64,
    /// Title.
    pub title: Option<String>,
    /// Who published it.
    pub source: String,
    /// Publication date.
    pub published: Option<String>,
    /// Matching excerpt, the matches between `[` and `]`.
    pub snippet: String,
}

/// An article another one links to (a near-duplicate of it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentLink {
    /// Store id.
    pub id: i64,
    /// Title.
    pub title: Option<String>,
    /// Who published it.
    pub source: String,
    /// Publication date.
    pub published: Option<String>,
}

/// A name and how many events it appears in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// Actor code, GeoNames id, source key or date.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Country code, when it has one.
    pub country: Option<String>,
    /// Events (or documents, for sources).
    pub count: i64,
}

impl Store {
    /// The reports of an event, first report first.
    pub fn reports(&self, event_id: i64) -> Result<Vec<ReportRow>, StoreError> {
        self.report_rows("r.event_id = ?1", event_id)
    }

    /// The reports an article makes, in the order they were stored (the order of its
    /// events).
    pub fn document_reports(&self, document_id: i64) -> Result<Vec<ReportRow>, StoreError> {
        self.report_rows("r.document_id = ?1", document_id)
    }

    /// What other articles say of an article's events: their reports of the same merged
    /// events, by event and then report.
    pub fn corroborating_reports(&self, document_id: i64) -> Result<Vec<ReportRow>, StoreError> {
        self.report_rows(
            "r.event_id IN (SELECT event_id FROM event_reports WHERE document_id = ?1)
             AND r.document_id != ?1",
            document_id,
        )
    }

    /// Reports matching `condition`, which binds `?1` to `value`, in event then report
    /// order.
    fn report_rows(&self, condition: &str, value: i64) -> Result<Vec<ReportRow>, StoreError> {
        self.database
            .query(
                &format!(
                    "SELECT r.id, r.event_id, r.document_id, d.title, d.source_key, d.url,
                        d.published, r.trigger, r.trigger_start, r.trigger_end, r.evidence,
                        r.evidence_start, r.evidence_end, r.modality, r.attribution_kind,
                        r.attribution_speaker
                     FROM event_reports r JOIN documents d ON d.id = r.document_id
                     WHERE {condition} ORDER BY r.event_id, r.id"
                ),
                &values![value],
            )?
            .iter()
            .map(|r| {
                Ok(ReportRow {
                    id: r.get(0)?,
                    event_id: r.get(1)?,
                    document_id: r.get(2)?,
                    title: r.get(3)?,
                    source: r.get(4)?,
                    url: r.get(5)?,
                    published: r.get(6)?,
                    trigger: r.get(7)?,
                    trigger_span: [r.get(8)?, r.get(9)?],
                    evidence: r.get(10)?,
                    evidence_span: [r.get(11)?, r.get(12)?],
                    modality: r.get(13)?,
                    attribution: r.get(14)?,
                    speaker: r.get(15)?,
                })
            })
            .collect()
    }

    /// The articles stored as (near-)duplicates of an article, of the one it duplicates,
    /// or of the same original as it, oldest first.
    pub fn near_duplicates(&self, document_id: i64) -> Result<Vec<DocumentLink>, StoreError> {
        self.database
            .query(
                "SELECT d.id, d.title, d.source_key, d.published FROM documents d,
                        (SELECT coalesce(duplicate_of, id) AS original FROM documents
                         WHERE id = ?1) o
                 WHERE (d.id = o.original OR d.duplicate_of = o.original) AND d.id != ?1
                 ORDER BY d.id",
                &values![document_id],
            )?
            .iter()
            .map(|r| {
                Ok(DocumentLink {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    source: r.get(2)?,
                    published: r.get(3)?,
                })
            })
            .collect()
    }

    /// Who published a stored article (its source key).
    pub fn document_source(&self, document_id: i64) -> Result<Option<String>, StoreError> {
        self.database
            .query_row(
                "SELECT source_key FROM documents WHERE id = ?1",
                &values![document_id],
            )?
            .map(|r| r.get(0))
            .transpose()
    }

    /// Articles matching a full-text query (see [`crate::query::fts_query`]), best first.
    pub fn search(
        &self,
        query: &str,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<DocumentHit>, StoreError> {
        let dialect = self.dialect();
        let query = match dialect {
            Dialect::Sqlite => fts_query(query),
            Dialect::Postgres => tsquery(query),
        };
        let Some(query) = query else {
            return Ok(Vec::new());
        };
        let sql = match dialect {
            Dialect::Sqlite => "SELECT d.id, d.title, d.source_key, d.published,
                    snippet(documents_fts, 1, '[', ']', '…', 24)
                 FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid
                 WHERE documents_fts MATCH ?1 ORDER BY rank LIMIT ?2 OFFSET ?3"
                .to_owned(),
            Dialect::Postgres => format!(
                "SELECT d.id, d.title, d.source_key, d.published,
                    ts_headline(vigie_text_search(d.language), d.text, q.query,
                                'StartSel=[, StopSel=], MaxWords=24, MinWords=12, \
                                 MaxFragments=1, FragmentDelimiter=…')
                 FROM documents d, (SELECT {} AS query) q
                 WHERE d.search @@ q.query
                 ORDER BY ts_rank(d.search, q.query) DESC, d.id LIMIT ?2 OFFSET ?3",
                tsquery_sql("?1")
            ),
        };
        let offset = offset.min(i64::MAX as usize) as i64;
        let rows = self
            .database
            .query(
                &sql,
                &values![&query, limit.min(i64::MAX as usize) as i64, offset],
            )
            .map_err(|e| StoreError::Invalid(format!("search {query:?}: {e}")))?;
        rows.iter()
            .map(|r| {
                Ok(DocumentHit {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    source: r.get(2)?,
                    published: r.get(3)?,
                    snippet: r.get(4)?,
                })
            })
            .collect()
    }

    /// Counts of the events matching `filter`, grouped by `key` (a SQL expression over
    /// the events table `e`), largest first.
    fn tally(
        &self,
        filter: &EventFilter,
        key: &str,
        name: &str,
        country: &str,
        order: &str,
    ) -> Result<Vec<Tally>, StoreError> {
        let clauses = conditions(filter, self.dialect())?;
        let mut extra = clauses.sql();
        extra.push_str(if extra.is_empty() { "WHERE " } else { " AND " });
        extra.push_str(&format!("{key} IS NOT NULL"));
        let sql = format!(
            "SELECT {key}, max({name}), max({country}), count(*)
             FROM events e {extra} GROUP BY {key} ORDER BY {order} LIMIT {}",
            filter.limit.min(i64::MAX as usize) as i64
        );
        self.database
            .query(&sql, &clauses.values)?
            .iter()
            .map(|r| {
                let key = match r.get::<Value>(0)? {
                    Value::Integer(i) => i.to_string(),
                    Value::Text(t) => t,
                    other => format!("{other:?}"),
                };
                Ok(Tally {
                    key,
                    name: r.get::<Option<String>>(1)?.unwrap_or_default(),
                    country: r.get(2)?,
                    count: r.get(3)?,
                })
            })
            .collect()
    }

    /// Events per day (their date, else the article's) for a filter, in date order.
    pub fn events_per_day(&self, filter: &EventFilter) -> Result<Vec<Tally>, StoreError> {
        self.tally(
            filter,
            "substr(e.sort_date, 1, 10)",
            "substr(e.sort_date, 1, 10)",
            NO_COUNTRY,
            "1",
        )
    }

    /// Events per country for a filter, largest first.
    pub fn events_per_country(&self, filter: &EventFilter) -> Result<Vec<Tally>, StoreError> {
        self.tally(
            filter,
            "e.country_code",
            "e.country_code",
            "e.country_code",
            "4 DESC, 1",
        )
    }

    /// Actors (as actor or recipient code) of the events of a filter, most frequent
    /// first.
    pub fn actors(&self, filter: &EventFilter) -> Result<Vec<Tally>, StoreError> {
        self.tally(filter, "e.actor_code", "e.actor", NO_COUNTRY, "4 DESC, 1")
    }

    /// Places of the events of a filter, most frequent first.
    pub fn places(&self, filter: &EventFilter) -> Result<Vec<Tally>, StoreError> {
        self.tally(
            filter,
            "e.geonameid",
            "e.place",
            "e.country_code",
            "4 DESC, 1",
        )
    }

    /// Sources with their number of stored articles, most prolific first.
    pub fn sources(&self, limit: usize) -> Result<Vec<Tally>, StoreError> {
        self.database
            .query(
                "SELECT source_key, max(coalesce(source, source_key)), count(*) FROM documents
                 GROUP BY source_key ORDER BY 3 DESC, 1 LIMIT ?1",
                &values![limit.min(i64::MAX as usize) as i64],
            )?
            .iter()
            .map(|r| {
                Ok(Tally {
                    key: r.get(0)?,
                    name: r.get(1)?,
                    country: None,
                    count: r.get(2)?,
                })
            })
            .collect()
    }

    /// Signals stored for the articles of a source (kind, detail, score), strongest first.
    pub fn source_signals(
        &self,
        source_key: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, f64)>, StoreError> {
        self.database
            .query(
                "SELECT s.kind, s.detail, s.score FROM signals s
                 JOIN documents d ON d.id = s.document_id
                 WHERE d.source_key = ?1 ORDER BY s.score DESC LIMIT ?2",
                &values![source_key, limit.min(i64::MAX as usize) as i64],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .collect()
    }
}

/// The country column of a tally whose rows have none.
const NO_COUNTRY: &str = "CAST(NULL AS TEXT)";
