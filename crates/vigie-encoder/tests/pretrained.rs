//! The pretrained encoder built by `scripts/build-encoder` (skipped, with a message, when
//! it has not been built; `scripts/test` builds it).

use vigie_encoder::SentenceEncoder;

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn paraphrases_lie_closer_than_unrelated_text() {
    let Some(encoder) = SentenceEncoder::built_in_source_tree() else {
        return;
    };
    let attack = encoder.encode("The army shelled the town overnight, killing three civilians.");
    let paraphrase =
        encoder.encode("Troops bombarded the city during the night; three residents died.");
    let unrelated = encoder.encode("Whisk two eggs with the flour and bake for twenty minutes.");
    assert_eq!(attack.len(), encoder.dimensions());
    let length = cosine(&attack, &attack).sqrt();
    assert!((length - 1.0).abs() < 1e-4, "unit length, got {length}");
    let (close, far) = (cosine(&attack, &paraphrase), cosine(&attack, &unrelated));
    assert!(
        close > 0.5 && far < 0.2 && close > far + 0.4,
        "close {close}, far {far}"
    );
}

#[test]
fn long_text_is_cut_at_the_model_length() {
    let Some(encoder) = SentenceEncoder::built_in_source_tree() else {
        return;
    };
    let long = "The ceasefire collapsed again. ".repeat(400);
    let vector = encoder.encode(&long);
    assert!(vector.iter().all(|v| v.is_finite()));
}
