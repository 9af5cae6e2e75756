//! `vigie serve`: an HTTP API over the store and the dashboard that draws it, served by
//! one binary with no internet (the world map is a bundled Natural Earth atlas).
//!
//! Reads go to a small pool of store connections (SQLite's WAL lets them run beside a
//! writer); the write endpoints (posting an article, saving or deleting a search) need
//! the bearer token the server was started with.

mod api;
mod assets;
pub mod cache;
mod feed;
mod pool;
mod trust;
mod watches;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use vigie_pipeline::Pipeline;

pub use pool::Pool;

/// Largest request body accepted (a posted article), in bytes.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// What the handlers share.
pub struct AppState {
    /// Store connections.
    pub pool: Pool,
    /// The pipeline that analyses posted articles.
    pub pipeline: Pipeline<'static>,
    /// Bearer token for write endpoints; writes are refused without one.
    pub token: Option<String>,
    /// Answers kept until the store changes; `None` computes every answer.
    pub cache: Option<cache::AnswerCache>,
}

impl AppState {
    /// State over the store at `db` with `readers` read connections.
    pub fn open(
        db: &vigie_store::Location,
        readers: usize,
        pipeline: Pipeline<'static>,
        token: Option<String>,
    ) -> Result<Self, vigie_store::StoreError> {
        let pool = Pool::open(db, readers, token.is_some())?;
        Ok(AppState {
            pool,
            pipeline,
            token,
            cache: Some(cache::AnswerCache::open(db)?),
        })
    }
}

/// The routes: the API under `/api`, the dashboard at `/`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/events", get(api::events))
        .route("/api/events/{id}", get(api::event))
        .route("/api/documents", post(api::post_document))
        .route("/api/documents/{id}", get(api::document))
        .route("/api/search", get(api::search))
        .route("/api/actors", get(api::actors))
        .route("/api/places", get(api::places))
        .route("/api/sources", get(api::sources))
        .route("/api/sources/{key}", get(api::source))
        .route("/api/aggregates/days", get(api::per_day))
        .route("/api/aggregates/countries", get(api::per_country))
        .route("/api/stats", get(api::stats))
        .route("/api/watches", get(watches::list).post(watches::add))
        .route("/api/watches/{id}", delete(watches::remove))
        .route("/api/watches/{id}/alerts", get(watches::alerts))
        .route("/api/watches/{id}/feed.atom", get(watches::feed))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/{*rest}", get(api::not_found))
        .route_layer(axum::middleware::map_response(api::json_errors))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            cache::cached,
        ))
        .fallback(get(assets::asset))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Longest wait for a request's headers, counted from when the server starts waiting for
/// them (so also how long an idle keep-alive connection is kept).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest time for one request once its headers are in: reading its body and answering.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves on a bound listener until interrupted (Ctrl-C). Each connection speaks HTTP/1.1
/// with [`HEADER_TIMEOUT`] on headers and idle keep-alive, and each request is bounded by
/// [`REQUEST_TIMEOUT`]: a client that sends slowly, or not at all, cannot hold a socket.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let app = router(state).layer(axum::middleware::from_fn(limit_request_time));
    let service = hyper_util::service::TowerToHyperService::new(app);
    let shutdown = tokio::signal::ctrl_c();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait and go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let service = service.clone();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            // A client that goes away mid-request is its own business.
            let _ = connection.await;
        });
    }
}

/// Answers 408 (as JSON) when a request takes longer than [`REQUEST_TIMEOUT`].
async fn limit_request_time(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            axum::http::StatusCode::REQUEST_TIMEOUT,
            axum::Json(serde_json::json!({ "error": "the request took too long" })),
        )
            .into_response(),
    }
}
