//! Hostile and careless inputs through the real binary: none of them may stop, hang or
//! exhaust a run, and the good inputs beside them are all stored.

use std::path::Path;
use std::process::{Command, Output};

use vigie_store::Store;

mod common;
use common::Scratch;

fn vigie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn ingest(inputs: &[&Path], db: &Path) -> Output {
    let mut args = vec![
        "ingest",
        "--db",
        db.to_str().unwrap(),
        "--quiet",
        "--jobs",
        "2",
    ];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    vigie(&args)
}

fn record(text: &str, published: &str) -> String {
    serde_json::json!({ "text": text, "published": published }).to_string()
}

#[test]
fn non_ascii_dates_are_ignored_and_every_good_record_is_stored() {
    let scratch = Scratch::new("dates");
    let jsonl = scratch.join("records.jsonl");
    let mut lines = Vec::new();
    for i in 0..120 {
        lines.push(record(
            &format!("Les forces irakiennes ont bombardé Mossoul. Dépêche {i}."),
            "2025-01-02",
        ));
        if i % 60 == 0 {
            lines.push(record(
                &format!("Les forces irakiennes ont bombardé Kirkouk. Autre dépêche {i}."),
                "2025é-01-02",
            ));
        }
    }
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let db = scratch.join("vigie.db");
    for run in 0..2 {
        let output = ingest(&[&jsonl], &db);
        assert!(output.status.success(), "run {run}: {}", stderr(&output));
    }
    let counts = Store::open(&db).unwrap().counts().unwrap();
    assert_eq!((counts.documents, counts.failed), (122, 0));

    let analysed = vigie(&["analyze", jsonl.to_str().unwrap(), "--format", "jsonl"]);
    assert!(analysed.status.success(), "{}", stderr(&analysed));
    let documents: Vec<serde_json::Value> = analysed
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(documents.len(), 122);
    assert_eq!(documents[1]["published"], serde_json::Value::Null);
    assert_eq!(documents[0]["published"], "2025-01-02");
}

#[test]
fn hostile_feeds_fail_alone_and_the_run_goes_on() {
    let scratch = Scratch::new("feeds");
    let item = |date: &str, body: &str| {
        format!(
            "<rss><channel><title>T</title><item><guid>1</guid><pubDate>{date}</pubDate>\
             <description>{body}</description></item></channel></rss>"
        )
    };
    let deep = format!("{}x{}", "<a>".repeat(5000), "</a>".repeat(5000));
    let big = "A".repeat(100_000);
    let files = [
        (
            "date.rss",
            item(
                "2026é-03-03T10:00:00Z",
                "Les forces irakiennes ont bombardé Mossoul.",
            ),
        ),
        ("deep.rss", item("Tue, 03 Mar 2026 10:00:00 GMT", &deep)),
        (
            "entities.rss",
            format!("<!DOCTYPE rss [<!ENTITY a \"{big}\">]>")
                + &item("Tue, 03 Mar 2026 10:00:00 GMT", &"&a;".repeat(2000)),
        ),
        (
            "good.txt",
            "Les forces irakiennes ont bombardé Kirkouk mardi.".to_owned(),
        ),
    ];
    for (name, content) in &files {
        std::fs::write(scratch.join(name), content).unwrap();
    }
    let db = scratch.join("vigie.db");
    let output = ingest(&[scratch.path()], &db);
    let errors = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{errors}");
    assert!(
        errors.contains("deep.rss: elements nested more than"),
        "{errors}"
    );
    assert!(
        errors.contains("entities.rss: entity references expand"),
        "{errors}"
    );
    let counts = Store::open(&db).unwrap().counts().unwrap();
    assert_eq!((counts.documents, counts.failed), (2, 2));
}

#[test]
fn oversized_jsonl_records_fail_alone() {
    let scratch = Scratch::new("jsonl");
    let jsonl = scratch.join("big.jsonl");
    let huge = "Les forces avancent. ".repeat(1_000_000); // 21 MB
    let lines = [
        record("Les forces irakiennes ont bombardé Mossoul.", "2025-01-02"),
        record(&huge, "2025-01-02"),
        record("Les forces irakiennes ont bombardé Kirkouk.", "2025-01-02"),
    ];
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let output = vigie(&["analyze", jsonl.to_str().unwrap(), "--format", "jsonl"]);
    let errors = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{errors}");
    assert!(
        errors.contains("big.jsonl:2: larger than the 16777216-byte limit"),
        "{errors}"
    );
    assert_eq!(
        output
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        2
    );
}

#[test]
fn a_corrupt_warc_ends_with_one_error_on_every_run() {
    use std::io::Write;
    let scratch = Scratch::new("warc");
    let record = "WARC/1.0\r\nWARC-Type: resource\r\nContent-Type: text/plain\r\n\
                  Content-Length: 30\r\n\r\nLes forces ont bombardé Gao.\r\n\r\n";
    let gzip = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    let mut corrupt = gzip(record.repeat(3).as_bytes());
    for byte in &mut corrupt[30..60] {
        *byte ^= 0x55;
    }
    let mut file = gzip(record.as_bytes());
    file.extend_from_slice(&corrupt);
    let warc = scratch.join("crawl.warc.gz");
    std::fs::write(&warc, file).unwrap();
    let db = scratch.join("vigie.db");
    for _ in 0..2 {
        let output = ingest(&[&warc], &db);
        let errors = stderr(&output);
        assert!(errors.len() < 2000, "{errors}");
    }
    assert_eq!(Store::open(&db).unwrap().counts().unwrap().documents, 1);
}
