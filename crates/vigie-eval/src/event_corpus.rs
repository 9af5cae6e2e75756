//! The events of Vigie's annotated corpus (`data/corpus/events-*.jsonl`, format in
//! `data/corpus/README.md`), with the words of each text, for training and scoring the
//! event heads.

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vigie_core::{AttributionKind, Document, EventType, Span, fnv1a, tokenize};
use vigie_pipeline::Pipeline;

use crate::events::GoldEvent;

/// A code-point span of an item's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ItemSpan {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
}

/// An event's ACLED category as annotated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AnnotatedAcled {
    /// ACLED event type.
    pub event_type: String,
    /// ACLED sub-event type.
    pub sub_event_type: String,
}

/// How an annotated event is sourced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AnnotatedAttribution {
    /// `named`, `anonymous`, `outlet` or `none`.
    pub kind: String,
    /// Who says it.
    pub source: Option<ItemSpan>,
}

/// One annotated event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AnnotatedEvent {
    /// The word or phrase that signals it.
    pub trigger: ItemSpan,
    /// PLOVER type.
    pub plover: String,
    /// PLOVER mode.
    pub mode: Option<String>,
    /// ACLED category, when ACLED codes it.
    pub acled: Option<AnnotatedAcled>,
    /// Who acts.
    pub actor: Option<ItemSpan>,
    /// Who undergoes it.
    pub recipient: Option<ItemSpan>,
    /// Where.
    pub place: Option<ItemSpan>,
    /// `asserted`, `claimed`, `planned`, `threatened`, `denied`, `hypothetical`; absent
    /// from an event annotated for its type, mode and participants only (a converted PLOVER
    /// record, `scripts/plover-records.py`), whose ACLED type and modality are then unsaid.
    #[serde(default)]
    pub modality: Option<String>,
    /// Its source.
    pub attribution: Option<AnnotatedAttribution>,
}

/// A corpus item whose events are annotated.
#[derive(Debug, Clone, PartialEq)]
pub struct EventItem {
    /// Identifier.
    pub id: String,
    /// Language code.
    pub lang: String,
    /// The text.
    pub text: String,
    /// Code-point spans of its words (Vigie's tokenizer).
    pub words: Vec<(usize, usize)>,
    /// Its events.
    pub events: Vec<AnnotatedEvent>,
}

#[derive(Deserialize)]
struct Line {
    id: String,
    lang: String,
    text: String,
    events: Option<Vec<AnnotatedEvent>>,
}

impl EventItem {
    /// The item of a corpus line, with its words; `None` when its events are not
    /// annotated (names only).
    fn from_line(line: Line) -> Option<Self> {
        let events = line.events?;
        let words = tokenize(&line.text)
            .iter()
            .map(|t| (t.span.start, t.span.end))
            .collect();
        Some(EventItem {
            id: line.id,
            lang: line.lang,
            text: line.text,
            words,
            events,
        })
    }

    /// True for the corpus's development fifth (the FNV-1a 64-bit hash of the id
    /// divisible by 5, as `data/corpus/README.md` says).
    pub fn held_out(&self) -> bool {
        fnv1a(self.id.bytes()).is_multiple_of(5)
    }

    /// Which of `folds` parts this item falls in when the training items are split for
    /// cross-fitting: the same hash as the development fifth's, with the fifth divided
    /// out, so that every fold takes its share of every batch.
    pub fn fold(&self, folds: u64) -> u64 {
        (fnv1a(self.id.bytes()) / 5) % folds
    }

    /// The words `span` overlaps, as indexes (empty when it overlaps none).
    pub fn words_of(&self, span: ItemSpan) -> Range<usize> {
        let first = self
            .words
            .iter()
            .position(|&(s, e)| s < span.end && e > span.start);
        match first {
            Some(first) => {
                let count = self.words[first..]
                    .iter()
                    .take_while(|&&(s, _)| s < span.end)
                    .count();
                first..first + count
            }
            None => 0..0,
        }
    }
}

/// The items of a corpus file whose events are annotated (items with `"events": null`
/// have names only and are skipped); errors name the file and line.
pub fn read_event_items(path: &Path) -> Result<Vec<EventItem>, String> {
    let content = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut items = Vec::new();
    for (number, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), number + 1))?;
        items.extend(EventItem::from_line(line));
    }
    Ok(items)
}

impl EventItem {
    /// The text of `span`.
    pub fn text_of(&self, span: ItemSpan) -> String {
        self.text
            .chars()
            .skip(span.start)
            .take(span.end - span.start)
            .collect()
    }

