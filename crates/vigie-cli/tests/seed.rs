//! The reference article (`../shared/data/seed/`): `vigie analyze` must find its places,
//! actors, speaker, events and caption. Skips with a message when the shared data is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn seed_file() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/seed");
    let file = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "txt"))?;
    Some(file)
}

/// The seed article analysed, or `None` (with a message) when the shared data is absent.
fn analyzed_seed() -> Option<Value> {
    let Some(path) = seed_file() else {
        eprintln!("skipping: ../shared/data/seed/ is not present");
        return None;
    };
    Some(analyze(&path))
}

/// `vigie analyze` as shipped: run from the repository root, it finds the encoder and its
/// heads when `scripts/build-encoder` has run (else it takes the fast path).
fn analyze(path: &PathBuf) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .current_dir(root)
        .arg("analyze")
        .arg(path)
        .output()
        .expect("vigie runs");
    assert!(
        output.status.success(),
        "vigie analyze failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

fn strings<'a>(doc: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v[field].as_str())
        .collect()
}

#[test]
fn seed_article_findings() {
    let Some(doc) = analyzed_seed() else {
        return;
    };
    assert_eq!(doc["schema"], "vigie/1");
    assert_eq!(doc["language"], "fr");

    let expected_places = [
        ("al-Anbar", "IQ"),
        ("Salaheddine", "IQ"),
        ("Diyala", "IQ"),
        ("Syrie", "SY"),
        ("Irak", "IQ"),
        ("Hassaké", "SY"),
        ("Deir ez-Zor", "SY"),
    ];
    let places = doc["places"].as_array().unwrap();
    for (name, country) in expected_places {
        let place = places
            .iter()
            .find(|p| {
                p["text"]
                    .as_str()
                    .is_some_and(|t| t.replace('\u{a0}', " ") == name)
            })
            .unwrap_or_else(|| panic!("place {name} not found"));
        assert_eq!(
            place["country_code"], country,
            "{name} resolved to the wrong country"
        );
        assert!(
            place["lat"].as_f64().unwrap().abs() > 1.0
                && place["lon"].as_f64().unwrap().abs() > 1.0,
            "{name} has no coordinates"
        );
    }

    let groups: Vec<&str> = doc["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "GROUP")
        .filter_map(|e| e["text"].as_str())
        .collect();
    for group in ["Hachd al-Chaabi", "Daech", "FDS"] {
        assert!(
            groups.contains(&group),
            "group {group} not found in {groups:?}"
        );
    }

    let speaker = doc["attributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["speaker"]["text"] == "Ahmad Nasrallah")
        .expect("Ahmad Nasrallah is a speaker");
    assert_eq!(speaker["kind"], "named");
    assert!(
        speaker["role"]["text"]
            .as_str()
            .unwrap()
            .starts_with("commandant adjoint")
    );

    let in_iraq = doc["events"].as_array().unwrap().iter().any(|e| {
        matches!(e["type"].as_str(), Some("ASSAULT" | "MOBILIZE"))
            && e["place"]["country_code"] == "IQ"
    });
    assert!(in_iraq, "no ASSAULT or MOBILIZE event placed in Iraq");

    let text = doc["text"].as_str().unwrap();
    assert!(
        !text.contains("Ilhan Omar") && !text.contains("Nancy Pelosi"),
        "the English caption leaked into the body"
    );
    let caption_actors: Vec<&str> = doc["captions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["entities"].as_array().unwrap())
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(
        caption_actors.contains(&"AFP"),
        "AFP, credited in the captions, is an actor: {caption_actors:?}"
    );
    let body_actors: Vec<&str> = doc["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    for actor in ["PMF", "ISIS", "SDF", "ALMAYADEEN", "USAMIL"] {
        assert!(
            body_actors.contains(&actor),
            "{actor} not recognised in {body_actors:?}"
        );
    }
    let captions = strings(&doc, "captions", "text");
    assert!(
        captions
            .iter()
            .any(|c| c.contains("Ilhan Omar") && c.contains("Nancy Pelosi"))
    );
    assert!(!text.contains("SOURCE: FRENCH PRESS TV") && !text.contains("Partager Cet Article"));
}

#[test]
fn seed_article_signals() {
    let Some(doc) = analyzed_seed() else {
        return;
    };
    let signals = doc["signals"].as_array().unwrap();
    let profile = signals
        .iter()
        .find(|s| s["kind"] == "source_profile")
        .expect("a source profile");
    let detail = profile["detail"].as_str().unwrap();
    assert!(
        detail.contains("state-controlled") && detail.contains("(PRESSTV, IR)"),
        "{detail}"
    );
    let mismatch = signals
        .iter()
        .filter(|s| s["kind"] == "caption_mismatch")
        .collect::<Vec<_>>();
    assert_eq!(
        mismatch.len(),
        1,
        "exactly the Washington caption is mismatched"
    );
    assert!(mismatch[0]["detail"].as_str().unwrap().contains("Pelosi"));
    let text: Vec<char> = doc["text"].as_str().unwrap().chars().collect();
    let loaded: Vec<String> = signals
        .iter()
        .filter(|s| s["kind"] == "loaded_language")
        .map(|s| {
            let span = s["span"].as_array().unwrap();
            text[span[0].as_u64().unwrap() as usize..span[1].as_u64().unwrap() as usize]
                .iter()
                .collect()
        })
        .collect();
    for expected in ["daechistes", "supplétifs", "malveillante", "joug"] {
        assert!(
            loaded.iter().any(|l| l.contains(expected)),
            "{expected} not flagged in {loaded:?}"
        );
    }
}

#[test]
fn seed_article_events() {
    let Some(doc) = analyzed_seed() else {
        return;
    };
    let events = doc["events"].as_array().unwrap();
    let place_name = |e: &Value| e["place"]["name"].as_str().unwrap_or_default().to_owned();
    let speaker = |e: &Value| {
        e["attribution"]["speaker"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let described: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {} at {} ({}, {})",
                e["type"],
                e["trigger"]["text"],
                place_name(e),
                e["modality"],
                speaker(e)
            )
        })
        .collect();
    // The three-front offensive, placed on one of its fronts in Iraq.
    assert!(
        events.iter().any(|e| e["type"] == "ASSAULT"
            && e["place"]["country_code"] == "IQ"
            && ["Diy", "Sal", "Anb"]
                .iter()
                .any(|front| place_name(e).contains(front))),
        "no ASSAULT on the Diyala, Salaheddine or al-Anbar front: {described:?}"
    );
    // Operation Ramadan-1 in the Akashat desert, called preventive by Ahmad Nasrallah.
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "MOBILIZE" && place_name(e).contains("Akashat")),
        "no MOBILIZE in the Akashat desert: {described:?}"
    );
    // The sleeper cells that "projettent de se manifester": planned, not happened.
    assert!(
        events
            .iter()
            .any(|e| e["modality"] == "planned" && speaker(e) == "Ahmad Nasrallah"),
        "no planned event reported by Ahmad Nasrallah: {described:?}"
    );
    // The convoy from Syria, on Al-Mayadeen's word.
    assert!(
        events.iter().any(|e| e["type"] == "MOBILIZE"
            && e["attribution"]["kind"] == "outlet"
            && speaker(e) == "Al-Mayadeen"),
        "no convoy attributed to Al-Mayadeen: {described:?}"
    );
    // The kidnapping of US soldiers near al-Omar, with no named source.
    let kidnapping = events
        .iter()
        .find(|e| e["type"] == "ASSAULT" && e["mode"] == "abduct")
        .unwrap_or_else(|| panic!("no abduction: {described:?}"));
    assert_eq!(kidnapping["place"]["country_code"], "SY");
    assert_eq!(kidnapping["attribution"]["kind"], "none");
    assert!(
        kidnapping["recipient"]["text"]
            .as_str()
            .is_some_and(|r| r.contains("US"))
    );
}
