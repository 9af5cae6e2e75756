//! Statistical named-entity recognition: a greedy averaged-perceptron sequence tagger
//! (BIO tags for PER, LOC, ORG, MISC) over lexical, shape, context and gazetteer
//! features, trained and run in pure Rust.
//!
//! The model is a table from hashed features to one weight per tag, stored compactly
//! (see [`NerModel::to_bytes`]).

use std::collections::HashMap;

use vigie_core::{Document, Entity, EntityKind, Language, Span, TextIndex, tokenize};

/// The tags, in model order.
pub const TAGS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC",
];

const N: usize = TAGS.len();

/// Averaged weights this small are dropped from the model (they change no decision).
const PRUNE_BELOW: f32 = 1e-5;

/// First bytes of a serialised model.
const MAGIC: &[u8] = b"VIGIE-NER1";

/// Answers whether a lower-cased word or phrase is a known place or actor name; the
/// tagger uses it as a feature.
pub trait NameLexicon {
    /// True when `key` (lower case, accents removed) names a known place.
    fn is_place(&self, key: &str) -> bool;
}

impl NameLexicon for () {
    fn is_place(&self, _: &str) -> bool {
        false
    }
}

/// FNV-1a over the feature parts.
fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The shape of a word: letters as X/x, digits as d, runs shortened ("Xxxx" → "Xx").
fn shape(word: &str) -> String {
    let mut shape = String::new();
    for c in word.chars() {
        let class = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_ascii_digit() {
            'd'
        } else {
            c
        };
        if !shape.ends_with(class) || shape.chars().rev().take_while(|&s| s == class).count() < 2 {
            shape.push(class);
        }
    }
    shape
}

fn lower(word: &str) -> String {
    vigie_core::fold_text(word)
}

/// Feature hashes of token `i` given the two previous tags.
fn features(
    words: &[String],
    lowers: &[String],
    i: usize,
    previous: usize,
    previous2: usize,
    lexicon: &dyn NameLexicon,
) -> Vec<u64> {
    let word = &words[i];
    let low = &lowers[i];
    let at = |offset: isize| -> &str {
        let j = i as isize + offset;
        if j < 0 {
            "<s>"
        } else {
            lowers.get(j as usize).map_or("</s>", String::as_str)
        }
    };
    let suffix = |n: usize| -> String {
        low.chars()
            .rev()
            .take(n)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect()
    };
    let prefix = |n: usize| -> String { low.chars().take(n).collect() };
    let word_shape = shape(word);
    let previous_shape = if i > 0 {
        shape(&words[i - 1])
    } else {
        "<s>".into()
    };
    let next_shape = words.get(i + 1).map_or("</s>".into(), |w| shape(w));
    let bigram = format!("{} {}", low, at(1));
    let previous_bigram = format!("{} {}", at(-1), low);
    let place =
        lexicon.is_place(low) || lexicon.is_place(&bigram) || lexicon.is_place(&previous_bigram);
    let first = if i == 0 { "1" } else { "0" };
    let prev_tag = TAGS[previous];
    let prev2_tag = TAGS[previous2];
    let mut f = vec![
        hash(&["bias"]),
        hash(&["w", low]),
        hash(&["w-1", at(-1)]),
        hash(&["w+1", at(1)]),
        hash(&["w-2", at(-2)]),
        hash(&["w+2", at(2)]),
        hash(&["suf3", &suffix(3)]),
        hash(&["suf2", &suffix(2)]),
        hash(&["pre3", &prefix(3)]),
        hash(&["shape", &word_shape]),
        hash(&["shape-1", &previous_shape]),
        hash(&["shape+1", &next_shape]),
        hash(&["shape-first", &word_shape, first]),
        hash(&["t-1", prev_tag]),
        hash(&["t-1,t-2", prev_tag, prev2_tag]),
        hash(&["t-1,w", prev_tag, low]),
        hash(&["t-1,shape", prev_tag, &word_shape]),
        hash(&["w-1,w", at(-1), low]),
        hash(&["w,w+1", low, at(1)]),
    ];
    if place {
        f.push(hash(&["place"]));
        f.push(hash(&["place,shape", &word_shape]));
    }
    f
}

