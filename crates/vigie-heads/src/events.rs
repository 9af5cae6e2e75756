//! Events from the word vectors: a [`SpanTagger`] whose kinds are the PLOVER types finds
//! the triggers, and a [`SpanClassifier`] gives each trigger its PLOVER mode, its ACLED
//! sub-event type and its modality.

use std::ops::Range;
use std::path::Path;

use vigie_core::{AcledSubEventType, EventType, Modality};

use crate::classifier::{Output, SpanClassifier, SpanExample, span_input};
use crate::tagger::SpanTagger;
use crate::words::WordVectors;

/// What a trigger tagger file says it finds.
pub const TRIGGERS_HEAD: &str = "triggers";

/// What an event attribute classifier file says it labels.
pub const ATTRIBUTES_HEAD: &str = "event-attributes";

/// The label standing for "no mode" or "not an ACLED event".
const NONE: &str = "none";

/// An event read from a sentence's words.
#[derive(Debug, Clone, PartialEq)]
pub struct EventCue {
    /// The trigger's words, as indexes.
    pub words: Range<usize>,
    /// PLOVER type.
    pub event_type: EventType,
    /// PLOVER mode, one of the type's.
    pub mode: Option<&'static str>,
    /// ACLED sub-event type, when ACLED would code the event.
    pub acled: Option<AcledSubEventType>,
    /// Whether the event happened according to the text.
    pub modality: Modality,
}

/// The outputs of the event attribute classifier: mode, ACLED sub-event type, modality.
pub fn attribute_outputs() -> Vec<Output> {
    let mut modes: Vec<&str> = EventType::ALL
        .into_iter()
        .flat_map(|t| t.modes().iter().copied())
        .collect();
    modes.sort_unstable();
    modes.dedup();
    let with_none = |labels: Vec<&str>| {
        std::iter::once(NONE)
            .chain(labels)
            .map(str::to_owned)
            .collect()
    };
    vec![
        Output {
            name: "mode".into(),
            labels: with_none(modes),
        },
        Output {
            name: "acled".into(),
            labels: with_none(AcledSubEventType::ALL.iter().map(|s| s.name()).collect()),
        },
        Output {
            name: "modality".into(),
            labels: Modality::ALL.iter().map(|m| m.name().to_owned()).collect(),
        },
    ]
}

/// The gold attributes of one annotated event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoldAttributes<'a> {
    /// PLOVER mode (`None`: the type's generic act).
    pub mode: Option<&'a str>,
    /// ACLED sub-event type (`None`: ACLED would not code it).
    pub acled: Option<&'a str>,
    /// Modality name.
    pub modality: &'a str,
}

/// The training example of the trigger `trigger` of `words` with its gold attributes;
/// a label outside the outputs is left unsaid.
pub fn attribute_example(
    words: &WordVectors,
    trigger: Range<usize>,
    gold: GoldAttributes<'_>,
) -> SpanExample {
    let outputs = attribute_outputs();
    let index = |output: usize, label: &str| outputs[output].labels.iter().position(|l| l == label);
    SpanExample {
        input: span_input(words, trigger)
            .into_iter()
            .map(half::f16::from_f32)
            .collect(),
        labels: vec![
            index(0, gold.mode.unwrap_or(NONE)),
            index(1, gold.acled.unwrap_or(NONE)),
            index(2, gold.modality),
        ],
    }
}

/// The trained event heads.
#[derive(Debug, Clone)]
pub struct EventReader {
    triggers: SpanTagger,
    attributes: SpanClassifier,
}

impl EventReader {
    /// Where the shipped trigger tagger is, relative to the repository root.
    pub const DEFAULT_TRIGGERS: &'static str = "data/models/triggers-head.bin";

    /// Where the shipped attribute classifier is, relative to the repository root.
    pub const DEFAULT_ATTRIBUTES: &'static str = "data/models/event-attributes-head.bin";

