//! A cache of the API's answers, emptied whenever the store changes.
//!
//! A dashboard asks the same questions again and again (the overview's lists and counts),
//! and the store changes only when something is ingested. Answers to `GET /api/…` are
//! kept, byte for byte, under their path and query; before an answer is served from the
//! cache, the store's `data_version` on a connection of the cache's own tells whether
//! any other connection (this server's writer, an `ingest` in another process, a worker
//! on another machine) committed since, in which case the cache is emptied. An answer computed before a change and
//! finished after it is not kept: each carries the generation it was computed in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use vigie_store::{Location, Store, StoreError};

use crate::AppState;

/// Most answers kept; the cache is emptied when it is full.
const MAX_ANSWERS: usize = 4096;

/// Largest answer kept, in bytes.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Answers by request path and query, valid for one generation of the store.
pub struct AnswerCache {
    /// A read-only connection that only asks `data_version`.
    watcher: Mutex<Store>,
    state: Mutex<Generation>,
}

/// What the cache holds for one state of the store.
#[derive(Default)]
struct Generation {
    /// The watcher's `data_version` when last asked.
    seen_version: i64,
    /// Bumped on every change seen.
    number: u64,
    answers: HashMap<String, Bytes>,
}

impl AnswerCache {
    /// A cache over the store at `db`.
    pub fn open(db: &Location) -> Result<Self, StoreError> {
        let watcher = Store::connect_read_only(db)?;
        let seen_version = watcher.data_version()?;
        Ok(AnswerCache {
            watcher: Mutex::new(watcher),
            state: Mutex::new(Generation {
                seen_version,
                ..Generation::default()
            }),
        })
    }

    /// The cached answer for `key`, or the generation a fresh answer belongs to.
    fn lookup(&self, key: &str) -> Result<Bytes, u64> {
        let version = self
            .watcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .data_version();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match version {
            Ok(version) if version == state.seen_version => {}
            Ok(version) => {
                state.seen_version = version;
                state.number += 1;
                state.answers.clear();
            }
            // Cannot tell: serve nothing from the cache.
            Err(_) => {
                state.number += 1;
                state.answers.clear();
                return Err(state.number);
            }
        }
        state.answers.get(key).cloned().ok_or(state.number)
    }

    /// Keeps `answer` for `key` if the store has not changed since `generation`.
    fn keep(&self, key: String, generation: u64, answer: Bytes) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.number == generation {
            if state.answers.len() >= MAX_ANSWERS {
                state.answers.clear();
            }
            state.answers.insert(key, answer);
        }
    }
}

/// Middleware: serves `GET` answers from the cache, and keeps successful JSON answers.
pub async fn cached(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if state.cache.is_none() || request.method() != Method::GET {
        return next.run(request).await;
    }
    let key = request.uri().to_string();
    // Asking the store blocks (a PostgreSQL round trip): not on the async workers.
    let lookup = {
        let (state, key) = (Arc::clone(&state), key.clone());
        tokio::task::spawn_blocking(move || state.cache.as_ref().map(|cache| cache.lookup(&key)))
            .await
    };
    let generation = match lookup {
        Ok(Some(Ok(answer))) => return json_response(answer),
        Ok(Some(Err(generation))) => generation,
        _ => return next.run(request).await,
    };
    let Some(cache) = state.cache.as_ref() else {
        return next.run(request).await;
    };
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // Answers in other formats (a saved search's Atom feed) are built for the host asked.
    if response.status() != StatusCode::OK || !is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    // API answers are built whole in memory: this reads no more than is already there.
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            if bytes.len() <= MAX_ANSWER_BYTES {
                cache.keep(key, generation, bytes.clone());
            }
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

fn json_response(answer: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], answer).into_response()
}