/// Trained weights.
#[derive(Debug, Clone, Default)]
pub struct NerModel {
    weights: HashMap<u64, [f32; N]>,
}

impl NerModel {
    /// Tags one sentence.
    pub fn tag(&self, words: &[String], lexicon: &dyn NameLexicon) -> Vec<&'static str> {
        let lowers: Vec<String> = words.iter().map(|w| lower(w)).collect();
        let (mut previous, mut previous2) = (0, 0);
        let mut tags = Vec::with_capacity(words.len());
        for i in 0..words.len() {
            let scores = self.scores(&features(words, &lowers, i, previous, previous2, lexicon));
            let best = best_allowed(&scores, previous);
            tags.push(TAGS[best]);
            previous2 = previous;
            previous = best;
        }
        tags
    }

    fn scores(&self, features: &[u64]) -> [f32; N] {
        let mut scores = [0.0; N];
        for f in features {
            if let Some(w) = self.weights.get(f) {
                for (s, w) in scores.iter_mut().zip(w) {
                    *s += w;
                }
            }
        }
        scores
    }

    /// Number of features with weights.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when the model has no weights.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Serialises the model: magic, count, then (feature, weights as f16-like i16 ×
    /// scale) records.
    pub fn to_bytes(&self) -> Vec<u8> {
        let scale = self
            .weights
            .values()
            .flat_map(|w| w.iter())
            .fold(0.0f32, |m, w| m.max(w.abs()))
            .max(f32::EPSILON)
            / 32767.0;
        let mut keys: Vec<&u64> = self.weights.keys().collect();
        keys.sort();
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&(keys.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&scale.to_le_bytes());
        for key in keys {
            bytes.extend_from_slice(&key.to_le_bytes());
            for w in self.weights[key] {
                bytes.extend_from_slice(&((w / scale).round() as i16).to_le_bytes());
            }
        }
        bytes
    }

    /// Reads a model written by [`NerModel::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let body = bytes.strip_prefix(MAGIC).ok_or("not a Vigie NER model")?;
        let count = u64::from_le_bytes(
            body.get(..8)
                .ok_or("truncated model")?
                .try_into()
                .map_err(|_| "truncated")?,
        ) as usize;
        let scale = f32::from_le_bytes(
            body.get(8..12)
                .ok_or("truncated model")?
                .try_into()
                .map_err(|_| "truncated")?,
        );
        let record = 8 + 2 * N;
        let records = body.get(12..12 + count * record).ok_or("truncated model")?;
        let mut weights = HashMap::with_capacity(count);
        for chunk in records.chunks_exact(record) {
            let key = u64::from_le_bytes(chunk[..8].try_into().expect("eight bytes"));
            let mut w = [0.0f32; N];
            for (t, slot) in w.iter_mut().enumerate() {
                *slot = f32::from(i16::from_le_bytes([chunk[8 + 2 * t], chunk[9 + 2 * t]])) * scale;
            }
            weights.insert(key, w);
        }
        Ok(Self { weights })
    }
}

/// The best tag that may follow `previous` (an I- tag only continues its own type).
fn best_allowed(scores: &[f32; N], previous: usize) -> usize {
    (0..N)
        .filter(|&t| {
            let tag = TAGS[t];
            !tag.starts_with("I-") || (TAGS[previous] != "O" && TAGS[previous][2..] == tag[2..])
        })
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
        .unwrap_or(0)
}

/// Converts IO tags (Europeana) to BIO.
pub fn to_bio(tags: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(tags.len());
    let mut previous = "O".to_owned();
    for tag in tags {
        let converted = match tag.strip_prefix("I-") {
            Some(kind) if !previous.ends_with(kind) || previous == "O" => format!("B-{kind}"),
            _ => tag.clone(),
        };
        previous = converted.clone();
        out.push(converted);
    }
    out
}

