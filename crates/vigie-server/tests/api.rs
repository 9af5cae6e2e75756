//! The API over a real server on loopback: filters, pagination, errors as JSON with a
//! 4xx status, one event with its reports, a document, and posting an article with and
//! without the token.

use std::sync::Arc;

use serde_json::Value;
use vigie_pipeline::{Language, Pipeline};
use vigie_server::AppState;

const ARTICLE: &str = r#"{"id": "a1", "title": "Attaque à Gao", "published": "2026-03-03", "source": "Le Guetteur",
  "text": "Des hommes armés ont attaqué mardi un poste de l'armée malienne à Gao, au Mali, faisant trois morts selon une source sécuritaire."}"#;

/// A server over a fresh store, whose files are removed when it is dropped.
struct Server {
    base: String,
    db: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        vigie_store::remove_database(&self.db);
    }
}

/// Starts a server over a fresh store.
fn start(name: &str) -> Server {
    let db = std::env::temp_dir().join(format!("vigie-api-{name}-{}.db", std::process::id()));
    vigie_store::remove_database(&db);
    vigie_store::Store::open(&db).unwrap();
    let state = AppState::open(
        &vigie_store::Location::File(db.clone()),
        2,
        Pipeline::embedded(Language::Auto),
        Some("secret".into()),
    )
    .unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            vigie_server::serve(listener, Arc::new(state))
                .await
                .unwrap();
        });
    });
    Server {
        base: format!("http://{}", receiver.recv().unwrap()),
        db,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and JSON body of a response.
fn json(mut response: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let body = response.body_mut().read_to_string().unwrap();
    (
        response.status().as_u16(),
        serde_json::from_str(&body).unwrap(),
    )
}

fn get(base: &str, path: &str) -> (u16, Value) {
    json(agent().get(&format!("{base}{path}")).call().unwrap())
}

fn post(base: &str, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = agent().post(&format!("{base}/api/documents"));
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    json(request.send(body).unwrap())
}

#[test]
fn writes_need_the_token_and_reads_filter() {
    let server = start("rw");
    let base = &server.base;
    assert_eq!(post(base, None, ARTICLE).0, 401);
    assert_eq!(post(base, Some("wrong"), ARTICLE).0, 401);
    // Same length, last byte differs; the token as a prefix; the token with a suffix.
    for near in ["secreT", "secre", "secrets"] {
        assert_eq!(post(base, Some(near), ARTICLE).0, 401, "{near}");
    }
    let (status, body) = post(base, Some("secret"), "{not json");
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("api#"));
    let (status, body) = post(base, Some("secret"), ARTICLE);
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "stored");
    assert_eq!(post(base, Some("secret"), ARTICLE).1["status"], "duplicate");

    let (status, events) = get(base, "/api/events?type=ASSAULT&country=ML");
    assert_eq!(status, 200);
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{events}");
    assert_eq!(items[0]["fatalities"], 3);
    let id = items[0]["id"].as_i64().unwrap();
    assert!(
        get(base, "/api/events?type=PROTEST").1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let by_place = get(base, "/api/events?place=Gao").1;
    assert_eq!(
        by_place["items"].as_array().map(Vec::len),
        Some(1),
        "{by_place}"
    );
    let abductions = get(base, "/api/events?mode=abduct").1;
    assert!(abductions["items"].as_array().unwrap().is_empty());
    let near_gao = get(base, "/api/events?near=16.27,-0.04&km=50").1;
    assert_eq!(near_gao["items"].as_array().unwrap().len(), 1, "{near_gao}");

    let (status, one) = get(base, &format!("/api/events/{id}"));
    assert_eq!(status, 200);
    let report = &one["reports"][0];
    let document_id = report["document_id"].as_i64().unwrap();
    let (_, document) = get(base, &format!("/api/documents/{document_id}"));
    let text = document["document"]["text"].as_str().unwrap();
    let [start, end] = [
        report["evidence_span"][0].as_u64().unwrap(),
        report["evidence_span"][1].as_u64().unwrap(),
    ];
    let evidence: String = text
        .chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect();
    assert_eq!(
        evidence,
        report["evidence"].as_str().unwrap(),
        "spans point at the evidence"
    );
    assert_eq!(
        get(base, "/api/search?q=Gao").1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get(base, "/api/aggregates/countries").1["items"][0]["key"],
        "ML"
    );
}

