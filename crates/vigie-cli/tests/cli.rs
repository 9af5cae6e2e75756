//! `vigie analyze` end to end on the bundled examples and on bad inputs.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::Scratch;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vigie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap()
}

fn documents(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn html_page_gives_clean_body_title_date_and_caption() {
    let output = vigie(&[
        "analyze",
        "--format",
        "jsonl",
        "examples/articles/fr-07-niger-tillaberi-renforts.html",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = &documents(&output)[0];
    assert_eq!(doc["published"], "2025-03-17");
    assert_eq!(doc["language"], "fr");
    assert!(doc["title"].as_str().unwrap().contains("Tillabéri"));
    let text = doc["text"].as_str().unwrap();
    assert!(
        !text.contains("Les plus lus") && !text.contains("Newsletter"),
        "sidebar leaked into the body"
    );
    assert!(
        !text.contains("Des soldats nigériens en patrouille"),
        "figure caption leaked into the body"
    );
    let caption = doc["captions"][0]["text"].as_str().unwrap();
    assert!(caption.starts_with("Des soldats nigériens en patrouille"));
    let places: Vec<&str> = doc["places"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["country_code"].as_str())
        .collect();
    assert!(places.contains(&"NE"), "no place in Niger: {places:?}");
    assert!(
        doc["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "MOBILIZE")
    );
}

#[test]
fn every_example_yields_places_and_events() {
    let output = vigie(&["analyze", "--format", "jsonl", "examples/"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let docs = documents(&output);
    assert_eq!(docs.len(), 14, "11 article files and 3 JSONL records");
    for doc in &docs {
        assert!(
            !doc["places"].as_array().unwrap().is_empty(),
            "{}: no place",
            doc["id"]
        );
        assert!(
            !doc["events"].as_array().unwrap().is_empty(),
            "{}: no event",
            doc["id"]
        );
    }
}

#[test]
fn publication_date_resolves_relative_dates() {
    let dir = Scratch::new("dates");
    let article = dir.join("a.txt");
    std::fs::write(
        &article,
        "Attaque à Gao\n\nDes hommes armés ont attaqué mardi un poste de l'armée malienne à Gao.",
    )
    .unwrap();
    let output = vigie(&[
        "analyze",
        "--published",
        "2025-03-13",
        article.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let event = &doc["events"][0];
    assert_eq!(event["type"], "ASSAULT");
    assert_eq!(
        event["date"]["value"], "2025-03-11",
        "the Tuesday before Thursday 13 March"
    );
    assert_eq!(event["place"]["country_code"], "ML");
}

#[test]
fn bad_inputs_are_named_and_the_batch_goes_on() {
    let dir = Scratch::new("bad");
    std::fs::write(
        dir.join("photo.txt"),
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01",
    )
    .unwrap();
    std::fs::write(
        dir.join("feed.jsonl"),
        "{\"id\": \"ok\", \"text\": \"Les forces irakiennes ont attaqué une base à Mossoul.\"}\n{broken\n{\"id\": \"empty\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("good.txt"),
        "Un titre\n\nLes rebelles ont attaqué la ville de Gao mardi.",
    )
    .unwrap();
    let output = vigie(&["analyze", "--format", "jsonl", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("photo.txt: binary data"), "{stderr}");
    assert!(stderr.contains("feed.jsonl:2: invalid JSON"), "{stderr}");
    assert!(
        stderr.contains("feed.jsonl:3: record has neither"),
        "{stderr}"
    );
    let ids: Vec<String> = documents(&output)
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"ok".to_owned()));
}

#[test]
fn a_gazetteer_built_from_geonames_dumps_is_used() {
    let dir = Scratch::new("geonames");
    let row = |id: &str, name: &str, class: &str, code: &str, pop: &str| {
        format!(
            "{id}\t{name}\t{name}\t\t12.5\t-3.25\t{class}\t{code}\tML\t\t05\t\t\t\t{pop}\t\t0\tAfrica/Bamako\t2024-01-01\n"
        )
    };
    let dump = [
        row("2453866", "Mali", "A", "PCLI", "20000000"),
        row("42", "Tinzaouatene Nord", "P", "PPL", "3000"),
    ]
    .concat();
    std::fs::write(dir.join("allCountries.txt"), dump).unwrap();
    let gazetteer = dir.join("custom.vgz");
    let output = vigie(&[
        "gazetteer",
        "build",
        "--geonames",
        dir.path().to_str().unwrap(),
        "--out",
        gazetteer.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let article = dir.join("a.txt");
    std::fs::write(
        &article,
        "Titre\n\nDes hommes armés ont attaqué Tinzaouatene Nord, au Mali.",
    )
    .unwrap();
    let output = vigie(&[
        "analyze",
        "--gazetteer",
        gazetteer.to_str().unwrap(),
        article.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let places: Vec<&str> = doc["places"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["text"].as_str())
        .collect();
    assert!(places.contains(&"Tinzaouatene Nord"), "{places:?}");
    let output = vigie(&[
        "analyze",
        "--gazetteer",
        dir.join("missing.vgz").to_str().unwrap(),
        article.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.vgz"));
}