/// Trains a model on tagged sentences (BIO tags) with the averaged perceptron.
pub fn train(
    sentences: &[(Vec<String>, Vec<String>)],
    iterations: usize,
    lexicon: &dyn NameLexicon,
) -> NerModel {
    let mut weights: HashMap<u64, [f32; N]> = HashMap::new();
    let mut totals: HashMap<u64, [f64; N]> = HashMap::new();
    let mut stamps: HashMap<u64, [u64; N]> = HashMap::new();
    let mut step: u64 = 0;
    let index_of = |tag: &str| TAGS.iter().position(|t| *t == tag).unwrap_or(0);
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..iterations {
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &s in &order {
            let (words, tags) = &sentences[s];
            let lowers: Vec<String> = words.iter().map(|w| lower(w)).collect();
            let (mut previous, mut previous2) = (0, 0);
            for (i, tag) in tags.iter().enumerate() {
                step += 1;
                let feats = features(words, &lowers, i, previous, previous2, lexicon);
                let mut scores = [0.0f32; N];
                for f in &feats {
                    if let Some(w) = weights.get(f) {
                        for (s, w) in scores.iter_mut().zip(w) {
                            *s += w;
                        }
                    }
                }
                let guess = best_allowed(&scores, previous);
                let truth = index_of(tag);
                if guess != truth {
                    for f in &feats {
                        let w = weights.entry(*f).or_insert([0.0; N]);
                        let total = totals.entry(*f).or_insert([0.0; N]);
                        let stamp = stamps.entry(*f).or_insert([0; N]);
                        for (t, delta) in [(truth, 1.0f32), (guess, -1.0)] {
                            total[t] += (step - stamp[t]) as f64 * f64::from(w[t]);
                            stamp[t] = step;
                            w[t] += delta;
                        }
                    }
                }
                previous2 = previous;
                previous = truth;
            }
        }
    }
    let mut averaged = HashMap::with_capacity(weights.len());
    for (f, w) in &weights {
        let total = totals[f];
        let stamp = stamps[f];
        let mut avg = [0.0f32; N];
        for t in 0..N {
            let sum = total[t] + (step - stamp[t]) as f64 * f64::from(w[t]);
            avg[t] = (sum / step as f64) as f32;
        }
        if avg.iter().any(|a| a.abs() > PRUNE_BELOW) {
            averaged.insert(*f, avg);
        }
    }
    NerModel { weights: averaged }
}

static FRENCH: &[u8] = include_bytes!("../../../data/models/ner-fr.bin");

static FRENCH_MODEL: std::sync::LazyLock<NerModel> = std::sync::LazyLock::new(|| {
    NerModel::from_bytes(FRENCH).expect("the shipped French NER model is valid")
});

impl NerModel {
    /// The model shipped for a language (French only: see `data/models/README.md`).
    pub fn embedded(language: Language) -> Option<&'static NerModel> {
        match language {
            Language::Fr => Some(&FRENCH_MODEL),
            Language::En => None,
        }
    }
}

/// Adds the people, organisations and other names the tagger finds in each sentence
/// (see [`add_names`]).
///
/// `index` is the code-point index of `doc.text`.
pub fn recognize(
    doc: &mut Document,
    index: &TextIndex,
    model: &NerModel,
    lexicon: &dyn NameLexicon,
) {
    let mut found = Vec::new();
    for &sentence in &doc.sentences {
        let text = index.slice(&doc.text, sentence);
        let tokens = tokenize(text);
        let words: Vec<String> = tokens.iter().map(|t| t.text(text).to_owned()).collect();
        let tags: Vec<String> = model
            .tag(&words, lexicon)
            .into_iter()
            .map(str::to_owned)
            .collect();
        for (start, end, kind) in tag_spans(&tags) {
            let kind = match kind.as_str() {
                "PER" => EntityKind::Per,
                "ORG" => EntityKind::Org,
                "MISC" => EntityKind::Misc,
                _ => continue,
            };
            let span = Span::new(
                sentence.start + tokens[start].span.start,
                sentence.start + tokens[end - 1].span.end,
            );
            // This tagger reads no context beyond its window: names of known places are
            // left to the geo stage.
            if !lexicon.is_place(&vigie_core::fold_text(index.slice(&doc.text, span))) {
                found.push((span, kind));
            }
        }
    }
    add_names(doc, index, found, lexicon);
}

