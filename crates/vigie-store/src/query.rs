//! Questions analysts ask of the store: events by type, place (within km of a point, or by
//! country and first-level division), actor, date range, source, corroboration and the
//! text of their articles.

use serde::Serialize;

use vigie_core::EARTH_RADIUS_KM;

use crate::database::{Dialect, Value};
use crate::{Store, StoreError};

/// Which events to return. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// PLOVER type (`ASSAULT`).
    pub event_type: Option<String>,
    /// Modality (`asserted`, `claimed`, `planned` …).
    pub modality: Option<String>,
    /// PLOVER mode (`firearms`, `abduct`, `troops` …).
    pub mode: Option<String>,
    /// Place: a GeoNames id, or the gazetteer name of the place.
    pub place: Option<String>,
    /// Actor or recipient: an actor code (`ISIS`) or words of their text.
    pub actor: Option<String>,
    /// ISO 3166-1 alpha-2 country of the place.
    pub country: Option<String>,
    /// First-level division name of the place.
    pub admin1: Option<String>,
    /// Within `km` of (`lat`, `lon`).
    pub near: Option<(f64, f64, f64)>,
    /// Event date (or, without one, article date) on or after, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Event date (or, without one, article date) on or before, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Full-text query over the reporting articles (see [`fts_query`]).
    pub text: Option<String>,
    /// A source reporting the event (outlet name or web host).
    pub source: Option<String>,
    /// Minimum number of distinct sources.
    pub min_sources: Option<u32>,
    /// Attribution kind of the first report (`named`, `outlet`, `anonymous`, `none`).
    pub attribution: Option<String>,
    /// One event, by id.
    pub id: Option<i64>,
    /// Only events with a report stored after the report with this id (what is new
    /// since a saved search was last matched).
    pub reported_after: Option<i64>,
    /// Most rows returned.
    pub limit: usize,
    /// Rows skipped first (pagination).
    pub offset: usize,
}

/// One term of what a user typed into a search box.
#[derive(Debug, Clone, PartialEq)]
enum SearchTerm {
    /// A word, or the start of words when typed with a `*` after it.
    Word { word: String, prefix: bool },
    /// Words in `"quotes"`: one after the other.
    Phrase(Vec<String>),
}

/// The terms of what a user typed, each with whether an `OR` joins it to the one
/// before: its words and `"quoted phrases"`, all of which must occur, or either side of
/// an `OR` (in capitals); a `*` after a word matches words that start with it.
/// Everything else is taken as text, never as query syntax (`NEAR(`, `AND`, `!`, a
/// stray `"` or `:`), so no input is a syntax error.
fn search_terms(text: &str) -> Vec<(bool, SearchTerm)> {
    // Control characters (a NUL from `%00`) are not text: search engines refuse them.
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut terms: Vec<(bool, SearchTerm)> = Vec::new();
    let mut or_pending = false;
    for (index, part) in text.split('"').enumerate() {
        if index % 2 == 1 {
            // Inside quotes: one phrase.
            let words: Vec<String> = part.split_whitespace().map(str::to_owned).collect();
            if words.iter().any(|w| w.chars().any(char::is_alphanumeric)) {
                let or = std::mem::take(&mut or_pending);
                terms.push((or, SearchTerm::Phrase(words)));
            }
            continue;
        }
        for word in part.split_whitespace() {
            if word == "OR" {
                or_pending = !terms.is_empty();
                continue;
            }
            let prefix = word.ends_with('*');
            let word = word.trim_end_matches('*');
            if word.chars().any(char::is_alphanumeric) {
                let or = std::mem::take(&mut or_pending);
                terms.push((
                    or,
                    SearchTerm::Word {
                        word: word.to_owned(),
                        prefix,
                    },
                ));
            }
        }
    }
    terms
}

/// The FTS5 query (SQLite) for what a user typed (see [`search_terms`]); `None` when
/// nothing is left to search for.
pub fn fts_query(text: &str) -> Option<String> {
    let mut query = String::new();
    for (index, (or, term)) in search_terms(text).into_iter().enumerate() {
        if index > 0 {
            query.push_str(if or { " OR " } else { " " });
        }
        match term {
            SearchTerm::Phrase(words) => query.push_str(&format!("\"{}\"", words.join(" "))),
            SearchTerm::Word { word, prefix } => {
                query.push_str(&format!("\"{word}\"{}", if prefix { "*" } else { "" }));
            }
        }
    }
    (!query.is_empty()).then_some(query)
}