#[test]
fn bad_requests_get_json_errors() {
    let server = start("errors");
    let base = &server.base;
    for (path, status, reason) in [
        ("/api/events?limit=0", 400, "limit"),
        ("/api/events?from=yesterday", 400, "YYYY"),
        ("/api/events?near=1,2", 400, "near and km"),
        ("/api/events?near=95,0&km=10", 400, "latitude"),
        ("/api/events?colour=red", 400, "unknown parameter"),
        ("/api/events/abc", 400, "not a number"),
        ("/api/events/999", 404, "no event"),
        ("/api/documents/999", 404, "no document"),
        ("/api/nothing", 404, "no API endpoint"),
    ] {
        let (got, body) = get(base, path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(reason),
            "{path}: {body}"
        );
    }
    let (status, spec) = get(base, "/api/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(spec["openapi"], "3.0.3");
    assert!(spec["paths"]["/api/events"].is_object());
    for (path, content_type, needle) in [
        ("/", "text/html", "<title>Vigie</title>"),
        ("/licenses.txt", "text/plain", "d3-geo"),
    ] {
        let mut response = agent().get(&format!("{base}{path}")).call().unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let header = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(header.starts_with(content_type), "{path}: {header}");
        assert!(
            response
                .body_mut()
                .read_to_string()
                .unwrap()
                .contains(needle)
        );
    }
    let too_big = "x".repeat(vigie_server::MAX_BODY_BYTES + 1);
    let response = agent()
        .post(&format!("{base}/api/documents"))
        .header("Authorization", "Bearer secret")
        .send(too_big.as_str())
        .unwrap();
    let (status, body) = json(response);
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].is_string());
    let response = agent()
        .post(&format!("{base}/api/documents"))
        .header("Authorization", "Bearer secret")
        .send(&b"{\"text\": \"caf\xe9\"}"[..])
        .unwrap();
    let (status, body) = json(response);
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("UTF-8"), "{body}");
}

#[test]
fn text_queries_are_never_syntax_and_pages_never_overflow() {
    let server = start("fts");
    let base = &server.base;
    assert_eq!(post(base, Some("secret"), ARTICLE).0, 201);
    for path in [
        "/api/events",
        "/api/actors",
        "/api/places",
        "/api/aggregates/days",
        "/api/aggregates/countries",
        "/api/search",
    ] {
        for q in [
            "%22",
            "NEAR(",
            "x",
            "Gao%20AND",
            "a:b",
            "*",
            "%22Gao%22%20NEAR(%22Mali%22",
            // Found by `cargo fuzz` (fuzz/fuzz_targets/api_query.rs): a NUL in a term.
            "rig+5(=+(=JJ%00+;;;;;;+22%%22%-:=(5(=+++2fuzz+5,(;;g",
        ] {
            let (status, body) = get(base, &format!("{path}?q={q}"));
            assert_eq!(status, 200, "{path}?q={q}: {body}");
        }
    }
    let hits = |q: &str| {
        get(base, &format!("/api/search?q={q}")).1["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        hits("%22poste%20de%20l%27arm%C3%A9e%22"),
        1,
        "a quoted phrase"
    );
    assert_eq!(
        hits("%22arm%C3%A9e%20poste%22"),
        0,
        "words out of order are not the phrase"
    );
    assert_eq!(hits("malien*"), 1, "a prefix");
    assert_eq!(hits("Gao%20Bamako"), 0, "every word must occur");
    for offset in [
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
    ] {
        let (status, body) = get(base, &format!("/api/events?offset={offset}"));
        assert_eq!(status, 200, "offset={offset}: {body}");
        assert!(body["items"].as_array().unwrap().is_empty());
        assert_eq!(
            get(base, &format!("/api/search?q=Gao&offset={offset}")).0,
            200
        );
    }
    let (status, body) = get(base, "/api/events?offset=99999999999999999999999");
    assert_eq!(status, 400, "{body}");
    let (status, body) = get(base, "/api/events?from=%ZZ");
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].is_string());
}

