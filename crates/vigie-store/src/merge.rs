//! Merging reports of the same real-world event, so that a kidnapping reported by 300
//! articles is one event with 300 reports and its list of distinct sources.
//!
//! Two reports are of one event when all of these hold:
//! - the same PLOVER type, and the same modality group (asserted and claimed reports
//!   form one group, "happened"; planned, threatened, hypothetical and denied reports
//!   each form their own);
//! - the same place with anchor days at most [`MAX_DAYS_APART`] apart (the anchor is the
//!   event's own date at day precision, else its article's publication date); a place
//!   is the same when it has the same GeoNames id, or when one report names a
//!   first-level division ("à Deir ez-Zor") and the other a place inside it ("près du
//!   champ d'al-Omar"); two different towns of one province stay apart;
//! - no conflicting actors: when both name an actor code they are equal, and likewise
//!   for the recipient;
//! - they come from different articles.
//!
//! Or they come from near-duplicate articles and have the same type, modality group and
//! trigger word.
//!
//! An event is a connected group of reports under this relation: a new report joins the
//! event of every report it matches, and when those are several events they become one.
//! Events therefore depend on the set of reports stored, not on the order in which they
//! arrive (the event keeps the smallest of the merged ids). Each event is described by
//! its representative report — the one that says most (place, actor, recipient, a date
//! to the day, a death toll), then the first by its article's content hash and its
//! position in the article, an order that does not depend on arrival either; its counts
//! (reports, distinct sources) and its death toll (the highest) are over all its
//! reports.

use chrono::NaiveDate;
use vigie_core::{DatePrecision, Event, Modality, Place, fold_text};

use crate::database::{Database, values};
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
    /// Sort key of the report among the reports of its event: the representative is the
    /// smallest (see the module docs).
    pub rank: String,
}

fn days(date: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(date.get(..10)?, "%Y-%m-%d").ok()?;
    Some(date.signed_duration_since(NaiveDate::default()).num_days())
}

impl Report {
    /// The merge facts of `event`, coded in an article published on `published` whose
    /// text has the content hash `content_hash`.
    pub fn new(event: &Event, published: Option<&str>, content_hash: &str) -> Self {
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
        let anchor_day = event_day.or_else(|| published.and_then(days));
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
            rank: rank(event, content_hash),
        }
    }
}

/// The sort key of a report: what it leaves unsaid first (fewer is better), then its
/// article's content hash and the trigger's position.
fn rank(event: &Event, content_hash: &str) -> String {
    let day_precise = event
        .date
        .as_ref()
        .is_some_and(|d| d.precision == DatePrecision::Day && d.value.is_some());
    let said = [
        event.place.is_some(),
        event.actor.is_some(),
        event.recipient.is_some(),
        day_precise,
        event.fatalities.is_some(),
    ];
    let unsaid = said.iter().filter(|s| !**s).count();
    format!("{unsaid}:{content_hash}:{:010}", event.trigger.span.start)
}

/// The events (ascending ids) of the stored reports that `report`, from document
/// `document_id` (a near-duplicate of `duplicate_of`), is of one event with (see the
/// module docs).
pub fn matching_events(
    db: &dyn Database,
    report: &Report,
    document_id: i64,
    duplicate_of: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    // Three indexed lookups: same place, the division holding it (or held by it), and
    // the original of a near-duplicate article.
    db.query(
        "SELECT r.event_id FROM event_reports r
         WHERE r.geonameid = ?3 AND r.type = ?1 AND r.modality_group = ?2
           AND r.anchor_day BETWEEN ?9 - ?10 AND ?9 + ?10 AND r.document_id != ?6
           AND (CAST(?11 AS TEXT) IS NULL OR r.actor_code IS NULL OR r.actor_code = ?11)
           AND (CAST(?12 AS TEXT) IS NULL OR r.recipient_code IS NULL OR r.recipient_code = ?12)
         UNION
         SELECT r.event_id FROM event_reports r
         WHERE r.region = ?7 AND r.type = ?1 AND r.modality_group = ?2
           AND (r.broad != 0 OR ?8 != 0)
           AND r.anchor_day BETWEEN ?9 - ?10 AND ?9 + ?10 AND r.document_id != ?6
           AND (CAST(?11 AS TEXT) IS NULL OR r.actor_code IS NULL OR r.actor_code = ?11)
           AND (CAST(?12 AS TEXT) IS NULL OR r.recipient_code IS NULL OR r.recipient_code = ?12)
         UNION
         SELECT r.event_id FROM event_reports r
         WHERE r.document_id = ?4 AND lower(r.trigger) = lower(?5)
           AND r.type = ?1 AND r.modality_group = ?2
         ORDER BY 1",
        &values![
            report.event_type,
            &report.modality_group,
            report.geonameid,
            duplicate_of.unwrap_or(-1),
            &report.trigger,
            document_id,
            report.region.as_deref(),
            report.broad,
            report.anchor_day,
            MAX_DAYS_APART,
            report.actor_code.as_deref(),
            report.recipient_code.as_deref(),
        ],
    )?
    .iter()
    .map(|row| row.get(0))
    .collect()
}