/// The `tsquery` text (PostgreSQL) for what a user typed (see [`search_terms`]): each
/// word a quoted lexeme (`:*` for a prefix), a phrase its lexemes one after the other;
/// `None` when nothing is left to search for.
pub fn tsquery(text: &str) -> Option<String> {
    let lexeme = |word: &str| format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"));
    let mut query = String::new();
    for (index, (or, term)) in search_terms(text).into_iter().enumerate() {
        if index > 0 {
            query.push_str(if or { " | " } else { " & " });
        }
        match term {
            SearchTerm::Phrase(words) => {
                let words: Vec<String> = words.iter().map(|w| lexeme(w)).collect();
                query.push_str(&format!("({})", words.join(" <-> ")));
            }
            SearchTerm::Word { word, prefix } => {
                query.push_str(&lexeme(&word));
                if prefix {
                    query.push_str(":*");
                }
            }
        }
    }
    (!query.is_empty()).then_some(query)
}

/// SQL for the `tsquery` whose text is the parameter `parameter`: read as French, as
/// English and as written, so that it finds a document indexed in any of them.
pub(crate) fn tsquery_sql(parameter: &str) -> String {
    format!(
        "(to_tsquery('french', {parameter}) || to_tsquery('english', {parameter}) \
         || to_tsquery('simple', {parameter}))"
    )
}

#[cfg(test)]
mod tests {
    use super::{fts_query, tsquery};

    #[test]
    fn user_text_becomes_quoted_terms() {
        assert_eq!(
            fts_query("Gao attaque").as_deref(),
            Some("\"Gao\" \"attaque\"")
        );
        assert_eq!(
            fts_query("enlèvement OR kidnapping").as_deref(),
            Some("\"enlèvement\" OR \"kidnapping\"")
        );
        assert_eq!(fts_query("OR x OR").as_deref(), Some("\"x\""));
        assert_eq!(
            fts_query("\"poste de l'armée\" malien*").as_deref(),
            Some("\"poste de l'armée\" \"malien\"*")
        );
        assert_eq!(fts_query("NEAR( a:b").as_deref(), Some("\"NEAR(\" \"a:b\""));
        assert_eq!(fts_query("\" * ( \u{0}"), None);
    }

    #[test]
    fn user_text_becomes_quoted_lexemes() {
        assert_eq!(
            tsquery("Gao OR \"poste de l'armée\" malien*").as_deref(),
            Some("'Gao' | ('poste' <-> 'de' <-> 'l''armée') & 'malien':*")
        );
        assert_eq!(tsquery("a\\b !x").as_deref(), Some("'a\\\\b' & '!x'"));
        assert_eq!(tsquery("OR ( *"), None);
    }
}

/// A point written `LAT,LON` (as the `near` filter takes it).
pub fn parse_point(text: &str) -> Option<(f64, f64)> {
    let (lat, lon) = text.split_once(',')?;
    Some((lat.trim().parse().ok()?, lon.trim().parse().ok()?))
}

/// One merged event with the facts of its reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    /// Event id in the store.
    pub id: i64,
    /// PLOVER type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// PLOVER mode.
    pub mode: Option<String>,
    /// Modality of the first report.
    pub modality: String,
    /// ACLED event type.
    pub acled_event_type: Option<String>,
    /// ACLED sub-event type.
    pub acled_sub_event_type: Option<String>,
    /// Event date (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`), else the first article's date.
    pub date: Option<String>,
    /// Precision of `date` (`day`, `week`, `month`, `year`; `published` when it is the
    /// article's date).
    pub date_precision: Option<String>,
    /// Actor text.
    pub actor: Option<String>,
    /// Actor code.
    pub actor_code: Option<String>,
    /// Recipient text.
    pub recipient: Option<String>,
    /// Recipient code.
    pub recipient_code: Option<String>,
    /// Place name.
    pub place: Option<String>,
    /// GeoNames id.
    pub geonameid: Option<i64>,
    /// Country code.
    pub country_code: Option<String>,
    /// First-level division.
    pub admin1: Option<String>,
    /// GeoNames feature code of the place.
    pub feature_code: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Deaths stated.
    pub fatalities: Option<i64>,
    /// Reports merged into the event.
    pub reports: i64,
    /// Distinct sources among them.
    pub source_count: i64,
    /// The distinct sources.
    pub sources: Vec<String>,
    /// Attribution kind of the first report.
    pub attribution: String,
    /// Speaker of the first report, when attributed.
    pub speaker: Option<String>,
    /// Trigger of the first report.
    pub trigger: String,
    /// The first report's evidence sentence.
    pub evidence: String,
    /// Store id of the first report's document.
    pub document_id: i64,
}

