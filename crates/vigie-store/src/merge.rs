//! Merging reports of the same real-world event, so that a kidnapping reported by 300
//! articles is one event with 300 reports and its list of distinct sources.
//!
//! A new report joins an existing event when all of these hold:
//! - the same PLOVER type, and the same modality group (asserted and claimed reports
//!   form one group, "happened"; planned, threatened, hypothetical and denied reports
//!   each form their own);
//! - the same place with anchor days at most [`MAX_DAYS_APART`] apart (the anchor is the
//!   event's own date at day precision, else its article's publication date); a place
//!   is the same when it has the same GeoNames id, or when one report names a
//!   first-level division ("à Deir ez-Zor") and the other a place inside it ("près du
//!   champ d'al-Omar"); two different towns of one province stay apart. Or the report
//!   comes from a near-duplicate of an article that already reported the event with the
//!   same trigger word;
//! - no conflicting actors: when both name an actor code they are equal, and likewise
//!   for the recipient;
//! - the event has no report from the same article yet (two events of one type and place
//!   in one article are kept apart).

use chrono::NaiveDate;
use rusqlite::{Transaction, params};
use vigie_core::{DatePrecision, Document, Event, Modality, Place, fold_text};

use crate::{StoreError, serde_name};

/// Largest gap between the anchor days of two reports of one event.
pub const MAX_DAYS_APART: i64 = 2;

/// The facts of one coded event that decide what it merges with.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// PLOVER type name.
    pub event_type: &'static str,
    /// Modality name.
    pub modality: String,
    /// `happened` for asserted and claimed reports, else the modality name.
    pub modality_group: String,
    /// Days since 1970-01-01 of the event's date (day precision) or of the article's
    /// publication date.
    pub anchor_day: Option<i64>,
    /// Place, when resolved.
    pub geonameid: Option<i64>,
    /// `country/first-level division` holding the place (or that is the place).
    pub region: Option<String>,
    /// True when the place is a first-level division or wider.
    pub broad: bool,
    /// Actor code of the actor.
    pub actor_code: Option<String>,
    /// Actor code of the recipient.
    pub recipient_code: Option<String>,
    /// Folded trigger text.
    pub trigger: String,
}

fn days(date: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(date.get(..10)?, "%Y-%m-%d").ok()?;
    Some(date.signed_duration_since(NaiveDate::default()).num_days())
}

impl Report {
    /// The merge facts of `event`, coded in `document`.
    pub fn new(document: &Document, event: &Event) -> Self {
        let modality = serde_name(event.modality);
        let modality_group = match event.modality {
            Modality::Asserted | Modality::Claimed => "happened".to_owned(),
            _ => modality.clone(),
        };
        let event_day = event
            .date
            .as_ref()
            .filter(|d| d.precision == DatePrecision::Day)
            .and_then(|d| d.value.as_deref())
            .and_then(days);
        let anchor_day = event_day.or_else(|| document.published.as_deref().and_then(days));
        let place = event.place.as_ref();
        let breadth = place.map_or(0, Place::breadth);
        let region = place.and_then(|p| match breadth {
            0 | 1 => p.admin1.as_ref().map(|a| format!("{}/{a}", p.country_code)),
            2 => Some(format!("{}/{}", p.country_code, p.name)),
            _ => None,
        });
        Report {
            event_type: event.event_type.name(),
            region,
            broad: breadth >= 2,
            modality,
            modality_group,
            anchor_day,
            geonameid: event.place.as_ref().map(|p| p.geonameid as i64),
            actor_code: event.actor.as_ref().and_then(|a| a.code.clone()),
            recipient_code: event.recipient.as_ref().and_then(|r| r.code.clone()),
            trigger: fold_text(&event.trigger.text),
        }
    }
}

