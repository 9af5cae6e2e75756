//! Named-entity recognition against CoNLL-style gold (`index<TAB>token<TAB>tag`, or
//! `token tag`; BIO or IO tags; sentences separated by blank lines), scored at entity
//! level as `conlleval` does: an entity is right when its span and type are exactly right.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use vigie_core::{Document, EntityKind, Language, PlaceKind, PreparedText, Span};
use vigie_pipeline::Pipeline;

pub use crate::metrics::Counts;

/// One gold sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldSentence {
    /// Tokens.
    pub tokens: Vec<String>,
    /// Tags (`O`, `B-PER`, `I-LOC`, …).
    pub tags: Vec<String>,
}

/// Reads a gold file.
pub fn read_gold(path: &Path) -> Result<Vec<GoldSentence>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_gold(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses gold text.
pub fn parse_gold(text: &str) -> Result<Vec<GoldSentence>, String> {
    let mut sentences = Vec::new();
    let mut current = GoldSentence {
        tokens: Vec::new(),
        tags: Vec::new(),
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            if !current.tokens.is_empty() {
                sentences.push(std::mem::replace(
                    &mut current,
                    GoldSentence {
                        tokens: Vec::new(),
                        tags: Vec::new(),
                    },
                ));
            }
            continue;
        }
        let fields: Vec<&str> = if line.contains('\t') {
            line.split('\t').collect()
        } else {
            line.split(' ').collect()
        };
        let (token, tag) = match fields[..] {
            [_, token, tag] => (token, tag),
            [token, tag] => (token, tag),
            _ => return Err(format!("line {}: expected token and tag", number + 1)),
        };
        current.tokens.push(token.to_owned());
        current.tags.push(tag.to_owned());
    }
    if !current.tokens.is_empty() {
        sentences.push(current);
    }
    Ok(sentences)
}

/// Entities of a tag sequence as (start token, end token, type); IO and BIO both read.
pub fn entities(tags: &[String]) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let (prefix, kind) = tag.split_once('-').unwrap_or((tag.as_str(), ""));
        let continues = prefix == "I" && open.as_ref().is_some_and(|(_, k)| k == kind);
        if !continues {
            if let Some((start, k)) = open.take() {
                found.push((start, i, k));
            }
            if prefix == "B" || prefix == "I" {
                open = Some((i, kind.to_owned()));
            }
        }
    }
    if let Some((start, k)) = open {
        found.push((start, tags.len(), k));
    }
    found
}

/// NER scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NerScores {
    /// Per entity type.
    pub per_type: BTreeMap<String, Counts>,
    /// All types together (micro average).
    pub overall: Counts,
    /// Tokens processed.
    pub tokens: usize,
    /// Time spent in the stages.
    pub elapsed: Duration,
}

/// Predicted tags for one sentence: the pipeline's entity, names and geo stages run over
/// the tokens joined by spaces (names from the encoder's head when `pipeline` has one,
/// else the fast tagger for the language, if any); people → PER, organisations, groups,
/// media and international bodies → ORG, toponyms and states named by a place → LOC,
/// capitalised demonyms → MISC.
pub fn predict(tokens: &[String], language: Language, pipeline: &Pipeline) -> Vec<String> {
    let text = tokens.join(" ");
    let mut starts = Vec::with_capacity(tokens.len());
    let mut at = 0;
    for token in tokens {
        starts.push(Span::new(at, at + token.chars().count()));
        at += token.chars().count() + 1;
    }
    let mut doc = Document::new("ner", text);
    doc.language = Some(language);
    doc.sentences = vec![Span::new(0, at.saturating_sub(1))];
    let prepared = PreparedText::new(&doc.text);
    vigie_entities::analyze(&mut doc, &prepared, pipeline.actors);
    let readings = pipeline.read_sentences(&doc, &prepared);
    pipeline.find_names(&mut doc, &prepared, readings.as_deref());
    vigie_geo::analyze(&mut doc, &prepared, pipeline.gazetteer);
    let mut spans: Vec<(Span, &str)> = Vec::new();
    for place in &doc.places {
        match place.kind {
            PlaceKind::Toponym => spans.push((place.span, "LOC")),
            // CoNLL-style corpora tag capitalised nationalities ("German", "Français") as
            // MISC, not adjectives such as "irakienne".
            PlaceKind::Demonym if place.text.starts_with(char::is_uppercase) => {
                spans.push((place.span, "MISC"))
            }
            PlaceKind::Demonym => {}
        }
    }
    // Pronouns and common nouns ("rebels", "l'armée") are actors, not named entities.
    let named = |e: &&vigie_core::Entity| {
        e.antecedent.is_none()
            && e.text
                .chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
    };
    for entity in doc.entities.iter().filter(named) {
        let kind = match entity.kind {
            EntityKind::Per => "PER",
            EntityKind::Org | EntityKind::Group | EntityKind::Media | EntityKind::Igo => "ORG",
            EntityKind::State | EntityKind::Loc => "LOC",
            EntityKind::Misc => "MISC",
        };
        if !spans.iter().any(|(s, _)| s.overlaps(entity.span)) {
            spans.push((entity.span, kind));
        }
    }
    let mut tags = vec!["O".to_owned(); tokens.len()];
    for (span, kind) in spans {
        let covered: Vec<usize> = (0..tokens.len())
            .filter(|&i| starts[i].overlaps(span))
            .collect();
        for (n, &i) in covered.iter().enumerate() {
            tags[i] = format!("{}-{kind}", if n == 0 { "B" } else { "I" });
        }
    }
    tags
}

