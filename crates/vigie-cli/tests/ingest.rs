//! `vigie ingest` end to end: a real ingest killed with SIGKILL and started again loses
//! and duplicates nothing; bad inputs are recorded and the run goes on; the store then
//! answers `vigie query` and `vigie export`.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use vigie_store::Store;

mod common;
use common::{Scratch, write_articles};

fn vigie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .output()
        .unwrap()
}

fn processed(db: &Path) -> u64 {
    Store::open(db).map_or(0, |s| s.counts().map_or(0, |c| c.inputs))
}

#[test]
fn killed_ingest_resumes_without_loss_or_duplicates() {
    let scratch = Scratch::new("kill");
    let articles = scratch.join("articles");
    std::fs::create_dir_all(&articles).unwrap();
    let db = scratch.join("vigie.db");
    let total = 400;
    write_articles(&articles, total);
    let inputs = total as u64 + 2;
    let args = [
        "ingest",
        articles.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--published",
        "2026-03-31",
        "--batch",
        "4",
        "--jobs",
        "2",
        "--quiet",
    ];

    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while processed(&db) == 0 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let after_kill = processed(&db);
    assert!(
        after_kill > 0 && after_kill < inputs,
        "the kill must land mid-run ({after_kill} of {inputs} processed)"
    );

    let output = vigie(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit 1 when this run met the binary or the empty file (failed inputs), else 0.
    let failed_now = !stderr.contains(" 0 failed");
    assert_eq!(
        output.status.code(),
        Some(i32::from(failed_now)),
        "{stderr}"
    );

    let store = Store::open(&db).unwrap();
    let counts = store.counts().unwrap();
    assert_eq!(counts.inputs, inputs, "every input processed exactly once");
    assert_eq!(
        counts.failed, 2,
        "the binary and the empty file are recorded as failed"
    );
    assert_eq!(
        counts.documents, total as u64,
        "no document lost or stored twice"
    );
    assert!(counts.events > 0 && counts.events <= counts.reports);

    // A third run finds nothing to do.
    let output = vigie(&args);
    assert!(String::from_utf8_lossy(&output.stderr).contains("0 stored"));
    assert_eq!(Store::open(&db).unwrap().counts().unwrap(), counts);

    let query = vigie(&[
        "query",
        "--db",
        db.to_str().unwrap(),
        "--type",
        "ASSAULT",
        "--country",
        "ML",
        "--format",
        "json",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&query.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["type"] == "ASSAULT" && r["country_code"] == "ML")
    );
    assert!(
        rows.iter().any(|r| r["source_count"].as_i64() > Some(1)),
        "attacks on one town on one day are merged across articles"
    );

    let export = vigie(&["export", "--db", db.to_str().unwrap(), "--format", "csv"]);
    let csv = String::from_utf8(export.stdout).unwrap();
    assert!(csv.starts_with("event_id,event_date,time_precision,event_type,sub_event_type"));
    assert!(csv.lines().count() as u64 == counts.events + 1);
}

/// Serves `feed` with an ETag, and 304 to requests that send that ETag back; returns the
/// URL and the statuses it answered.
fn serve_feed(feed: &'static str, requests: usize) -> (String, std::thread::JoinHandle<Vec<u16>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed.xml", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        (0..requests)
            .map(|_| {
                let (mut stream, _) = listener.accept().unwrap();
                let mut lines = BufReader::new(stream.try_clone().unwrap()).lines();
                let mut conditional = false;
                while let Some(Ok(line)) = lines.next() {
                    if line.is_empty() {
                        break;
                    }
                    conditional |= line.eq_ignore_ascii_case("if-none-match: \"1\"");
                }
                let (status, response) = if conditional {
                    (
                        304,
                        "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n".to_owned(),
                    )
                } else {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nETag: \"1\"\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n",
                        feed.len()
                    );
                    (200, head + feed)
                };
                stream.write_all(response.as_bytes()).unwrap();
                status
            })
            .collect()
    });
    (url, server)
}

#[test]
fn feeds_are_polled_with_conditional_requests() {
    const FEED: &str = r#"<rss><channel><title>Le Guetteur</title>
<item><guid>a1</guid><title>Attaque à Gao</title><pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate>
<description>Des hommes armés ont attaqué mardi un poste de l'armée malienne à Gao, au Mali.</description></item>
</channel></rss>"#;
    let scratch = Scratch::new("feed");
    let db = scratch.join("vigie.db");
    let (url, server) = serve_feed(FEED, 2);
    let ingest = || {
        vigie(&[
            "ingest",
            &url,
            "--db",
            db.to_str().unwrap(),
            "--quiet",
            "--allow-private-addresses",
        ])
    };
    let refused = vigie(&["ingest", &url, "--db", db.to_str().unwrap(), "--quiet"]);
    let refusal = String::from_utf8_lossy(&refused.stderr);
    assert!(refusal.contains("not a public address"), "{refusal}");
    assert_eq!(refused.status.code(), Some(1));
    let first = ingest();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = ingest();
    assert!(String::from_utf8_lossy(&second.stderr).contains("0 stored"));
    assert_eq!(server.join().unwrap(), [200, 304]);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.counts().unwrap().documents, 1);
    assert!(
        store
            .processed_origins(false)
            .unwrap()
            .contains(&format!("{url}#a1"))
    );
}

