//! The JSON API. Every error is a JSON object `{"error": reason}` with a 4xx or 5xx
//! status; handlers never panic on input.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use vigie_ingest::{Extractor, parse_jsonl_line};
use vigie_pipeline::AnalysisError;
use vigie_store::{EventFilter, Outcome, Store, StoreError};

use crate::AppState;
use crate::trust::{self, source_profile};

use vigie_store::params::{self, MAX_LIMIT};

/// An error answer.
pub struct ApiError(pub(crate) StatusCode, pub(crate) String);

impl ApiError {
    pub(crate) fn bad_request(reason: impl Into<String>) -> Self {
        ApiError(StatusCode::BAD_REQUEST, reason.into())
    }

    pub(crate) fn not_found(reason: impl Into<String>) -> Self {
        ApiError(StatusCode::NOT_FOUND, reason.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Invalid(reason) => ApiError::bad_request(reason),
            other => ApiError(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

/// Turns error answers that are not JSON — axum's own rejections of a request (a body
/// that is not UTF-8 or is too large, a malformed query string, a wrong method) — into
/// `{"error": …}` with the same status, so that every API error has one shape.
pub async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if body.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        body
    };
    ApiError(status, message).into_response()
}

pub(crate) type ApiResult = Result<Json<Value>, ApiError>;
pub(crate) type Params = Query<HashMap<String, String>>;

/// Runs a store read on a blocking thread.
pub(crate) async fn read<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || work(&state.pool.reader()))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

/// Runs a store write on a blocking thread, with the server's write connection (which
/// only a server started with a token has).
pub(crate) async fn write<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        let mut store = state.pool.writer().ok_or_else(|| {
            ApiError(
                StatusCode::FORBIDDEN,
                "writes are disabled: start the server with --token".into(),
            )
        })?;
        work(&mut store)
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

/// Page limit and offset.
pub(crate) fn page(params: &HashMap<String, String>) -> Result<(usize, usize), ApiError> {
    Ok(params::page(params)?)
}

/// The event filter of the query parameters (see the OpenAPI description).
fn filter(params: &HashMap<String, String>) -> Result<EventFilter, ApiError> {
    Ok(EventFilter::from_params(params)?)
}

/// `GET /api/events`: filtered events, most corroborated first.
pub async fn events(State(state): State<Arc<AppState>>, Query(params): Params) -> ApiResult {
    let filter = filter(&params)?;
    let (limit, offset) = (filter.limit, filter.offset);
    let rows = read(&state, move |store| Ok(store.events(&filter)?)).await?;
    let next = (rows.len() == limit)
        .then(|| offset.checked_add(limit))
        .flatten();
    Ok(Json(
        json!({ "items": rows, "limit": limit, "offset": offset, "next_offset": next }),
    ))
}

/// `GET /api/events/{id}`: one event and all its reports, each with its source's profile.
pub async fn event(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request(format!("event id {id}: not a number")))?;
    read(&state, move |store| {
        let event = store
            .event(id)?
            .ok_or_else(|| ApiError::not_found(format!("no event {id}")))?;
        // Each report with its source's profile, so that sources can be set side by side.
        let reports: Vec<Value> = store
            .reports(id)?
            .into_iter()
            .map(|report| {
                let profile = source_profile(&report.source);
                let mut report = json!(report);
                report["profile"] = json!(profile);
                report
            })
            .collect();
        Ok(Json(json!({ "event": event, "reports": reports })))
    })
    .await
}

/// `GET /api/documents/{id}`: a stored article with every annotation and its trust panel.
pub async fn document(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request(format!("document id {id}: not a number")))?;
    read(&state, move |store| {
        let document = store
            .document(id)?
            .ok_or_else(|| ApiError::not_found(format!("no document {id}")))?;
        let reports = store.document_reports(id)?;
        let mut event_ids: Vec<i64> = reports.iter().map(|r| r.event_id).collect();
        event_ids.sort_unstable();
        event_ids.dedup();
        Ok(Json(json!({
            "id": id,
            "source": store.document_source(id)?,
            "event_ids": event_ids,
            "trust": trust::panel(store, id, &document, &reports)?,
            "document": document,
        })))
    })
    .await
}

/// `GET /api/search?q=`: articles matching a full-text query.
pub async fn search(State(state): State<Arc<AppState>>, Query(params): Params) -> ApiResult {
    let query = params
        .get("q")
        .filter(|q| !q.trim().is_empty())
        .cloned()
        .ok_or_else(|| ApiError::bad_request("q is required"))?;
    let (limit, offset) = page(&params)?;
    let hits = read(
        &state,
        move |store| Ok(store.search(&query, limit, offset)?),
    )
    .await?;
    Ok(Json(json!({ "items": hits })))
}

