//! multilingual-e5-small as built by `scripts/build-encoder`, against the wheel's own C
//! engine: the same tokens, and sentence vectors at cosine ≥ 0.9995 to the engine's
//! (`tests/data/e5-reference.json`, made by `scripts/e5-reference.py --engine`). Skipped,
//! with a message, when the model has not been built; `scripts/test` builds it.

use vigie_encoder::e5::{MultilingualEncoder, Role};

fn encoder() -> Option<MultilingualEncoder> {
    let encoder = MultilingualEncoder::built_in_source_tree();
    if encoder.is_none() {
        eprintln!(
            "skipped: run scripts/build-encoder to build {}",
            MultilingualEncoder::DEFAULT_DIR
        );
    }
    encoder
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn tokens_and_vectors_match_the_reference_engine_in_french_and_english() {
    let Some(encoder) = encoder() else {
        return;
    };
    let reference: serde_json::Value =
        serde_json::from_str(include_str!("data/e5-reference.json")).unwrap();
    for item in reference["items"].as_array().unwrap() {
        let input = item["input"].as_str().unwrap();
        let expected_ids: Vec<u32> = item["token_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(encoder.tokens(input).ids, expected_ids, "{input}");
        let (role, text) = match input.strip_prefix("query: ") {
            Some(text) => (Role::Query, text),
            None => (Role::Passage, input.strip_prefix("passage: ").unwrap()),
        };
        let expected: Vec<f32> = item["vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let vector = encoder.sentence_vector(text, role).unwrap();
        let similarity = cosine(&vector, &expected);
        eprintln!("{similarity:.5}  {input}");
        assert!(similarity >= 0.9995, "cosine {similarity} for {input}");
    }
}

#[test]
fn a_french_sentence_and_its_translation_lie_closer_than_another_story() {
    let Some(encoder) = encoder() else {
        return;
    };
    let french = encoder
        .sentence_vector(
            "Des manifestants ont été dispersés à Bamako par la police.",
            Role::Passage,
        )
        .unwrap();
    let english = encoder
        .sentence_vector("Police dispersed protesters in Bamako.", Role::Passage)
        .unwrap();
    let other = encoder
        .sentence_vector(
            "Le président a rencontré son homologue russe à Moscou.",
            Role::Passage,
        )
        .unwrap();
    assert!(cosine(&french, &english) > cosine(&french, &other) + 0.05);
}

#[test]
fn token_spans_point_at_the_words_they_cover() {
    let Some(encoder) = encoder() else {
        return;
    };
    let text = "Les forces irakiennes ont bombardé Mossoul.";
    let tokens = encoder.tokens(text);
    let chars: Vec<char> = text.chars().collect();
    let covered: String = tokens
        .spans
        .iter()
        .flatten()
        .map(|&(start, end)| chars[start..end].iter().collect::<String>())
        .collect();
    assert_eq!(covered, text.replace(' ', ""));
}