impl Store {
    /// Events matching `filter`, most corroborated and most recent first.
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
        let dialect = self.dialect();
        let clauses = conditions(filter, dialect)?;
        let where_clause = clauses.sql();
        let sources = dialect.distinct_list("s.source_key");
        let sql = format!(
            "SELECT e.id, e.type, e.mode, e.modality, e.acled_event_type, e.acled_sub_event_type,
                    e.sort_date,
                    CASE WHEN e.date IS NULL AND e.sort_date IS NOT NULL THEN 'published'
                         ELSE e.date_precision END,
                    e.actor, e.actor_code, e.recipient, e.recipient_code, e.place, e.geonameid,
                    e.country_code, e.admin1, e.feature_code, e.lat, e.lon, e.fatalities,
                    e.reports, e.sources, r.attribution_kind, r.attribution_speaker, r.trigger,
                    r.evidence, r.document_id,
                    (SELECT {sources} FROM event_reports x
                     JOIN documents s ON s.id = x.document_id WHERE x.event_id = e.id)
             FROM (SELECT * FROM events e {where_clause}
                   ORDER BY e.sources DESC, e.sort_date DESC, e.id LIMIT {} OFFSET {}) e
             JOIN event_reports r ON r.id = e.first_report_id
             ORDER BY e.sources DESC, e.sort_date DESC, e.id",
            // The page is chosen first; the costlier columns are computed for it only.
            filter.limit.min(i64::MAX as usize) as i64,
            filter.offset.min(i64::MAX as usize) as i64
        );
        self.database
            .query(&sql, &clauses.values)?
            .iter()
            .map(|r| {
                let sources: Option<String> = r.get(27)?;
                Ok(EventRow {
                    id: r.get(0)?,
                    event_type: r.get(1)?,
                    mode: r.get(2)?,
                    modality: r.get(3)?,
                    acled_event_type: r.get(4)?,
                    acled_sub_event_type: r.get(5)?,
                    date: r.get(6)?,
                    date_precision: r.get(7)?,
                    actor: r.get(8)?,
                    actor_code: r.get(9)?,
                    recipient: r.get(10)?,
                    recipient_code: r.get(11)?,
                    place: r.get(12)?,
                    geonameid: r.get(13)?,
                    country_code: r.get(14)?,
                    admin1: r.get(15)?,
                    feature_code: r.get(16)?,
                    lat: r.get(17)?,
                    lon: r.get(18)?,
                    fatalities: r.get(19)?,
                    reports: r.get(20)?,
                    source_count: r.get(21)?,
                    attribution: r.get(22)?,
                    speaker: r.get(23)?,
                    trigger: r.get(24)?,
                    evidence: r.get(25)?,
                    document_id: r.get(26)?,
                    // In name order: the order of arrival is not the event's.
                    sources: sources
                        .map(|s| {
                            let mut names: Vec<String> = s.split(',').map(str::to_owned).collect();
                            names.sort_unstable();
                            names
                        })
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}

impl Store {
    /// The ids of every event matching `filter` (its limit and offset aside), in id
    /// order: what matching needs, without the columns of [`Store::events`].
    pub fn event_ids(&self, filter: &EventFilter) -> Result<Vec<i64>, StoreError> {
        let clauses = conditions(filter, self.dialect())?;
        self.database
            .query(
                &format!("SELECT e.id FROM events e {} ORDER BY e.id", clauses.sql()),
                &clauses.values,
            )?
            .iter()
            .map(|row| row.get(0))
            .collect()
    }
}

/// The SQL conditions of a filter (the distance filter as a bounding box).
pub(crate) fn conditions(filter: &EventFilter, dialect: Dialect) -> Result<Where, StoreError> {
    let mut clauses = Where::default();
    if let Some(id) = filter.id {
        clauses.bind("e.id = {p}", Value::Integer(id));
    }
    if let Some(report) = filter.reported_after {
        clauses.bind(
            "e.id IN (SELECT event_id FROM event_reports WHERE id > {p})",
            Value::Integer(report),
        );
    }
    if let Some(t) = &filter.event_type {
        clauses.bind("e.type = {p}", Value::Text(t.to_uppercase()));
    }
    if let Some(mode) = &filter.mode {
        clauses.bind("e.mode = {p}", Value::Text(mode.to_lowercase()));
    }
    if let Some(place) = &filter.place {
        match place.parse::<i64>() {
            Ok(id) => clauses.bind("e.geonameid = {p}", Value::Integer(id)),
            Err(_) => clauses.bind("lower(e.place) = lower({p})", Value::Text(place.clone())),
        }
    }
    if let Some(m) = &filter.modality {
        clauses.bind("e.modality = {p}", Value::Text(m.to_lowercase()));
    }
    if let Some(actor) = &filter.actor {
        // An actor code ("ISIS", "USAMIL") is looked up in the indexes; words are searched
        // in the actor and recipient texts.
        let is_code = actor
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        let condition = if is_code {
            "e.id IN (SELECT id FROM events WHERE actor_code = {p}
                      UNION SELECT id FROM events WHERE recipient_code = {p})"
        } else {
            "(lower(e.actor) LIKE '%' || lower({p}) || '%'
              OR lower(e.recipient) LIKE '%' || lower({p}) || '%')"
        };
        clauses.bind(condition, Value::Text(actor.clone()));
    }
    if let Some(c) = &filter.country {
        clauses.bind("e.country_code = {p}", Value::Text(c.to_uppercase()));
    }
    if let Some(a) = &filter.admin1 {
        clauses.bind("lower(e.admin1) = lower({p})", Value::Text(a.clone()));
    }
    if let Some(from) = &filter.from {
        clauses.bind("e.sort_date >= {p}", Value::Text(from.clone()));
    }
    if let Some(to) = &filter.to {
        // "2026-03" covers all of March: compare on the bound's own length.
        clauses.bind(
            "substr(e.sort_date, 1, length({p})) <= {p}",
            Value::Text(to.clone()),
        );
    }
    if let Some(text) = &filter.text {
        let query = match dialect {
            Dialect::Sqlite => fts_query(text),
            Dialect::Postgres => tsquery(text),
        };
        match query {
            Some(query) => clauses.bind(
                &match dialect {
                    Dialect::Sqlite => "e.id IN (SELECT r.event_id FROM event_reports r
                          JOIN documents_fts f ON f.rowid = r.document_id
                          WHERE documents_fts MATCH {p})"
                        .to_owned(),
                    Dialect::Postgres => format!(
                        "e.id IN (SELECT r.event_id FROM event_reports r
                          JOIN documents d ON d.id = r.document_id
                          WHERE d.search @@ {})",
                        tsquery_sql("{p}")
                    ),
                },
                Value::Text(query),
            ),
            // Nothing to search for (only quotes or punctuation): nothing matches.
            None => clauses.bind("{p} = 0", Value::Integer(1)),
        }
    }
    if let Some(source) = &filter.source {
        clauses.bind(
            "e.id IN (SELECT r.event_id FROM event_reports r
                          JOIN documents s ON s.id = r.document_id
                          WHERE s.source_key = lower({p}))",
            Value::Text(source.clone()),
        );
    }
    if let Some(min) = filter.min_sources {
        clauses.bind("e.sources >= {p}", Value::Integer(i64::from(min)));
    }
    if let Some((lat, lon, km)) = filter.near {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) || km <= 0.0 {
            return Err(StoreError::Invalid(format!(
                "near {lat},{lon} within {km} km: latitude must be in [-90, 90], \
                     longitude in [-180, 180], distance > 0"
            )));
        }
        // A bounding box the lat/lon index can use, then the exact distance.
        let dlat = (km / EARTH_RADIUS_KM).to_degrees();
        let dlon = dlat / lat.to_radians().cos().max(0.01);
        clauses.bind("e.lat >= {p}", Value::Real(lat - dlat));
        clauses.bind("e.lat <= {p}", Value::Real(lat + dlat));
        clauses.bind("e.lon >= {p}", Value::Real(lon - dlon));
        clauses.bind("e.lon <= {p}", Value::Real(lon + dlon));
        clauses.bind_all(
            "vigie_distance_km({p1}, {p2}, e.lat, e.lon) <= {p3}",
            [Value::Real(lat), Value::Real(lon), Value::Real(km)],
        );
    }
    if let Some(kind) = &filter.attribution {
        clauses.bind(
            "e.first_report_id IN (SELECT id FROM event_reports WHERE attribution_kind = {p})",
            Value::Text(kind.to_lowercase()),
        );
    }
    Ok(clauses)
}

/// SQL conditions and the values they bind.
#[derive(Default)]
pub(crate) struct Where {
    conditions: Vec<String>,
    pub(crate) values: Vec<Value>,
}

impl Where {
    /// Adds a condition over several values: `{p1}`, `{p2}`… stand for them in order.
    fn bind_all<const N: usize>(&mut self, condition: &str, values: [Value; N]) {
        let mut condition = condition.to_owned();
        for (i, value) in values.into_iter().enumerate() {
            self.values.push(value);
            let parameter = format!("?{}", self.values.len());
            condition = condition.replace(&format!("{{p{}}}", i + 1), &parameter);
        }
        self.conditions.push(condition);
    }

    /// Adds a condition; every `{p}` in it stands for `value`.
    fn bind(&mut self, condition: &str, value: Value) {
        self.values.push(value);
        let parameter = format!("?{}", self.values.len());
        self.conditions.push(condition.replace("{p}", &parameter));
    }

    pub(crate) fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}
