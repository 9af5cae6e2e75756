//! ACLED sub-event types of news snippets: one gold sub-event type per snippet
//! (JSONL lines `{"id", "text", "sub_event_type"}`, optionally `"lang"`), scored against
//! the sub-event type of the first event the pipeline codes for ACLED in the snippet
//! ("none" when it codes none). The summary is the F1 of each gold sub-event type,
//! weighted by its number of snippets, as ACLED-coding studies report it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vigie_core::Document;
use vigie_pipeline::Pipeline;

use crate::metrics::Counts;

/// One gold snippet.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AcledSnippet {
    /// Identifier.
    pub id: String,
    /// The snippet.
    pub text: String,
    /// Language code, when given.
    #[serde(default)]
    pub lang: Option<String>,
    /// ACLED sub-event type.
    pub sub_event_type: String,
}

/// Reads a gold file; errors name the file and line.
pub fn read_snippets(path: &Path) -> Result<Vec<AcledSnippet>, String> {
    let content = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    content
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), number + 1))
        })
        .collect()
}

/// One snippet's outcome, as written by `--predictions-out`.
#[derive(Debug, Clone, Serialize)]
pub struct AcledPrediction {
    /// Snippet id.
    pub id: String,
    /// Gold sub-event type.
    pub gold: String,
    /// Predicted sub-event type, if an event was coded for ACLED.
    pub predicted: Option<String>,
    /// Types of every event coded, in order.
    pub event_types: Vec<String>,
}

/// Scores per sub-event type.
#[derive(Debug, Clone, Default)]
pub struct AcledScores {
    /// Snippets scored.
    pub snippets: usize,
    /// Snippets whose sub-event type is right.
    pub right: usize,
    /// Snippets where no event was coded for ACLED.
    pub none: usize,
    /// Of those, snippets where no event of any kind was coded.
    pub no_event: usize,
    /// Counts per sub-event type (gold or predicted).
    pub per_type: BTreeMap<String, Counts>,
    /// Every snippet's outcome.
    pub predictions: Vec<AcledPrediction>,
}

impl AcledScores {
    /// Mean of the gold sub-event types' F1, weighted by their snippets.
    pub fn weighted_f1(&self) -> f64 {
        let total: usize = self.per_type.values().map(|c| c.gold).sum();
        self.per_type
            .values()
            .map(|c| c.f1() * c.gold as f64)
            .sum::<f64>()
            / total.max(1) as f64
    }
}

/// Codes every snippet with `pipeline_for` it and scores the sub-event types.
pub fn evaluate<'p>(
    snippets: &[AcledSnippet],
    pipeline_for: impl Fn(&AcledSnippet) -> &'p Pipeline<'p>,
) -> AcledScores {
    let mut scores = AcledScores::default();
    for snippet in snippets {
        let mut doc = Document::new(snippet.id.clone(), snippet.text.clone());
        pipeline_for(snippet).run(&mut doc);
        let predicted = doc
            .events
            .iter()
            .filter_map(|e| e.acled.map(|a| (e.trigger.span.start, a.sub_event_type)))
            .min_by_key(|(start, _)| *start)
            .map(|(_, sub)| sub.name());
        scores.snippets += 1;
        scores.none += usize::from(predicted.is_none());
        scores.no_event += usize::from(doc.events.is_empty());
        let gold = snippet.sub_event_type.as_str();
        scores.per_type.entry(gold.to_owned()).or_default().gold += 1;
        if let Some(predicted) = predicted {
            let counts = scores.per_type.entry(predicted.to_owned()).or_default();
            counts.predicted += 1;
            if predicted == gold {
                counts.true_positives += 1;
                scores.right += 1;
            }
        }
        scores.predictions.push(AcledPrediction {
            id: snippet.id.clone(),
            gold: gold.to_owned(),
            predicted: predicted.map(str::to_owned),
            event_types: doc
                .events
                .iter()
                .map(|e| e.event_type.name().to_owned())
                .collect(),
        });
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_the_first_acled_event_of_each_snippet() {
        let snippets = vec![
            AcledSnippet {
                id: "a".into(),
                text: "Police arrested twelve opposition activists in Bamako on Monday.".into(),
                lang: Some("en".into()),
                sub_event_type: "Arrests".into(),
            },
            AcledSnippet {
                id: "b".into(),
                text: "The weather was mild in Lyon.".into(),
                lang: Some("en".into()),
                sub_event_type: "Peaceful protest".into(),
            },
        ];
        let pipeline =
            Pipeline::embedded(vigie_pipeline::Language::Fixed(vigie_core::Language::En));
        let scores = evaluate(&snippets, |_| &pipeline);
        assert_eq!((scores.snippets, scores.right, scores.none), (2, 1, 1));
        assert_eq!(scores.no_event, 1);
        assert_eq!(scores.per_type["Arrests"].f1(), 1.0);
        assert_eq!(scores.per_type["Peaceful protest"].f1(), 0.0);
        assert!((scores.weighted_f1() - 0.5).abs() < 1e-9);
    }
}