/// `GET /api/actors`: actors of the filtered events, most frequent first.
pub async fn actors(State(state): State<Arc<AppState>>, Query(params): Params) -> ApiResult {
    let filter = filter(&params)?;
    let items = read(&state, move |store| Ok(store.actors(&filter)?)).await?;
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/places`: places of the filtered events, most frequent first.
pub async fn places(State(state): State<Arc<AppState>>, Query(params): Params) -> ApiResult {
    let filter = filter(&params)?;
    let items = read(&state, move |store| Ok(store.places(&filter)?)).await?;
    Ok(Json(json!({ "items": items })))
}

/// The filter of an aggregate: it counts every matching event unless a limit is given.
fn aggregate_filter(mut params: HashMap<String, String>) -> Result<EventFilter, ApiError> {
    params
        .entry("limit".into())
        .or_insert_with(|| MAX_LIMIT.to_string());
    filter(&params)
}

/// `GET /api/aggregates/days`: filtered events per day.
pub async fn per_day(State(state): State<Arc<AppState>>, Query(params): Params) -> ApiResult {
    let filter = aggregate_filter(params)?;
    let items = read(&state, move |store| Ok(store.events_per_day(&filter)?)).await?;
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/aggregates/countries`: filtered events per country.
pub async fn per_country(State(state): State<Arc<AppState>>, Query(params): Params) -> ApiResult {
    let filter = aggregate_filter(params)?;
    let items = read(&state, move |store| Ok(store.events_per_country(&filter)?)).await?;
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/sources`: sources with their article counts and profiles.
pub async fn sources(State(state): State<Arc<AppState>>, Query(params): Params) -> ApiResult {
    let (limit, _) = page(&params)?;
    let tallies = read(&state, move |store| Ok(store.sources(limit)?)).await?;
    let items: Vec<Value> = tallies
        .into_iter()
        .map(|t| {
            json!({
                "key": t.key,
                "name": t.name,
                "documents": t.count,
                "profile": source_profile(&t.key).or_else(|| source_profile(&t.name)),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/sources/{key}`: one source's profile and its strongest signals.
pub async fn source(State(state): State<Arc<AppState>>, Path(key): Path<String>) -> ApiResult {
    let lookup = key.clone();
    let signals = read(&state, move |store| Ok(store.source_signals(&lookup, 100)?)).await?;
    let signals: Vec<Value> = signals
        .into_iter()
        .map(|(kind, detail, score)| json!({ "kind": kind, "detail": detail, "score": score }))
        .collect();
    Ok(Json(
        json!({ "key": key, "profile": source_profile(&key), "signals": signals }),
    ))
}

/// `GET /api/stats`: what the store holds.
pub async fn stats(State(state): State<Arc<AppState>>) -> ApiResult {
    let counts = read(&state, |store| Ok(store.counts()?)).await?;
    Ok(Json(json!(counts)))
}

/// `GET /api/openapi.json`: the OpenAPI description of this API.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
        .into_response()
}

/// Unknown API paths.
pub async fn not_found(Path(rest): Path<String>) -> ApiError {
    ApiError::not_found(format!("no API endpoint /api/{rest}"))
}

/// Refuses a write unless the server has a token and the request carries it.
pub(crate) fn authorise(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &state.token else {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "writes are disabled: start the server with --token".into(),
        ));
    };
    let authorised = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| same_secret(given.as_bytes(), token.as_bytes()));
    if !authorised {
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "a valid Authorization: Bearer token is required".into(),
        ));
    }
    Ok(())
}

/// Whether `given` is `secret`, compared in a time that does not depend on where they first
/// differ (`==` stops at the first differing byte, which lets a caller guess a token byte
/// by byte from response times); only the length shows.
fn same_secret(given: &[u8], secret: &[u8]) -> bool {
    given.len() == secret.len()
        && std::hint::black_box(
            given
                .iter()
                .zip(secret)
                .fold(0u8, |difference, (a, b)| difference | (a ^ b)),
        ) == 0
}

/// `POST /api/documents` (bearer token): analyses a posted article (a JSON object like a
/// JSONL record: `text` or `html`, optional `id`, `title`, `url`, `published`, `source`)
/// and stores it.
pub async fn post_document(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    authorise(&state, &headers)?;
    let origin = format!("api#{:016x}", vigie_core::fnv1a(body.bytes()));
    let analysed = {
        let (state, origin) = (Arc::clone(&state), origin.clone());
        tokio::task::spawn_blocking(move || {
            let raw = parse_jsonl_line(&origin, body.trim())
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            state
                .pipeline
                .analyse(raw, Extractor::default())
                .map_err(|e| match e {
                    AnalysisError::Ingest(e) => ApiError::bad_request(e.to_string()),
                    panicked @ AnalysisError::Panicked { .. } => {
                        ApiError(StatusCode::INTERNAL_SERVER_ERROR, panicked.to_string())
                    }
                })
        })
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??
    };
    let events = analysed.events.len();
    let outcome = Outcome::Analysed {
        origin: origin.clone(),
        document: Box::new(analysed),
    };
    let written = write(&state, move |store| Ok(store.write(&[outcome])?)).await?;
    let status = if written.stored == 1 {
        "stored"
    } else {
        "duplicate"
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({ "origin": origin, "status": status, "events": events })),
    ))
}
