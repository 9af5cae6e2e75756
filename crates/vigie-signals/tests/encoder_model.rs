//! A persuasion model over the multilingual encoder built by `scripts/build-encoder`
//! (skipped when it has not been built; `scripts/test` builds it): its regression reads
//! the paragraph's mean word vectors, and its paragraph labeller the word vectors.

use vigie_core::Language;
use vigie_encoder::e5::MultilingualEncoder;
use vigie_heads::words::HalfVectors;
use vigie_signals::LoadedLexicon;
use vigie_signals::persuasion::{Example, ParagraphFeatures, PersuasionModel, technique_index};

#[test]
fn the_encoder_carries_a_technique_to_words_never_seen_in_training() {
    let load = || MultilingualEncoder::built_in_source_tree().ok_or("no encoder".to_owned());
    let Ok(encoder) = load() else {
        eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
        return;
    };
    let lexicon = LoadedLexicon::embedded();
    let english = Some(Language::En);
    let paragraph = |text: &str| ParagraphFeatures::new(text, english, lexicon, Some(&encoder));
    let fearful = [
        "If we do nothing, terrorists will flood our towns and murder our children.",
        "Unless the border is closed, criminals will pour in and destroy our families.",
        "Invaders are coming to kill us all, and the government will let them.",
    ];
    let neutral = [
        "The committee will meet on Tuesday to discuss the budget.",
        "Rainfall was slightly above average for the season.",
        "The museum opens at nine and closes at five.",
    ];
    let loaded = technique_index("Appeal_to_Fear-Prejudice").expect("a label");
    let examples: Vec<Example> = fearful
        .iter()
        .map(|t| (t, [loaded].into()))
        .chain(neutral.iter().map(|t| (t, Default::default())))
        // One article each; articles 4 and 9 are held out to tune.
        .zip([0, 1, 4, 2, 3, 9])
        .map(|((text, labels), article)| Example {
            features: paragraph(text),
            labels,
            article,
        })
        .collect();
    assert_eq!(
        examples[0].features.words.len(),
        15,
        "one vector per word and mark"
    );
    let model = PersuasionModel::train(&examples, 30, "test", load().ok(), |_| {}).expect("trains");
    assert!(model.uses_encoder());
    // No word of the probe appears in the training sentences.
    let probe = model.paragraph_features(
        "Gangsters shall swarm every village, slaughtering innocent kids.",
        english,
        lexicon,
    );
    let calm = model.paragraph_features("Tickets cost twelve euros per adult.", english, lexicon);
    let gap = model.probabilities(&probe)[loaded] - model.probabilities(&calm)[loaded];
    // The same model over the hashed features alone barely tells them apart.
    let hashed_only: Vec<Example> = examples
        .iter()
        .map(|e| Example {
            features: ParagraphFeatures {
                embedding: Vec::new(),
                words: HalfVectors {
                    width: 0,
                    values: Vec::new(),
                },
                ..e.features.clone()
            },
            labels: e.labels.clone(),
            article: e.article,
        })
        .collect();
    let plain = PersuasionModel::train(&hashed_only, 30, "test", None, |_| {}).expect("trains");
    let plain_probability =
        |text: &str| plain.probabilities(&plain.paragraph_features(text, english, lexicon))[loaded];
    let plain_gap =
        plain_probability("Gangsters shall swarm every village, slaughtering innocent kids.")
            - plain_probability("Tickets cost twelve euros per adult.");
    // E5's vectors are close to one another (cosines of 0.7 to 0.9 between unrelated
    // sentences), so a linear model moves less on them than on MiniLM's (gap 0.20): what
    // must hold is that the vectors, not the words, carry the technique.
    assert!(
        gap > 0.05 && gap > 4.0 * plain_gap,
        "gap {gap}, without encoder {plain_gap}"
    );

    // The encoder is multilingual: trained on English, the model reads French too.
    let french = |text: &str| {
        let features = model.paragraph_features(text, Some(Language::Fr), lexicon);
        model.probabilities(&features)[loaded]
    };
    let french_gap =
        french("Des gangsters vont envahir chaque village et massacrer des enfants innocents.")
            - french("Le billet coûte douze euros par adulte.");
    assert!(french_gap > 0.05, "French gap {french_gap}");

    let bytes = model.to_bytes();
    let copy = PersuasionModel::from_bytes(&bytes, load).expect("loads");
    assert_eq!(copy.to_bytes(), bytes);
    assert_eq!(copy.labeller_share(), model.labeller_share());
    // The labeller's weights are kept at half precision.
    let (a, b) = (model.probabilities(&probe), copy.probabilities(&probe));
    assert!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 0.01),
        "{a:?} {b:?}"
    );
    let missing = PersuasionModel::from_bytes(&bytes, || Err("no encoder here".to_owned()));
    assert!(missing.unwrap_err().contains("no encoder here"));
}
