//! `vigie ingest` end to end: a real ingest killed with SIGKILL and started again loses
//! and duplicates nothing; bad inputs are recorded and the run goes on; the store then
//! answers `vigie query` and `vigie export`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use vigie_store::Store;

fn vigie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .output()
        .unwrap()
}

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("vigie-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("articles")).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const TOWNS: [&str; 6] = ["Kidal", "Gao", "Tombouctou", "Mopti", "Ménaka", "Ségou"];

/// `count` distinct invented articles, plus a binary file and an empty one.
fn write_articles(dir: &Path, count: usize) {
    for i in 0..count {
        let town = TOWNS[i % TOWNS.len()];
        let text = format!(
            "Attaque à {town}\n\nDes hommes armés ont attaqué le {} mars un poste de l'armée \
             malienne à {town}, au Mali, faisant {} morts selon une source sécuritaire. \
             L'armée a déployé des renforts dans la région. Dépêche numéro {i}.",
            1 + i % 28,
            2 + i % 9
        );
        std::fs::write(dir.join(format!("article-{i:04}.txt")), text).unwrap();
    }
    std::fs::write(dir.join("broken.txt"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    std::fs::write(dir.join("empty.txt"), "   \n").unwrap();
}

fn processed(db: &Path) -> u64 {
    Store::open(db).map_or(0, |s| s.counts().map_or(0, |c| c.inputs))
}

#[test]
fn killed_ingest_resumes_without_loss_or_duplicates() {
    let scratch = Scratch::new("kill");
    let articles = scratch.0.join("articles");
    let db = scratch.0.join("vigie.db");
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
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
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
