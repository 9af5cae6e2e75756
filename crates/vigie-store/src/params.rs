//! The event filter written as URL query parameters (`type=ASSAULT&country=IQ`), as the
//! HTTP API takes it and as a saved search keeps it: parsing, with an error naming the
//! parameter, and the canonical text of a filter.

use std::collections::BTreeMap;

use crate::StoreError;
use crate::query::{EventFilter, parse_point};

/// Largest page of results.
pub const MAX_LIMIT: usize = 500;

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 50;

/// The parameters that filter events (besides `limit` and `offset`).
pub const FILTER_PARAMETERS: [&str; 15] = [
    "type",
    "mode",
    "modality",
    "actor",
    "country",
    "admin1",
    "place",
    "near",
    "km",
    "from",
    "to",
    "q",
    "source",
    "min_sources",
    "attribution",
];

/// Query parameters by name; empty values are absent.
pub type Params = std::collections::HashMap<String, String>;

fn invalid(reason: String) -> StoreError {
    StoreError::Invalid(reason)
}

fn number<T: std::str::FromStr>(params: &Params, name: &str) -> Result<Option<T>, StoreError> {
    params
        .get(name)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse()
                .map_err(|_| invalid(format!("{name}={v}: not a number")))
        })
        .transpose()
}

fn date(params: &Params, name: &str) -> Result<Option<String>, StoreError> {
    let Some(value) = params.get(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let shape_ok = [4, 7, 10].contains(&value.len())
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(invalid(format!(
            "{name}={value}: expected YYYY, YYYY-MM or YYYY-MM-DD"
        )));
    }
    Ok(Some(value.clone()))
}

/// The page a request asks for: `limit` (1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`])
/// and `offset`.
pub fn page(params: &Params) -> Result<(usize, usize), StoreError> {
    let limit = number::<usize>(params, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(invalid(format!(
            "limit={limit}: must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok((limit, number(params, "offset")?.unwrap_or(0)))
}

impl EventFilter {
    /// The filter of query parameters: those of [`FILTER_PARAMETERS`], `limit` and
    /// `offset`. An unknown parameter, a malformed number, date or point is an error.
    pub fn from_params(params: &Params) -> Result<Self, StoreError> {
        if let Some(unknown) = params.keys().find(|k| {
            !FILTER_PARAMETERS.contains(&k.as_str()) && !["limit", "offset"].contains(&k.as_str())
        }) {
            return Err(invalid(format!("unknown parameter {unknown}")));
        }
        let text = |name: &str| params.get(name).filter(|v| !v.is_empty()).cloned();
        let near = match (text("near"), number::<f64>(params, "km")?) {
            (Some(point), Some(km)) => {
                let (lat, lon) = parse_point(&point)
                    .ok_or_else(|| invalid(format!("near={point}: expected LAT,LON")))?;
                Some((lat, lon, km))
            }
            (None, None) => None,
            _ => return Err(invalid("near and km go together".into())),
        };
        let (limit, offset) = page(params)?;
        Ok(EventFilter {
            event_type: text("type"),
            modality: text("modality"),
            mode: text("mode"),
            place: text("place"),
            actor: text("actor"),
            country: text("country"),
            admin1: text("admin1"),
            near,
            from: date(params, "from")?,
            to: date(params, "to")?,
            text: text("q"),
            source: text("source"),
            min_sources: number(params, "min_sources")?,
            attribution: text("attribution"),
            id: None,
            reported_after: None,
            limit,
            offset,
        })
    }

    /// The filter of a query string (`type=ASSAULT&country=IQ`, with or without a
    /// leading `?`), percent-decoded.
    pub fn from_query(query: &str) -> Result<Self, StoreError> {
        Self::from_params(&query_params(query))
    }
}

/// The parameters of a query string, percent-decoded; the last of a repeated name wins.
pub fn query_params(query: &str) -> Params {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .into_owned()
        .collect()
}

/// The canonical query string of the filter parameters of `query`: known filter
/// parameters only, non-empty, in name order, percent-encoded. Two queries that filter
/// alike have the same canonical text.
pub fn canonical_query(query: &str) -> Result<String, StoreError> {
    let params = query_params(query);
    EventFilter::from_params(&params)?;
    let kept: BTreeMap<&String, &String> = params
        .iter()
        .filter(|(k, v)| FILTER_PARAMETERS.contains(&k.as_str()) && !v.is_empty())
        .collect();
    Ok(form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_a_filter_or_an_error_naming_the_parameter() {
        let filter =
            EventFilter::from_query("?type=ASSAULT&country=iq&near=36.3,43.1&km=50&from=2026-03")
                .unwrap();
        assert_eq!(filter.event_type.as_deref(), Some("ASSAULT"));
        assert_eq!(filter.country.as_deref(), Some("iq"));
        assert_eq!(filter.near, Some((36.3, 43.1, 50.0)));
        assert_eq!(filter.from.as_deref(), Some("2026-03"));
        assert_eq!(filter.limit, DEFAULT_LIMIT);
        for (query, named) in [
            ("colour=red", "colour"),
            ("from=March", "from=March"),
            ("near=36,43", "near and km"),
            ("limit=0", "limit=0"),
            ("min_sources=two", "min_sources=two"),
        ] {
            let error = EventFilter::from_query(query).unwrap_err().to_string();
            assert!(error.contains(named), "{query}: {error}");
        }
    }

    #[test]
    fn canonical_queries_sort_decode_and_drop_paging() {
        assert_eq!(
            canonical_query("q=%22Gao%22+attaque&type=ASSAULT&limit=20&actor=").unwrap(),
            "q=%22Gao%22+attaque&type=ASSAULT"
        );
        assert_eq!(
            canonical_query("type=ASSAULT&q=\"Gao\" attaque").unwrap(),
            canonical_query("q=%22Gao%22%20attaque&type=ASSAULT").unwrap()
        );
        assert!(canonical_query("typ=ASSAULT").is_err());
    }
}
