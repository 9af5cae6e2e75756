//! Saved searches over HTTP: listing them and their alerts, saving and deleting them
//! (bearer token), and each one's Atom feed.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use vigie_store::{Alert, Store, Watch};

use crate::AppState;
use crate::api::{ApiError, ApiResult, Params, authorise, page, read, write};

/// Alerts in a saved search's feed.
const FEED_ENTRIES: usize = 50;

/// A saved search as anyone who can read the API sees it: its webhook shown by host
/// only, since webhook URLs often carry a secret in their path or query.
fn public(mut watch: Watch) -> Watch {
    watch.webhook = watch.webhook.map(|url| {
        let scheme = url.split("://").next().unwrap_or("https");
        let host = vigie_core::url_host(&url).unwrap_or_default();
        format!("{scheme}://{host}/…")
    });
    watch
}

/// `GET /api/watches`: the saved searches, with their alert counts.
pub async fn list(State(state): State<Arc<AppState>>) -> ApiResult {
    let items = read(&state, |store| Ok(store.watches()?)).await?;
    let items: Vec<Watch> = items.into_iter().map(public).collect();
    Ok(Json(json!({ "items": items })))
}

/// What `POST /api/watches` takes.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWatch {
    name: String,
    filter: String,
    #[serde(default)]
    webhook: Option<String>,
}

/// `POST /api/watches` (bearer token): saves a search `{"name", "filter", "webhook"?}`,
/// its filter an `/api/events` query string.
pub async fn add(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    authorise(&state, &headers)?;
    let new: NewWatch = serde_json::from_str(&body)
        .map_err(|e| ApiError::bad_request(format!("saved search: {e}")))?;
    let watch = write(&state, move |store| {
        Ok(public(store.add_watch(
            &new.name,
            &new.filter,
            new.webhook.as_deref(),
        )?))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!(watch))))
}

/// `DELETE /api/watches/{id}` (bearer token): deletes a saved search and its alerts.
pub async fn remove(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    authorise(&state, &headers)?;
    write(&state, move |store| {
        if store.remove_watch(&id)? {
            Ok(Json(json!({ "removed": id })))
        } else {
            Err(ApiError::not_found(format!("no saved search {id}")))
        }
    })
    .await
}

/// The saved search `id` (an id or a name) and its newest `limit` alerts.
fn with_alerts(store: &Store, id: &str, limit: usize) -> Result<(Watch, Vec<Alert>), ApiError> {
    let watch = store
        .watch(id)?
        .ok_or_else(|| ApiError::not_found(format!("no saved search {id}")))?;
    let alerts = store.alerts(watch.id, limit)?;
    Ok((watch, alerts))
}

/// `GET /api/watches/{id}/alerts`: a saved search and its newest alerts, each with its
/// event as it is now.
pub async fn alerts(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult {
    let (limit, _) = page(&params)?;
    read(&state, move |store| {
        let (watch, items) = with_alerts(store, &id, limit)?;
        Ok(Json(json!({ "watch": public(watch), "items": items })))
    })
    .await
}

/// `GET /api/watches/{id}/feed.atom`: the saved search's newest alerts as an Atom feed.
pub async fn feed(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (watch, alerts) = read(&state, move |store| with_alerts(store, &id, FEED_ENTRIES)).await?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let xml = crate::feed::atom(&watch, &alerts, &format!("http://{host}/"));
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}