/// Stores on the report row `report_id` what decides which reports it is of one event
/// with.
pub fn record_facts(db: &dyn Database, report_id: i64, report: &Report) -> Result<(), StoreError> {
    db.execute(
        "UPDATE event_reports SET modality_group = ?2, anchor_day = ?3, geonameid = ?4,
         region = ?5, broad = ?6, actor_code = ?7, recipient_code = ?8, rank = ?9
         WHERE id = ?1",
        &values![
            report_id,
            &report.modality_group,
            report.anchor_day,
            report.geonameid,
            report.region.as_deref(),
            report.broad,
            report.actor_code.as_deref(),
            report.recipient_code.as_deref(),
            &report.rank
        ],
    )?;
    Ok(())
}

/// Creates an empty event of the report's type and modality group; its report is then
/// stored and [`settle`] describes it.
pub fn create_event(db: &dyn Database, report: &Report) -> Result<i64, StoreError> {
    db.insert(
        "INSERT INTO events (type, modality, modality_group, reports, sources)
         VALUES (?1, ?2, ?3, 0, 0)",
        &values![report.event_type, &report.modality, &report.modality_group],
    )
}

/// After a report is stored in event `event_id`: the events in `absorbed` (that the
/// report also matched) become part of it, and the event is described again from its
/// representative report and counted.
pub fn settle(db: &dyn Database, event_id: i64, absorbed: &[i64]) -> Result<(), StoreError> {
    for other in absorbed {
        db.execute(
            "UPDATE event_reports SET event_id = ?1 WHERE event_id = ?2",
            &values![event_id, *other],
        )?;
        crate::watch::move_alerts(db, *other, event_id)?;
        db.execute("DELETE FROM events WHERE id = ?1", &values![*other])?;
    }
    let row = db
        .query_row(
            "SELECT r.id, r.json, d.published, d.content_hash FROM event_reports r
             JOIN documents d ON d.id = r.document_id
             WHERE r.event_id = ?1 ORDER BY r.rank LIMIT 1",
            &values![event_id],
        )?
        .ok_or_else(|| StoreError::Invalid(format!("event {event_id} has no report")))?;
    let (report_id, json, published, content_hash): (i64, String, Option<String>, String) =
        (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
    let event: Event = serde_json::from_str(&json)?;
    let report = Report::new(&event, published.as_deref(), &content_hash);
    describe(
        db,
        event_id,
        report_id,
        &report,
        &event,
        published.as_deref(),
    )?;
    let fatalities = db.dialect().json_integer("json", "fatalities");
    db.execute(
        &format!(
            "UPDATE events SET
             reports = (SELECT count(*) FROM event_reports WHERE event_id = ?1),
             sources = (SELECT count(DISTINCT d.source_key) FROM event_reports r
                        JOIN documents d ON d.id = r.document_id WHERE r.event_id = ?1),
             fatalities = (SELECT max({fatalities}) FROM event_reports WHERE event_id = ?1)
             WHERE id = ?1"
        ),
        &values![event_id],
    )?;
    Ok(())
}

/// Writes what the event shows (type, mode, modality, date, actors, place …) from its
/// representative report `report_id`, coded as `event` in an article published on
/// `published`.
fn describe(
    db: &dyn Database,
    event_id: i64,
    report_id: i64,
    report: &Report,
    event: &Event,
    published: Option<&str>,
) -> Result<(), StoreError> {
    let place = event.place.as_ref();
    db.execute(
        "UPDATE events SET type = ?2, mode = ?3, modality = ?4, modality_group = ?5,
         anchor_day = ?6, acled_event_type = ?7, acled_sub_event_type = ?8, date = ?9,
         date_precision = ?10, actor = ?11, actor_code = ?12, recipient = ?13,
         recipient_code = ?14, geonameid = ?15, place = ?16, country_code = ?17, admin1 = ?18,
         feature_code = ?19, lat = ?20, lon = ?21, region = ?22, broad = ?23,
         sort_date = coalesce(?9, ?24), first_report_id = ?25
         WHERE id = ?1",
        &values![
            event_id,
            report.event_type,
            event.mode.as_deref(),
            &report.modality,
            &report.modality_group,
            report.anchor_day,
            event.acled.map(|a| a.event_type.name()),
            event.acled.map(|a| a.sub_event_type.name()),
            event.date.as_ref().and_then(|d| d.value.clone()),
            event.date.as_ref().map(|d| serde_name(d.precision)),
            event.actor.as_ref().map(|a| &a.text),
            report.actor_code.as_deref(),
            event.recipient.as_ref().map(|r| &r.text),
            report.recipient_code.as_deref(),
            report.geonameid,
            place.map(|p| &p.name),
            place.map(|p| &p.country_code),
            place.and_then(|p| p.admin1.clone()),
            place.map(|p| &p.feature_code),
            place.map(|p| p.lat),
            place.map(|p| p.lon),
            report.region.as_deref(),
            report.broad,
            published,
            report_id,
        ],
    )?;
    Ok(())
}
