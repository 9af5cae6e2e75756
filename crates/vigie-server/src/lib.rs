//! `vigie serve`: an HTTP API over the store and the dashboard that draws it, served by
//! one binary with no internet (the world map is a bundled Natural Earth atlas).
//!
//! Reads go to a small pool of SQLite connections (WAL lets them run beside a writer);
//! the one write endpoint (posting an article) needs the bearer token the server was
//! started with.

mod api;
mod assets;
mod pool;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
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
}

impl AppState {
    /// State over the store at `db` with `readers` read connections.
    pub fn open(
        db: &Path,
        readers: usize,
        pipeline: Pipeline<'static>,
        token: Option<String>,
    ) -> Result<Self, vigie_store::StoreError> {
        Ok(AppState {
            pool: Pool::open(db, readers, token.is_some())?,
            pipeline,
            token,
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
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/{*rest}", get(api::not_found))
        .fallback(get(assets::asset))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves on a bound listener until interrupted (Ctrl-C).
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
