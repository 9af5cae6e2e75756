//! Saved searches end to end: `vigie watch add` with a webhook on loopback, an `ingest`
//! killed with SIGKILL while it posts alerts and started again: every alert is posted,
//! none twice; and a webhook on a private address is refused unless allowed.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vigie_store::Store;

mod common;
use common::Scratch;

fn vigie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .output()
        .unwrap()
}

/// Deliveries a webhook receiver got: `Idempotency-Key` → the alert ids of the bodies.
type Received = Arc<Mutex<Vec<(String, i64)>>>;

/// A webhook receiver on loopback that answers 200 to every POST after `delay`;
/// returns its URL and what it received.
fn receiver(delay: Duration) -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = HashMap::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
                }
            }
            let length: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            // A request cut off by the killed ingest (before its headers or body were
            // complete) is no delivery: the sender got no answer either.
            let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body) else {
                continue;
            };
            std::thread::sleep(delay);
            log.lock().unwrap().push((
                headers.get("idempotency-key").cloned().unwrap_or_default(),
                payload["alert_id"].as_i64().unwrap(),
            ));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, received)
}

/// `count` invented attack reports three days apart: each a separate event.
fn write_reports(path: &std::path::Path, count: usize) {
    let mut lines = String::new();
    for i in 0..count {
        let day = day_of_2025(i * 3);
        lines.push_str(&serde_json::json!({
            "id": format!("attack-{i}"),
            "published": day,
            "source": format!("Agence {}", i % 3),
            "text": format!("Des hommes armés ont attaqué un poste de l'armée malienne à Gao, au Mali, selon une source sécuritaire. Dépêche {i}."),
        }).to_string());
        lines.push('\n');
    }
    std::fs::write(path, lines).unwrap();
}

/// `YYYY-MM-DD` of day `day` (from 0) of 2025.
fn day_of_2025(mut day: usize) -> String {
    const MONTHS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while day >= MONTHS[month] {
        day -= MONTHS[month];
        month += 1;
    }
    format!("2025-{:02}-{:02}", month + 1, day + 1)
}

#[test]
fn alerts_reach_the_webhook_once_across_a_killed_ingest() {
    let scratch = Scratch::new("alerts-kill");
    let db = scratch.join("vigie.db");
    let reports = scratch.join("reports.jsonl");
    let total = 80;
    write_reports(&reports, total);
    let (url, received) = receiver(Duration::from_millis(30));
    let db_arg = db.to_str().unwrap();
    let added = vigie(&[
        "watch",
        "add",
        "Attaques",
        "--filter",
        "type=ASSAULT&country=ML",
        "--webhook",
        &url,
        "--db",
        db_arg,
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let args = [
        "ingest",
        reports.to_str().unwrap(),
        "--db",
        db_arg,
        "--fast",
        "--batch",
        "2",
        "--jobs",
        "1",
        "--quiet",
        "--allow-private-webhooks",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while received.lock().unwrap().len() < 5 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL, while alerts are being posted
    child.wait().unwrap();
    let before_restart = received.lock().unwrap().len();
    assert!(
        before_restart >= 5,
        "the kill must land while alerts are posted"
    );

    let output = vigie(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let store = Store::open(&db).unwrap();
    let watch = store.watch("Attaques").unwrap().unwrap();
    let alerts = store.alerts(watch.id, 1000).unwrap();
    assert_eq!(alerts.len(), total, "one alert per event");
    let received = received.lock().unwrap().clone();
    let mut ids: Vec<i64> = received.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len(),
        received.len(),
        "no alert posted twice: {received:?}"
    );
    for (key, id) in &received {
        assert_eq!(key, &format!("vigie-alert-{id}"));
    }
    // Every alert is delivered but at most the one the killed run had claimed: it waits
    // for its lease to end (and, if the killed run had posted it, is not posted again
    // before then).
    let undelivered: Vec<i64> = alerts
        .iter()
        .filter(|a| a.delivery != "delivered")
        .map(|a| a.id)
        .collect();
    assert!(undelivered.len() <= 1, "{undelivered:?}");
    assert!(received.len() >= total - 1 && received.len() <= total);
    for alert in alerts.iter().filter(|a| a.delivery == "delivered") {
        assert!(
            ids.binary_search(&alert.id).is_ok(),
            "alert {} recorded as delivered but not received",
            alert.id
        );
    }
}

#[test]
fn webhooks_on_private_addresses_are_refused_unless_allowed() {
    let scratch = Scratch::new("alerts-private");
    let db = scratch.join("vigie.db");
    let reports = scratch.join("reports.jsonl");
    write_reports(&reports, 2);
    let (url, received) = receiver(Duration::ZERO);
    let db_arg = db.to_str().unwrap();
    assert!(
        vigie(&[
            "watch",
            "add",
            "Attaques",
            "--filter",
            "type=ASSAULT",
            "--webhook",
            &url,
            "--db",
            db_arg
        ])
        .status
        .success()
    );
    let output = vigie(&[
        "ingest",
        reports.to_str().unwrap(),
        "--db",
        db_arg,
        "--fast",
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a public address"), "{stderr}");
    assert!(received.lock().unwrap().is_empty());
    let listed = vigie(&["watch", "alerts", "Attaques", "--db", db_arg]);
    let alerts = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(alerts.lines().count(), 2);
    assert!(
        alerts
            .lines()
            .all(|l| l.contains("\"delivery\":\"pending\"")),
        "{alerts}"
    );
}
