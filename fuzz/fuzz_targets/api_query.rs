//! The API's query parsing and the store queries behind it, through the real router:
//! any query string on any read endpoint answers, never panics.
#![no_main]

use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;
use vigie_pipeline::{Language, Pipeline};

/// A runtime and a router over a small store, made once.
static SERVER: LazyLock<(tokio::runtime::Runtime, axum::Router)> = LazyLock::new(|| {
    let db = std::env::temp_dir().join(format!("vigie-fuzz-api-{}.db", std::process::id()));
    vigie_store::remove_database(&db);
    let mut store = vigie_store::Store::open(&db).unwrap();
    let mut raw = vigie_ingest::RawArticle::text(
        "fuzz",
        "Des hommes armés ont attaqué mardi un poste de l'armée malienne à Gao, au Mali.",
    );
    raw.published = Some("2026-03-03".into());
    let pipeline = Pipeline::embedded(Language::Auto);
    let document = pipeline
        .analyse(raw, vigie_ingest::Extractor::DomSmoothie)
        .unwrap();
    store
        .write(&[vigie_store::Outcome::Analysed {
            origin: "fuzz".into(),
            document: Box::new(document),
        }])
        .unwrap();
    let state = vigie_server::AppState::open(&db, 1, pipeline, None).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (runtime, vigie_server::router(Arc::new(state)))
});

const ENDPOINTS: [&str; 8] = [
    "events",
    "search",
    "actors",
    "places",
    "sources",
    "aggregates/days",
    "aggregates/countries",
    "events/1",
];

libfuzzer_sys::fuzz_target!(|input: (u8, &str)| {
    let (endpoint, query) = input;
    let endpoint = ENDPOINTS[usize::from(endpoint) % ENDPOINTS.len()];
    let Ok(request) = Request::get(format!("/api/{endpoint}?{query}")).body(Body::empty()) else {
        return;
    };
    let (runtime, router) = &*SERVER;
    let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
    assert!(
        !response.status().is_server_error(),
        "{endpoint}?{query}: {}",
        response.status()
    );
});