/// Adds names a tagger found (code-point spans of `doc.text` and kinds) as entities,
/// where no dictionary or rule-based entity is already. A location the gazetteer knows is
/// left to the geo stage, which resolves it; one it does not know stays a `loc` entity
/// (a name, not an actor). A person or organisation keeps its kind even when its name is
/// also a place's ("Leeds" the club): the tagger read the context.
pub fn add_names(
    doc: &mut Document,
    index: &TextIndex,
    found: Vec<(Span, EntityKind)>,
    lexicon: &dyn NameLexicon,
) {
    let mut added: Vec<Entity> = Vec::new();
    for (span, kind) in found {
        let text = index.slice(&doc.text, span);
        // The dictionaries know better: spans they cover keep their entities.
        if doc.entities.iter().any(|e| e.span.overlaps(span))
            || (kind == EntityKind::Loc && lexicon.is_place(&vigie_core::fold_text(text)))
        {
            continue;
        }
        added.push(Entity {
            text: text.to_owned(),
            span,
            kind,
            actor: None,
            country: None,
            role: None,
            loaded: false,
            antecedent: None,
        });
    }
    doc.entities.extend(added);
    doc.entities.sort_by_key(|e| (e.span.start, e.span.end));
}

/// Entities of a BIO tag sequence as (start, end, type).
fn tag_spans(tags: &[String]) -> Vec<(usize, usize, String)> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let continues = tag
            .strip_prefix("I-")
            .is_some_and(|k| open.as_ref().is_some_and(|(_, o)| o == k));
        if !continues {
            if let Some((start, kind)) = open.take() {
                spans.push((start, i, kind));
            }
            if let Some(kind) = tag.strip_prefix("B-").or_else(|| tag.strip_prefix("I-")) {
                open = Some((i, kind.to_owned()));
            }
        }
    }
    if let Some((start, kind)) = open {
        spans.push((start, tags.len(), kind));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(text: &str) -> (Vec<String>, Vec<String>) {
        text.split(' ')
            .map(|pair| {
                let (w, t) = pair.split_once('/').unwrap();
                (w.to_owned(), t.to_owned())
            })
            .unzip()
    }

    #[test]
    fn learns_a_toy_pattern_and_round_trips() {
        let data: Vec<(Vec<String>, Vec<String>)> = [
            "Le/O ministre/O Jean/B-PER Dupont/I-PER est/O à/O Paris/B-LOC ./O",
            "La/O ministre/O Marie/B-PER Curie/I-PER vit/O à/O Lyon/B-LOC ./O",
            "Le/O général/O Karim/B-PER Haddad/I-PER est/O à/O Gao/B-LOC ./O",
            "Il/O part/O à/O Bamako/B-LOC ./O",
        ]
        .iter()
        .map(|s| sentence(s))
        .collect();
        let model = train(&data, 10, &());
        let words: Vec<String> = "Le ministre Paul Martin est à Mopti ."
            .split(' ')
            .map(str::to_owned)
            .collect();
        let tags = model.tag(&words, &());
        assert_eq!(tags[2..4], ["B-PER", "I-PER"]);
        assert_eq!(tags[6], "B-LOC");
        let copy = NerModel::from_bytes(&model.to_bytes()).unwrap();
        assert_eq!(copy.tag(&words, &()), tags);
        assert!(NerModel::from_bytes(b"garbage").is_err());
    }

    #[test]
    fn shipped_french_model_finds_people() {
        let mut doc = Document::new(
            "t",
            "Le porte-parole Karim Haddad a rencontré hier Maria Petrenko à Bamako.",
        );
        doc.sentences = vec![Span::new(0, doc.text.chars().count())];
        let index = TextIndex::new(&doc.text);
        recognize(
            &mut doc,
            &index,
            NerModel::embedded(Language::Fr).unwrap(),
            &(),
        );
        let people: Vec<&str> = doc
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Per)
            .map(|e| e.text.as_str())
            .collect();
        assert!(people.contains(&"Karim Haddad"), "{people:?}");
        assert!(NerModel::embedded(Language::En).is_none());
    }

    #[test]
    fn io_tags_become_bio() {
        let io: Vec<String> = ["I-PER", "I-PER", "O", "I-LOC", "I-ORG"]
            .iter()
            .map(|t| (*t).to_owned())
            .collect();
        assert_eq!(to_bio(&io), ["B-PER", "I-PER", "O", "B-LOC", "B-ORG"]);
    }
}