/// Runs the entity, names and geo stages over every gold sentence and scores them.
pub fn evaluate(sentences: &[GoldSentence], language: Language, pipeline: &Pipeline) -> NerScores {
    evaluate_with(sentences, |tokens| predict(tokens, language, pipeline))
}

/// Scores a tagger (tokens → BIO tags) on every gold sentence, run on every core;
/// [`NerScores::elapsed`] adds up the time spent in the tagger (one core's time).
pub fn evaluate_with(
    sentences: &[GoldSentence],
    tagger: impl Fn(&[String]) -> Vec<String> + Sync,
) -> NerScores {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let run = sentences.len().div_ceil(threads).max(1);
    let predicted: Vec<(Vec<String>, Duration)> = std::thread::scope(|scope| {
        let workers: Vec<_> = sentences
            .chunks(run)
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter()
                        .map(|sentence| {
                            let started = Instant::now();
                            let tags = tagger(&sentence.tokens);
                            (tags, started.elapsed())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a tagger panicked"))
            .collect()
    });
    let mut scores = NerScores::default();
    for (sentence, (predicted, elapsed)) in sentences.iter().zip(predicted) {
        scores.elapsed += elapsed;
        scores.tokens += sentence.tokens.len();
        let gold = entities(&sentence.tags);
        let guessed = entities(&predicted);
        for (start, end, kind) in &gold {
            let counts = scores.per_type.entry(kind.clone()).or_default();
            counts.gold += 1;
            if guessed.contains(&(*start, *end, kind.clone())) {
                counts.true_positives += 1;
            }
        }
        for (_, _, kind) in &guessed {
            scores.per_type.entry(kind.clone()).or_default().predicted += 1;
        }
    }
    for counts in scores.per_type.values() {
        scores.overall.true_positives += counts.true_positives;
        scores.overall.predicted += counts.predicted;
        scores.overall.gold += counts.gold;
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn reads_bio_and_io_entities() {
        assert_eq!(
            entities(&tags(&["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG"])),
            [
                (0, 2, "PER".into()),
                (3, 4, "LOC".into()),
                (4, 5, "LOC".into()),
                (5, 6, "ORG".into())
            ]
        );
        assert_eq!(
            entities(&tags(&["I-PER", "I-PER", "O", "I-LOC"])),
            [(0, 2, "PER".into()), (3, 4, "LOC".into())]
        );
    }

    #[test]
    fn parses_both_layouts() {
        let conll = parse_gold("0\tEU\tB-ORG\n1\trejects\tO\n\n0\tBonn\tB-LOC\n").unwrap();
        assert_eq!(conll.len(), 2);
        assert_eq!(conll[1].tokens, ["Bonn"]);
        let io = parse_gold("Emmanuel I-PER\nDesoles I-PER\nde O\n").unwrap();
        assert_eq!(io[0].tags, ["I-PER", "I-PER", "O"]);
        assert!(parse_gold("just-one-field\n").is_err());
    }
}
