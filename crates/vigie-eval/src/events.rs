//! Event coding against the PLOVER gold-standard records (`plover_gsr.*.json`): one
//! sentence per record with its event type, source and target actors.
//!
//! The records use the 2016 PLOVER names; they are mapped to the 2021 types the way
//! `CAMEO2PLOVER-2021.txt` maps their CAMEO roots: DEMAND (CAMEO 10) → REQUEST,
//! DISAPPROVE (11) → ACCUSE, INVESTIGATE (09) → ACCUSE, FIGHT (19) → ASSAULT,
//! YIELD (08) → CONCEDE. A record's prediction is the first event coded in its sentence
//! (the main verb of a news sentence usually comes first); every further event counts as
//! an extra.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vigie_core::{Document, Event, EventType};
use vigie_pipeline::Pipeline;

use crate::metrics::Counts;

#[derive(Deserialize)]
struct RawRecord {
    id: String,
    event: String,
    text: Option<String>,
    #[serde(default)]
    source: serde_json::Value,
    #[serde(default)]
    target: serde_json::Value,
    #[serde(default)]
    mode: Option<String>,
}

/// The `actorText`s of a source or target field (a list of actors, one actor, or "").
fn actor_texts(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Array(items) => items.iter().flat_map(actor_texts).collect(),
        serde_json::Value::Object(actor) => actor
            .get("actorText")
            .and_then(serde_json::Value::as_str)
            .map(|t| vec![t.to_owned()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// One gold record.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldEvent {
    /// Record id.
    pub id: String,
    /// The sentence.
    pub text: String,
    /// Event type (2021 PLOVER).
    pub event_type: EventType,
    /// Source actors as written.
    pub sources: Vec<String>,
    /// Target actors as written.
    pub targets: Vec<String>,
    /// PLOVER mode, when the record gives one.
    pub mode: Option<String>,
}

/// A gold mode in Vigie's mode names: the PLOVER modes that only add who organised a
/// protest or strike ("demo-org", "riot-spon") keep their kind, hunger strikes are
/// `hunger`, general strikes `boycott` (work stopped), detentions `arrest`.
pub fn normalise_mode(mode: &str) -> String {
    match mode {
        "strike-hun" => "hunger",
        "strike-gen" => "boycott",
        "detain" => "arrest",
        other if other.starts_with("demo-") || other.starts_with("riot-") => &other[..4],
        other => other,
    }
    .to_owned()
}

/// The 2021 type of a 2016 PLOVER event name.
pub fn map_2016(name: &str) -> Option<EventType> {
    match name {
        "DEMAND" => Some(EventType::Request),
        "DISAPPROVE" | "INVESTIGATE" => Some(EventType::Accuse),
        "FIGHT" => Some(EventType::Assault),
        "YIELD" => Some(EventType::Concede),
        other => EventType::from_name(other),
    }
}

/// Reads gold records (documentation records without text are skipped).
pub fn read_gold(path: &Path) -> Result<Vec<GoldEvent>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let records: Vec<RawRecord> =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(records
        .into_iter()
        .filter_map(|r| {
            let event_type = map_2016(&r.event)?;
            Some(GoldEvent {
                id: r.id,
                text: r.text?,
                event_type,
                sources: actor_texts(&r.source),
                targets: actor_texts(&r.target),
                mode: r.mode.filter(|m| !m.is_empty()),
            })
        })
        .collect())
}

/// One record's outcome, as written by `--predictions-out`.
#[derive(Debug, Clone, Serialize)]
pub struct EventPrediction {
    /// Record id.
    pub id: String,
    /// Gold type.
    pub gold_type: String,
    /// Predicted type, if any event was coded.
    pub predicted_type: Option<String>,
    /// Gold mode in Vigie's mode names, if the record gives one.
    pub gold_mode: Option<String>,
    /// Predicted mode, if the coded event has one.
    pub predicted_mode: Option<String>,
    /// Predicted actor text.
    pub actor: Option<String>,
    /// Predicted recipient text.
    pub recipient: Option<String>,
    /// Gold sources.
    pub gold_sources: Vec<String>,
    /// Gold targets.
    pub gold_targets: Vec<String>,
    /// Types of the events coded beyond the first, in the order of their triggers.
    pub later_types: Vec<String>,
}

/// Event scores.
#[derive(Debug, Clone, Default)]
pub struct EventScores {
    /// Records scored.
    pub records: usize,
    /// Records whose type is right.
    pub type_right: usize,
    /// Records with a gold mode whose type is right.
    pub mode_records: usize,
    /// Of those, records whose mode is right.
    pub mode_right: usize,
    /// Records whose type, actor and recipient are all right.
    pub all_right: usize,
    /// Records with a gold source whose predicted actor matches one.
    pub actor: Counts,
    /// Records with a gold target whose predicted recipient matches one.
    pub recipient: Counts,
    /// Extra events coded beyond one per record.
    pub extra_events: usize,
    /// Confusion: gold type → predicted type (or `-` for none) → count.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Every record's outcome.
    pub predictions: Vec<EventPrediction>,
}

/// True when a predicted participant names one of the gold actors (either text contains
/// the other, case and accents aside).
fn matches_any(predicted: Option<&str>, gold: &[String]) -> bool {
    let Some(predicted) = predicted.map(vigie_core::fold_text) else {
        return false;
    };
    gold.iter()
        .map(|g| vigie_core::fold_text(g))
        .any(|g| !g.is_empty() && (g.contains(&predicted) || predicted.contains(&g)))
}

/// Codes every record's sentence with `pipeline_for` the record and scores it.
pub fn evaluate<'p>(
    records: &[GoldEvent],
    pipeline_for: impl Fn(&GoldEvent) -> &'p Pipeline<'p>,
) -> EventScores {
    let mut scores = EventScores::default();
    for record in records {
        let mut doc = Document::new(record.id.clone(), record.text.clone());
        pipeline_for(record).run(&mut doc);
        let mut in_order: Vec<&Event> = doc.events.iter().collect();
        in_order.sort_by_key(|e| e.trigger.span.start);
        let best = in_order.first().copied();
        let predicted_type = best.map(|e| e.event_type);
        let actor = best.and_then(|e| e.actor.as_ref()).map(|p| p.text.clone());
        let recipient = best
            .and_then(|e| e.recipient.as_ref())
            .map(|p| p.text.clone());
        let type_right = predicted_type == Some(record.event_type);
        let actor_right = record.sources.is_empty() && actor.is_none()
            || matches_any(actor.as_deref(), &record.sources);
        let recipient_right = record.targets.is_empty() && recipient.is_none()
            || matches_any(recipient.as_deref(), &record.targets);
        scores.records += 1;
        scores.type_right += usize::from(type_right);
        if let Some(gold_mode) = record.mode.as_deref().filter(|_| type_right) {
            let predicted_mode = best.and_then(|e| e.mode.as_deref()).unwrap_or("");
            scores.mode_records += 1;
            scores.mode_right += usize::from(normalise_mode(gold_mode) == predicted_mode);
        }
        scores.all_right += usize::from(type_right && actor_right && recipient_right);
        for (counts, gold, predicted, right) in [
            (&mut scores.actor, &record.sources, &actor, actor_right),
            (
                &mut scores.recipient,
                &record.targets,
                &recipient,
                recipient_right,
            ),
        ] {
            counts.gold += usize::from(!gold.is_empty());
            counts.predicted += usize::from(predicted.is_some());
            counts.true_positives += usize::from(right && !gold.is_empty() && predicted.is_some());
        }
        let extra = doc.events.len().saturating_sub(1);
        scores.extra_events += extra;
        *scores
            .confusion
            .entry(record.event_type.name().to_owned())
            .or_default()
            .entry(predicted_type.map_or("-".to_owned(), |t| t.name().to_owned()))
            .or_default() += 1;
        scores.predictions.push(EventPrediction {
            id: record.id.clone(),
            gold_type: record.event_type.name().to_owned(),
            predicted_type: predicted_type.map(|t| t.name().to_owned()),
            gold_mode: record.mode.as_deref().map(normalise_mode),
            predicted_mode: best.and_then(|e| e.mode.clone()),
            actor,
            recipient,
            gold_sources: record.sources.clone(),
            gold_targets: record.targets.clone(),
            later_types: in_order
                .iter()
                .skip(1)
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
    fn gold_modes_take_vigie_names() {
        assert_eq!(normalise_mode("demo-org"), "demo");
        assert_eq!(normalise_mode("riot-spon"), "riot");
        assert_eq!(normalise_mode("strike-hun"), "hunger");
        assert_eq!(normalise_mode("detain"), "arrest");
        assert_eq!(normalise_mode("heavy-weapons"), "heavy-weapons");
    }

    #[test]
    fn maps_2016_names() {
        assert_eq!(map_2016("DEMAND"), Some(EventType::Request));
        assert_eq!(map_2016("FIGHT"), Some(EventType::Assault));
        assert_eq!(map_2016("AGREE"), Some(EventType::Agree));
        assert_eq!(map_2016("DOCUMENT"), None);
    }

    #[test]
    fn participant_matching_is_lenient_on_extent() {
        let gold = vec!["U.N. Security Council".to_owned()];
        assert!(matches_any(Some("Security Council"), &gold));
        assert!(!matches_any(Some("Serbia"), &gold));
        assert!(!matches_any(None, &gold));
    }

    /// Scores one English record with the embedded pipeline.
    fn score_one(text: &str, event_type: EventType, source: &str, target: &str) -> EventScores {
        let records = vec![GoldEvent {
            id: "r1".into(),
            text: text.into(),
            event_type,
            sources: vec![source.into()],
            targets: vec![target.into()],
            mode: None,
        }];
        let pipeline =
            Pipeline::embedded(vigie_pipeline::Language::Fixed(vigie_core::Language::En));
        evaluate(&records, |_| &pipeline)
    }

    #[test]
    fn codes_and_scores_a_record() {
        let scores = score_one(
            "Rebels attacked a police station in Gao on Tuesday.",
            EventType::Assault,
            "Rebels",
            "police",
        );
        assert_eq!(scores.records, 1);
        assert_eq!(scores.type_right, 1);
        assert_eq!(scores.confusion["ASSAULT"]["ASSAULT"], 1);
    }

    #[test]
    fn the_first_trigger_is_scored_and_the_later_events_are_listed() {
        let scores = score_one(
            "Police arrested ten students in Gao on Tuesday after rebels attacked a checkpoint.",
            EventType::Coerce,
            "Police",
            "students",
        );
        let prediction = &scores.predictions[0];
        assert_eq!(prediction.predicted_type.as_deref(), Some("COERCE"));
        assert_eq!(prediction.later_types, ["ASSAULT"]);
        assert_eq!(scores.extra_events, 1);
    }
}