    /// The item as a PLOVER-style record: its first event (by trigger position), with
    /// its actor as source and its recipient as target; `None` without events.
    pub fn gold_record(&self) -> Option<GoldEvent> {
        let first = self.events.iter().min_by_key(|e| e.trigger.start)?;
        Some(GoldEvent {
            id: self.id.clone(),
            text: self.text.clone(),
            event_type: EventType::from_name(&first.plover)?,
            sources: first.actor.map(|s| self.text_of(s)).into_iter().collect(),
            targets: first
                .recipient
                .map(|s| self.text_of(s))
                .into_iter()
                .collect(),
            mode: first.mode.clone(),
        })
    }
}

/// How the pipeline's events match the corpus's, event by event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributeScores {
    /// Gold events.
    pub events: usize,
    /// Gold events with a predicted event of the same type whose trigger overlaps theirs.
    pub found: usize,
    /// Of those, events with the right modality.
    pub modality_right: usize,
    /// Of those, events with the right attribution kind.
    pub attribution_right: usize,
    /// Of those, events whose ACLED sub-event type is the gold one, or that have none
    /// where the gold has none.
    pub acled_right: usize,
    /// Predicted events in all.
    pub predicted: usize,
    /// Every found event whose modality or attribution kind is wrong.
    pub mismatches: Vec<AttributeMismatch>,
}

/// A found event whose modality or attribution kind differs from the gold one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeMismatch {
    /// The item.
    pub id: String,
    /// The gold trigger's text.
    pub trigger: String,
    /// Gold and predicted modality.
    pub modality: (String, String),
    /// Gold and predicted attribution kind.
    pub attribution: (String, String),
}

impl AttributeScores {
    /// How often each (gold, predicted) pair of modalities occurs among the mismatches,
    /// most frequent first.
    pub fn modality_confusions(&self) -> Vec<((&str, &str), usize)> {
        confusions(self.mismatches.iter().map(|m| &m.modality))
    }

    /// How often each (gold, predicted) pair of attribution kinds occurs among the
    /// mismatches, most frequent first.
    pub fn attribution_confusions(&self) -> Vec<((&str, &str), usize)> {
        confusions(self.mismatches.iter().map(|m| &m.attribution))
    }
}