#[test]
fn a_panic_free_post_with_a_non_ascii_date() {
    let server = start("date");
    let record =
        r#"{"text": "Les forces irakiennes ont bombardé Mossoul.", "published": "2025é-01-02"}"#;
    let (status, body) = post(&server.base, Some("secret"), record);
    assert_eq!(status, 201, "{body}");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use std::io::{Read, Write};
    let server = start("slow");
    let address = server.base.trim_start_matches("http://");
    let mut socket = std::net::TcpStream::connect(address).unwrap();
    socket
        .write_all(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    socket
        .set_read_timeout(Some(vigie_server::HEADER_TIMEOUT * 3))
        .unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection (EOF, possibly after a 408) within the timeout.
    let _ = socket.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(waited >= vigie_server::HEADER_TIMEOUT / 2, "{waited:?}");
    assert!(waited < vigie_server::HEADER_TIMEOUT * 2, "{waited:?}");
}

#[test]
fn cached_answers_follow_the_store_when_it_changes() {
    let server = start("cache");
    let base = &server.base;
    let documents = || get(base, "/api/stats").1["documents"].as_u64().unwrap();
    assert_eq!(documents(), 0);
    assert_eq!(documents(), 0, "served again, from the cache");
    // A write through this server…
    assert_eq!(post(base, Some("secret"), ARTICLE).0, 201);
    assert_eq!(documents(), 1);
    // …and one by another process's connection (an ingest running beside the server).
    let mut raw = vigie_ingest::RawArticle::text(
        "other",
        "Les forces irakiennes ont bombardé Mossoul mardi, selon l'armée.",
    );
    raw.published = Some("2026-03-04".into());
    let document = Pipeline::embedded(Language::Auto)
        .analyse(raw, vigie_ingest::Extractor::default())
        .unwrap();
    vigie_store::Store::open(&server.db)
        .unwrap()
        .write(&[vigie_store::Outcome::Analysed {
            origin: "other".into(),
            document: Box::new(document),
        }])
        .unwrap();
    assert_eq!(documents(), 2);
    assert_eq!(
        get(base, "/api/search?q=Mossoul").1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// The same attack as [`ARTICLE`], reported by a state-controlled outlet without a source.
const SAME_ATTACK: &str = r#"{"id": "rt1", "title": "Gao : un poste attaqué", "published": "2026-03-03", "source": "RT",
  "text": "Des hommes armés ont attaqué mardi un poste de l'armée malienne à Gao, au Mali."}"#;

#[test]
fn the_trust_panel_shows_the_outlet_the_sourcing_and_who_else_reports_the_event() {
    let server = start("trust");
    let base = &server.base;
    assert_eq!(post(base, Some("secret"), ARTICLE).0, 201);
    assert_eq!(post(base, Some("secret"), SAME_ATTACK).0, 201);
    let attacks = get(base, "/api/events?type=ASSAULT").1;
    let event = &attacks["items"][0];
    assert_eq!(event["source_count"], 2, "{attacks}");
    let (_, one) = get(base, &format!("/api/events/{}", event["id"]));
    let reports = one["reports"].as_array().unwrap();
    let rt = reports.iter().find(|r| r["source"] == "rt").unwrap();
    assert_eq!(rt["profile"]["typology"], "state-controlled");

    let (status, document) = get(base, &format!("/api/documents/{}", rt["document_id"]));
    assert_eq!(status, 200);
    let trust = &document["trust"];
    assert_eq!(trust["outlet"]["typology"], "state-controlled", "{trust}");
    let events = trust["events"].as_array().unwrap();
    assert_eq!(
        trust["attribution"]["events"].as_u64(),
        Some(events.len() as u64)
    );
    assert_eq!(trust["attribution"]["none"], 1, "{trust}");
    assert_eq!(events[0]["attribution"]["kind"], "none");
    assert_eq!(events[0]["event_id"], event["id"]);
    // The other report of the attack, from the agency that named its source.
    let corroboration = events[0]["corroboration"].as_array().unwrap();
    assert_eq!(corroboration.len(), 1, "{trust}");
    assert_eq!(corroboration[0]["source"], "le guetteur");
    assert_eq!(corroboration[0]["attribution"], "anonymous");
    assert_eq!(trust["unattributed"].as_array().unwrap().len(), 1);
}

fn send(method: &str, base: &str, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
    let url = format!("{base}{path}");
    let agent = agent();
    let authorisation = token.map(|t| format!("Bearer {t}"));
    let response = match method {
        "POST" => {
            let mut request = agent.post(&url);
            if let Some(value) = &authorisation {
                request = request.header("Authorization", value);
            }
            request.send(body)
        }
        _ => {
            let mut request = agent.delete(&url);
            if let Some(value) = &authorisation {
                request = request.header("Authorization", value);
            }
            request.call()
        }
    };
    json(response.unwrap())
}

#[test]
fn saved_searches_alert_and_publish_a_feed() {
    let server = start("watches");
    let base = &server.base;
    let search = r#"{"name": "Attaques au Mali", "filter": "type=ASSAULT&country=ML",
        "webhook": "https://hooks.example/T000/secret-path?key=secret"}"#;
    assert_eq!(send("POST", base, "/api/watches", None, search).0, 401);
    let (status, body) = send(
        "POST",
        base,
        "/api/watches",
        Some("secret"),
        r#"{"name": "x", "filter": "kind=ASSAULT"}"#,
    );
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("kind"), "{body}");
    let (status, watch) = send("POST", base, "/api/watches", Some("secret"), search);
    assert_eq!(status, 201, "{watch}");
    assert_eq!(watch["filter"], "country=ML&type=ASSAULT");
    // A webhook URL's path and query may hold a secret: the API shows its host only.
    assert_eq!(watch["webhook"], "https://hooks.example/…");
    let id = watch["id"].as_i64().unwrap();
    assert_eq!(
        send("POST", base, "/api/watches", Some("secret"), search).0,
        400,
        "a name is saved once"
    );

    assert_eq!(post(base, Some("secret"), ARTICLE).0, 201);
    let (status, alerts) = get(base, &format!("/api/watches/{id}/alerts"));
    assert_eq!(status, 200);
    let items = alerts["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{alerts}");
    assert_eq!(items[0]["event"]["place"], "Gao");
    assert_eq!(items[0]["delivery"], "pending");
    let listed = get(base, "/api/watches").1;
    assert_eq!(listed["items"][0]["alerts"], 1);
    assert!(!listed.to_string().contains("secret"), "{listed}");

    let mut response = agent()
        .get(&format!("{base}/api/watches/{id}/feed.atom"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("application/atom+xml"));
    let feed = response.body_mut().read_to_string().unwrap();
    assert!(
        feed.contains("<title>Vigie: Attaques au Mali</title>"),
        "{feed}"
    );
    assert_eq!(feed.matches("<entry>").count(), 1);
    assert!(feed.contains("ASSAULT: "), "{feed}");
    assert!(feed.contains(&format!("#/event/{}", items[0]["event"]["id"])));

    assert_eq!(
        send("DELETE", base, &format!("/api/watches/{id}"), None, "").0,
        401
    );
    assert_eq!(
        send(
            "DELETE",
            base,
            &format!("/api/watches/{id}"),
            Some("secret"),
            ""
        )
        .0,
        200
    );
    assert_eq!(get(base, &format!("/api/watches/{id}/alerts")).0, 404);
}