/// The stored event this report belongs to, if any (see the module docs).
pub fn find_event(
    transaction: &Transaction,
    report: &Report,
    document_id: i64,
    duplicate_of: Option<i64>,
) -> Result<Option<i64>, StoreError> {
    // Three indexed lookups: same place, the division holding it (or held by it), and
    // the original of a near-duplicate article; each within the type and modality group
    // and, for places, within the days allowed.
    let mut statement = transaction.prepare_cached(
        "SELECT e.id, e.actor_code, e.recipient_code, 0 AS in_original FROM events e
         WHERE e.geonameid = ?3 AND e.type = ?1 AND e.modality_group = ?2
           AND e.anchor_day BETWEEN ?9 - ?10 AND ?9 + ?10
         UNION ALL
         SELECT e.id, e.actor_code, e.recipient_code, 0 FROM events e
         WHERE e.region = ?7 AND e.type = ?1 AND e.modality_group = ?2 AND (e.broad OR ?8)
           AND e.anchor_day BETWEEN ?9 - ?10 AND ?9 + ?10
         UNION ALL
         SELECT e.id, e.actor_code, e.recipient_code, 1 FROM event_reports r
         JOIN events e ON e.id = r.event_id
         WHERE r.document_id = ?4 AND lower(r.trigger) = lower(?5)
           AND e.type = ?1 AND e.modality_group = ?2",
    )?;
    let mut candidates: Vec<(i64, Option<String>, Option<String>)> = statement
        .query_map(
            params![
                report.event_type,
                report.modality_group,
                report.geonameid,
                duplicate_of.unwrap_or(-1),
                report.trigger,
                document_id,
                report.region,
                report.broad,
                report.anchor_day,
                MAX_DAYS_APART
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .collect::<Result<_, _>>()?;
    candidates.sort_by_key(|(id, _, _)| *id);
    let mut same_article = transaction.prepare_cached(
        "SELECT 1 FROM event_reports WHERE event_id = ?1 AND document_id = ?2 LIMIT 1",
    )?;
    let compatible = |ours: &Option<String>, theirs: &Option<String>| match (ours, theirs) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    for (id, actor, recipient) in candidates {
        if compatible(&report.actor_code, &actor)
            && compatible(&report.recipient_code, &recipient)
            && !same_article.exists(params![id, document_id])?
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Creates a new event from its first report, coded in an article published on
/// `published`; returns its id.
pub fn create_event(
    transaction: &Transaction,
    report: &Report,
    event: &Event,
    published: Option<&str>,
) -> Result<i64, StoreError> {
    let place = event.place.as_ref();
    transaction.prepare_cached("INSERT INTO events (type, mode, modality, modality_group, anchor_day, acled_event_type,
             acled_sub_event_type, date, date_precision, actor, actor_code, recipient,
             recipient_code, geonameid, place, country_code, admin1, feature_code, lat, lon,
             region, broad, sort_date, fatalities, reports, sources)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, coalesce(?8, ?23), ?24, 1, 1)")?.execute(params![
            report.event_type,
            event.mode,
            report.modality,
            report.modality_group,
            report.anchor_day,
            event.acled.map(|a| a.event_type.name()),
            event.acled.map(|a| a.sub_event_type.name()),
            event.date.as_ref().and_then(|d| d.value.clone()),
            event.date.as_ref().map(|d| serde_name(d.precision)),
            event.actor.as_ref().map(|a| &a.text),
            report.actor_code,
            event.recipient.as_ref().map(|r| &r.text),
            report.recipient_code,
            report.geonameid,
            place.map(|p| &p.name),
            place.map(|p| &p.country_code),
            place.and_then(|p| p.admin1.clone()),
            place.map(|p| &p.feature_code),
            place.map(|p| p.lat),
            place.map(|p| p.lon),
            report.region,
            report.broad,
            published,
            event.fatalities,
        ])?;
    Ok(transaction.last_insert_rowid())
}

/// After the first report of an event [`create_event`] made: links it as the event's
/// reference (the counts, one report from one source, are already right).
pub fn set_first_report(
    transaction: &Transaction,
    event_id: i64,
    report_id: i64,
) -> Result<(), StoreError> {
    transaction
        .prepare_cached("UPDATE events SET first_report_id = ?2 WHERE id = ?1")?
        .execute(params![event_id, report_id])?;
    Ok(())
}

/// After a report joins an existing event: recounts its reports and distinct sources, keeps the
/// first report as its reference, and fills what the earlier reports left unknown.
pub fn update_counts(
    transaction: &Transaction,
    event_id: i64,
    report_id: i64,
    event: &Event,
) -> Result<(), StoreError> {
    transaction
        .prepare_cached(
            "UPDATE events SET
             reports = (SELECT count(*) FROM event_reports WHERE event_id = ?1),
             sources = (SELECT count(DISTINCT d.source_key) FROM event_reports r
                        JOIN documents d ON d.id = r.document_id WHERE r.event_id = ?1),
             first_report_id = coalesce(first_report_id, ?2),
             fatalities = CASE WHEN ?3 IS NULL THEN fatalities
                               ELSE max(coalesce(fatalities, 0), ?3) END,
             date = coalesce(date, ?4),
             sort_date = coalesce(date, ?4, sort_date),
             date_precision = coalesce(date_precision, ?5),
             actor = coalesce(actor, ?6),
             actor_code = coalesce(actor_code, ?7),
             recipient = coalesce(recipient, ?8),
             recipient_code = coalesce(recipient_code, ?9)
         WHERE id = ?1",
        )?
        .execute(params![
            event_id,
            report_id,
            event.fatalities,
            event.date.as_ref().and_then(|d| d.value.clone()),
            event.date.as_ref().map(|d| serde_name(d.precision)),
            event.actor.as_ref().map(|a| &a.text),
            event.actor.as_ref().and_then(|a| a.code.clone()),
            event.recipient.as_ref().map(|r| &r.text),
            event.recipient.as_ref().and_then(|r| r.code.clone()),
        ])?;
    Ok(())
}
