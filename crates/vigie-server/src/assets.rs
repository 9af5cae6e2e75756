//! The dashboard's files, built from `dashboard/` (`npm run build`) into
//! `crates/vigie-server/assets/` and embedded in the binary.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// Embedded files: path, content type, bytes.
const FILES: [(&str, &str, &[u8]); 5] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../assets/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/style.css"),
    ),
    (
        "world.json",
        "application/json",
        include_bytes!("../assets/world.json"),
    ),
    (
        "licenses.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/licenses.txt"),
    ),
];

/// Serves a dashboard file; any other path gets the dashboard page (its views live in
/// the URL fragment).
pub async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (_, content_type, bytes) = FILES
        .iter()
        .find(|(name, _, _)| *name == path)
        .unwrap_or(&FILES[0]);
    if path.contains('.') && !FILES.iter().any(|(name, _, _)| *name == path) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    (
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        *bytes,
    )
        .into_response()
}