/// Counts of the pairs whose two labels differ, most frequent first.
fn confusions<'a>(
    pairs: impl Iterator<Item = &'a (String, String)>,
) -> Vec<((&'a str, &'a str), usize)> {
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for (gold, predicted) in pairs.filter(|(g, p)| g != p) {
        *counts
            .entry((gold.as_str(), predicted.as_str()))
            .or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

/// The name of an attribution kind in the corpus.
fn kind_name(kind: AttributionKind) -> &'static str {
    match kind {
        AttributionKind::Named => "named",
        AttributionKind::Anonymous => "anonymous",
        AttributionKind::Outlet => "outlet",
        AttributionKind::None => "none",
    }
}

/// Runs `pipeline_for` each item over its text and matches every gold event with a
/// predicted event of its type whose trigger overlaps the gold trigger.
pub fn evaluate_attributes<'p>(
    items: &[EventItem],
    pipeline_for: impl Fn(&EventItem) -> &'p Pipeline<'p>,
) -> AttributeScores {
    let mut scores = AttributeScores::default();
    for item in items {
        let mut doc = Document::new(item.id.clone(), item.text.clone());
        pipeline_for(item).run(&mut doc);
        scores.predicted += doc.events.len();
        for gold in &item.events {
            let Some(gold_modality) = gold.modality.as_deref() else {
                continue;
            };
            scores.events += 1;
            let trigger = Span::new(gold.trigger.start, gold.trigger.end);
            let found = doc.events.iter().find(|e| {
                e.trigger.span.overlaps(trigger)
                    && EventType::from_name(&gold.plover) == Some(e.event_type)
            });
            let Some(found) = found else {
                continue;
            };
            scores.found += 1;
            let modality_right = found.modality.name() == gold_modality;
            let gold_kind = gold
                .attribution
                .as_ref()
                .map_or("none", |a| a.kind.as_str());
            let kind = kind_name(found.attribution.kind);
            scores.modality_right += usize::from(modality_right);
            scores.attribution_right += usize::from(kind == gold_kind);
            scores.acled_right += usize::from(
                gold.acled.as_ref().map(|a| a.sub_event_type.as_str())
                    == found.acled.map(|a| a.sub_event_type.name()),
            );
            if !modality_right || kind != gold_kind {
                scores.mismatches.push(AttributeMismatch {
                    id: item.id.clone(),
                    trigger: item.text_of(gold.trigger),
                    modality: (gold_modality.to_owned(), found.modality.name().to_owned()),
                    attribution: (gold_kind.to_owned(), kind.to_owned()),
                });
            }
        }
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_events_and_maps_spans_to_words() {
        let dir = std::env::temp_dir().join(format!("vigie-event-corpus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events-test.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"id": "t-1", "lang": "en", "text": "Police arrested two men in Lyon.", "#,
                r#""events": [{"trigger": {"text": "arrested", "start": 7, "end": 15}, "#,
                r#""plover": "COERCE", "mode": "arrest", "acled": {"event_type": "Strategic developments", "sub_event_type": "Arrests"}, "#,
                r#""actor": {"text": "Police", "start": 0, "end": 6}, "recipient": {"text": "two men", "start": 16, "end": 23}, "#,
                r#""place": {"text": "Lyon", "start": 27, "end": 31}, "date": null, "modality": "asserted", "#,
                r#""attribution": {"kind": "none", "source": null, "cue": null}}]}"#,
                "\n",
                r#"{"id": "t-2", "lang": "fr", "text": "Paris.", "names": [], "events": null}"#,
                "\n",
                // A converted PLOVER record: type, mode and participants only.
                r#"{"id": "t-3", "lang": "en", "text": "Libya offered talks.", "#,
                r#""events": [{"trigger": {"text": "offered", "start": 6, "end": 13}, "#,
                r#""plover": "AGREE", "actor": {"text": "Libya", "start": 0, "end": 5}}]}"#,
                "\n"
            ),
        )
        .unwrap();
        let items = read_event_items(&path).unwrap();
        assert_eq!(items.len(), 2);
        let item = &items[0];
        assert_eq!(item.events[0].plover, "COERCE");
        assert_eq!(item.events[0].modality.as_deref(), Some("asserted"));
        let record = &items[1].events[0];
        assert_eq!(
            (record.modality.as_deref(), record.acled.as_ref()),
            (None, None)
        );
        assert_eq!(record.recipient, None);
        assert_eq!(item.words_of(item.events[0].trigger), 1..2);
        assert_eq!(item.words_of(item.events[0].recipient.unwrap()), 2..4);
        assert_eq!(item.words_of(ItemSpan { start: 40, end: 45 }), 0..0);
        std::fs::write(&path, "{\"id\": 1}\n").unwrap();
        assert!(
            read_event_items(&path)
                .unwrap_err()
                .contains("events-test.jsonl:1")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn found_events_are_scored_for_modality_attribution_and_acled() {
        let text = "Police arrested twelve opposition activists in Bamako on Monday.";
        let event = |acled: &str| {
            format!(
                concat!(
                    r#"{{"trigger": {{"start": 7, "end": 15}}, "plover": "COERCE", "mode": "arrest", "#,
                    r#""acled": {}, "modality": "asserted", "attribution": {{"kind": "none"}}}}"#
                ),
                acled
            )
        };
        let arrests = r#"{"event_type": "Strategic developments", "sub_event_type": "Arrests"}"#;
        // The same arrest, once coded for ACLED and once not, and an event not found.
        let items: Vec<EventItem> = [
            format!(r#"{{"id": "a", "lang": "en", "text": "{text}", "events": [{}]}}"#, event(arrests)),
            format!(r#"{{"id": "b", "lang": "en", "text": "{text}", "events": [{}]}}"#, event("null")),
            r#"{"id": "c", "lang": "en", "text": "The weather was mild in Lyon.", "events": [{"trigger": {"start": 4, "end": 11}, "plover": "PROTEST", "acled": null, "modality": "asserted", "attribution": null}]}"#.to_owned(),
        ]
        .iter()
        .map(|line| EventItem::from_line(serde_json::from_str(line).unwrap()).unwrap())
        .collect();
        let pipeline =
            Pipeline::embedded(vigie_pipeline::Language::Fixed(vigie_core::Language::En));
        let scores = evaluate_attributes(&items, |_| &pipeline);
        assert_eq!((scores.events, scores.found), (3, 2));
        assert_eq!((scores.modality_right, scores.attribution_right), (2, 2));
        assert_eq!(scores.acled_right, 1);
    }

    #[test]
    fn folds_split_training_and_development_items_alike() {
        let item = |id: usize| EventItem {
            id: format!("en-a-{id:04}"),
            lang: "en".into(),
            text: String::new(),
            words: Vec::new(),
            events: Vec::new(),
        };
        // Items per (development?, fold) among 2,000 ids.
        let mut counts = [[0usize; 2]; 2];
        for item in (0..2000).map(item) {
            counts[usize::from(item.held_out())][item.fold(2) as usize] += 1;
        }
        for [first, second] in counts {
            let total = first + second;
            assert!(first.abs_diff(second) * 10 < total, "{counts:?}");
        }
    }
}