#[test]
fn two_ingests_on_one_database_wait_for_each_other() {
    let scratch = Scratch::new("two-writers");
    let (a, b) = (scratch.join("a"), scratch.join("b"));
    for dir in [&a, &b] {
        std::fs::create_dir_all(dir).unwrap();
    }
    write_articles(&a, 60);
    for i in 0..60 {
        std::fs::write(
            b.join(format!("autre-{i:03}.txt")),
            format!(
                "Les forces irakiennes ont bombardé Mossoul le {} mars. Dépêche B{i}.",
                1 + i % 28
            ),
        )
        .unwrap();
    }
    let db = scratch.join("vigie.db");
    let spawn = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_vigie"))
            .args([
                "ingest",
                dir.to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
            ])
            .args(["--quiet", "--batch", "2", "--published", "2026-03-31"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(&a), spawn(&b));
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("locked"), "{stderr}");
        assert!(matches!(output.status.code(), Some(0 | 1)), "{stderr}");
    }
    let counts = Store::open(&db).unwrap().counts().unwrap();
    assert_eq!(counts.inputs, 122);
    assert_eq!(counts.documents, 120);
}

#[cfg(unix)]
#[test]
fn failed_inputs_are_retried_on_request_once_they_can_succeed() {
    let scratch = Scratch::new("retry");
    let articles = scratch.join("articles");
    std::fs::create_dir_all(&articles).unwrap();
    let target = scratch.join("later.txt");
    std::os::unix::fs::symlink(&target, articles.join("lien.txt")).unwrap();
    let db = scratch.join("vigie.db");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "ingest",
            articles.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--quiet",
        ];
        args.extend(extra);
        vigie(&args)
    };
    let first = run(&[]);
    let errors = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "{errors}");
    assert!(
        errors.contains("lien.txt: cannot read") && errors.contains("--retry-failed"),
        "{errors}"
    );
    std::fs::write(&target, "Les forces irakiennes ont bombardé Mossoul mardi.").unwrap();
    let skipped = run(&[]);
    assert!(String::from_utf8_lossy(&skipped.stderr).contains("0 stored"));
    let retried = run(&["--retry-failed"]);
    assert!(
        retried.status.success(),
        "{}",
        String::from_utf8_lossy(&retried.stderr)
    );
    let counts = Store::open(&db).unwrap().counts().unwrap();
    assert_eq!((counts.inputs, counts.failed, counts.documents), (1, 0, 1));
}

#[test]
fn query_reads_a_database_without_changing_it() {
    let scratch = Scratch::new("read-only");
    let articles = scratch.join("articles");
    std::fs::create_dir_all(&articles).unwrap();
    write_articles(&articles, 3);
    let db = scratch.join("vigie.db");
    vigie(&[
        "ingest",
        articles.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--quiet",
    ]);
    let before = std::fs::read(&db).unwrap();
    let query = vigie(&["query", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert!(
        query.status.success(),
        "{}",
        String::from_utf8_lossy(&query.stderr)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(store.counts().unwrap().documents, 3);
    let missing = vigie(&["query", "--db", scratch.join("none.db").to_str().unwrap()]);
    assert!(!missing.status.success());
    assert!(!scratch.join("none.db").exists());
}

#[test]
fn parallel_ingests_of_one_corpus_store_the_same_events() {
    let scratch = Scratch::new("order");
    let articles = scratch.join("articles");
    std::fs::create_dir_all(&articles).unwrap();
    // Towns repeat every six articles and days every 28: many reports to merge.
    write_articles(&articles, 90);
    let export = |name: &str, jobs: &str| {
        let db = scratch.join(name);
        let output = vigie(&[
            "ingest",
            articles.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--published",
            "2026-03-31",
            "--jobs",
            jobs,
            "--batch",
            "3",
            "--quiet",
        ]);
        assert!(matches!(output.status.code(), Some(0 | 1)));
        let csv = vigie(&["export", "--db", db.to_str().unwrap(), "--format", "csv"]);
        String::from_utf8(csv.stdout).unwrap()
    };
    let one = export("one.db", "1");
    assert!(one.lines().count() > 10);
    for run in 0..3 {
        assert_eq!(
            export(&format!("two-{run}.db"), "2"),
            one,
            "run {run} with 2 workers"
        );
    }
}