    /// Pairs a trigger tagger with an attribute classifier; they must read the same
    /// layers and know the PLOVER types and the attribute labels.
    pub fn new(triggers: SpanTagger, attributes: SpanClassifier) -> Result<Self, String> {
        if triggers.head() != TRIGGERS_HEAD
            || triggers.kinds() != EventType::ALL.map(EventType::name)
        {
            return Err(format!(
                "the trigger tagger finds {} of kinds {:?}, not PLOVER types",
                triggers.head(),
                triggers.kinds()
            ));
        }
        if attributes.outputs() != attribute_outputs().as_slice() {
            return Err("the attribute classifier's labels are not Vigie's".into());
        }
        if triggers.layers() != attributes.layers() {
            return Err(format!(
                "the trigger tagger reads layers {:?}, the attribute classifier {:?}",
                triggers.layers(),
                attributes.layers()
            ));
        }
        Ok(EventReader {
            triggers,
            attributes,
        })
    }

    /// Loads both heads from their files; errors name the file.
    pub fn load(triggers: &Path, attributes: &Path) -> Result<Self, String> {
        Self::new(
            SpanTagger::load(triggers, TRIGGERS_HEAD)?,
            SpanClassifier::load(attributes, ATTRIBUTES_HEAD)?,
        )
    }

    /// The encoder layers whose vectors the heads read.
    pub fn layers(&self) -> &[usize] {
        self.triggers.layers()
    }

    /// How the heads were made.
    pub fn provenance(&self) -> String {
        format!(
            "triggers: {}; attributes: {}",
            self.triggers.provenance(),
            self.attributes.provenance()
        )
    }

    /// The events of a sentence whose word vectors are `words`.
    pub fn read(&self, words: &WordVectors) -> Result<Vec<EventCue>, String> {
        let outputs = attribute_outputs();
        let mut cues = Vec::new();
        for span in self.triggers.spans(words)? {
            let event_type = EventType::ALL[span.kind];
            let scores = self.attributes.scores(words, span.words.clone())?;
            let best = |output: usize, allowed: &dyn Fn(&str) -> bool| {
                outputs[output]
                    .labels
                    .iter()
                    .zip(&scores[output])
                    .filter(|(label, _)| allowed(label))
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(label, _)| label.as_str())
            };
            let mode = best(0, &|label| {
                label == NONE || event_type.modes().contains(&label)
            })
            .and_then(|label| event_type.modes().iter().copied().find(|m| *m == label));
            let acled = best(1, &|_| true).and_then(|label| {
                AcledSubEventType::ALL
                    .iter()
                    .copied()
                    .find(|s| s.name() == label)
            });
            let modality = best(2, &|_| true)
                .and_then(Modality::from_name)
                .unwrap_or(Modality::Asserted);
            cues.push(EventCue {
                words: span.words,
                event_type,
                mode,
                acled,
                modality,
            });
        }
        Ok(cues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_cover_every_mode_acled_sub_type_and_modality() {
        let outputs = attribute_outputs();
        assert_eq!(outputs[0].labels[0], "none");
        assert!(outputs[0].labels.iter().any(|l| l == "aerial"));
        assert_eq!(outputs[1].labels.len(), 26);
        assert_eq!(outputs[2].labels.len(), 6);
        let words = WordVectors {
            width: 2,
            values: vec![1.0, 0.0, 0.0, 1.0],
        };
        let example = attribute_example(
            &words,
            1..2,
            GoldAttributes {
                mode: Some("aerial"),
                acled: Some("Grenade"),
                modality: "claimed",
            },
        );
        // The trigger's mean, then the sentence's.
        let input: Vec<f32> = example.input.iter().map(|v| v.to_f32()).collect();
        assert_eq!(input, [0.0, 1.0, 0.5, 0.5]);
        let label = |o: usize| outputs[o].labels[example.labels[o].unwrap()].as_str();
        assert_eq!(
            (label(0), label(1), label(2)),
            ("aerial", "Grenade", "claimed")
        );
        let unknown = attribute_example(
            &words,
            0..1,
            GoldAttributes {
                mode: None,
                acled: Some("Battle royale"),
                modality: "asserted",
            },
        );
        assert_eq!(unknown.labels[1], None);
        assert_eq!(outputs[0].labels[unknown.labels[0].unwrap()], "none");
    }
}
