//! `vigie bench api`: the API's latency under load, with our own load generator on
//! loopback (keep-alive connections, each sending one request after another).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigie_pipeline::{Language, Pipeline};
use vigie_server::AppState;
use vigie_store::{Location, Outcome, Store};

/// Events per synthetic document.
const EVENTS_PER_DOCUMENT: usize = 10;

/// The queries the clients cycle through: what a dashboard asks — event lists under
/// filters, counts per day and country, actors and places, and full-text search (over
/// every article, and for one).
const QUERIES: [&str; 18] = [
    "/api/search?q=evidence%20sentence",
    "/api/aggregates/countries",
    "/api/actors?type=ASSAULT",
    "/api/places?country=IQ",
    "/api/events?q=benchmark&type=ASSAULT&limit=50",
    "/api/search?q=00004242",
    "/api/events?limit=50",
    "/api/events?type=ASSAULT&limit=50",
    "/api/events?country=IQ&limit=50",
    "/api/events?type=PROTEST&country=ML&limit=50",
    "/api/events?near=33.31,44.36&km=100&limit=50",
    "/api/events?from=2025-03-01&to=2025-03-31&limit=50",
    "/api/events?actor=ISIS&type=ASSAULT&limit=50",
    "/api/events?min_sources=2&limit=50",
    "/api/events?type=COERCE&from=2025-06-01&limit=50&offset=50",
    "/api/events?country=SY&modality=asserted&limit=50",
    "/api/aggregates/days?type=ASSAULT",
    "/api/events?near=15.0,0.0&km=500&type=ASSAULT&limit=50",
];

/// Runs `vigie bench api`.
pub fn api(
    events: usize,
    connections: usize,
    duration: Duration,
    keep: Option<&Location>,
    cache: bool,
) -> anyhow::Result<ExitCode> {
    let temporary = std::env::temp_dir().join(format!("vigie-bench-api-{}.db", std::process::id()));
    let db = keep.cloned().unwrap_or(Location::File(temporary.clone()));
    let remove = || vigie_store::remove_database(&temporary);
    if keep.is_none() {
        remove();
    }
    let started = Instant::now();
    let mut store = Store::connect(&db)?;
    if store.counts()?.events == 0 {
        fill(&mut store, events)?;
    }
    let counts = store.counts()?;
    drop(store);
    println!(
        "store           {} events merged from {} reports in {} documents (ready in {:.0} s)",
        counts.events,
        counts.reports,
        counts.documents,
        started.elapsed().as_secs_f64()
    );
    let latencies = load(&db, connections, duration, cache)?;
    if keep.is_none() {
        remove();
    }
    report(latencies, connections, duration);
    Ok(ExitCode::SUCCESS)
}

/// Writes synthetic documents holding `events` events.
fn fill(store: &mut Store, events: usize) -> anyhow::Result<()> {
    let documents =
        vigie_eval::synthetic::documents(events.div_ceil(EVENTS_PER_DOCUMENT), EVENTS_PER_DOCUMENT);
    for chunk in documents.chunks(500) {
        let outcomes: Vec<Outcome> = chunk
            .iter()
            .map(|d| Outcome::Analysed {
                origin: d.id.clone(),
                document: Box::new(d.clone()),
            })
            .collect();
        store.write(&outcomes)?;
    }
    Ok(())
}

/// Serves the store (with its answer cache when `cache`) and sends it queries from
/// `connections` clients for `duration`; returns every request's latency.
fn load(
    db: &Location,
    connections: usize,
    duration: Duration,
    cache: bool,
) -> anyhow::Result<Vec<Duration>> {
    let mut state = AppState::open(
        db,
        connections.max(2),
        Pipeline::embedded(Language::Auto),
        None,
    )?;
    if !cache {
        state.cache = None;
    }
    let state = Arc::new(state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    runtime.spawn(vigie_server::serve(listener, state));

    let clients: Vec<_> = (0..connections.max(1))
        .map(|client| {
            let base = base.clone();
            std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
                let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
                let mut latencies = Vec::new();
                let started = Instant::now();
                let mut i = client;
                while started.elapsed() < duration {
                    let sent = Instant::now();
                    let mut response = agent
                        .get(&format!("{base}{}", QUERIES[i % QUERIES.len()]))
                        .call()?;
                    response.body_mut().read_to_vec()?;
                    latencies.push(sent.elapsed());
                    i += 1;
                }
                Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.join().expect("client thread panicked")?);
    }
    runtime.shutdown_background();
    Ok(latencies)
}

/// Prints the latency percentiles.
fn report(mut latencies: Vec<Duration>, connections: usize, duration: Duration) {
    latencies.sort();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index].as_secs_f64() * 1000.0
    };
    println!(
        "load            {} connections for {:.0} s, {} queries in rotation",
        connections,
        duration.as_secs_f64(),
        QUERIES.len()
    );
    println!(
        "requests        {} ({:.0}/s)",
        latencies.len(),
        latencies.len() as f64 / duration.as_secs_f64()
    );
    println!(
        "latency ms      p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        percentile(0.50),
        percentile(0.90),
        percentile(0.99),
        percentile(1.0)
    );
}
