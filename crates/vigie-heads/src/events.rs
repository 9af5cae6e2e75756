//! Events from the word vectors: a [`SpanTagger`] whose kinds are the PLOVER types finds
//! the triggers, a [`SpanClassifier`] gives each trigger its PLOVER mode, its ACLED
//! sub-event type and its modality, and a second span tagger, reading the words with the
//! trigger's vector and their position from it, marks the trigger's actor and recipient.

use std::ops::Range;
use std::path::{Path, PathBuf};

use vigie_core::{AcledSubEventType, EventType, Modality};

use crate::classifier::{Output, SpanClassifier, SpanExample, span_input};
use crate::event_layer::EventLayer;
use crate::tagger::SpanTagger;
use crate::words::WordVectors;

/// What a trigger tagger file says it finds.
pub const TRIGGERS_HEAD: &str = "triggers";

/// What an event attribute classifier file says it labels.
pub const ATTRIBUTES_HEAD: &str = "event-attributes";

/// What an argument tagger file says it finds.
pub const ARGUMENTS_HEAD: &str = "arguments";

/// The argument roles the argument tagger marks.
pub const ROLES: [&str; 2] = ["ACTOR", "RECIPIENT"];

/// Floats describing where a word stands relative to the trigger: inside, before, after,
/// then its distance in words as one of six buckets (1, 2, 3–4, 5–8, 9–16, 17 and more).
const POSITION_FEATURES: usize = 9;

/// The argument tagger's input for one trigger: each word's vector, then the trigger's
/// mean vector, then where the word stands relative to the trigger.
pub fn argument_inputs(words: &WordVectors, trigger: Range<usize>) -> WordVectors {
    let width = words.width;
    let mut trigger_mean = vec![0.0f32; width];
    let share = 1.0 / trigger.len().max(1) as f32;
    for word in trigger.clone() {
        for (m, v) in trigger_mean
            .iter_mut()
            .zip(&words.values[word * width..(word + 1) * width])
        {
            *m += v * share;
        }
    }
    let out_width = 2 * width + POSITION_FEATURES;
    let mut values = Vec::with_capacity(words.len() * out_width);
    for word in 0..words.len() {
        values.extend_from_slice(&words.values[word * width..(word + 1) * width]);
        values.extend_from_slice(&trigger_mean);
        let mut position = [0.0f32; POSITION_FEATURES];
        let distance = if trigger.contains(&word) {
            position[0] = 1.0;
            0
        } else if word < trigger.start {
            position[1] = 1.0;
            trigger.start - word
        } else {
            position[2] = 1.0;
            word + 1 - trigger.end
        };
        if distance > 0 {
            let bucket = match distance {
                1 => 0,
                2 => 1,
                3..=4 => 2,
                5..=8 => 3,
                9..=16 => 4,
                _ => 5,
            };
            position[3 + bucket] = 1.0;
        }
        values.extend_from_slice(&position);
    }
    WordVectors {
        width: out_width,
        values,
    }
}

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
    /// The actor's words, when the argument tagger marks one.
    pub actor: Option<Range<usize>>,
    /// The recipient's words, when the argument tagger marks one.
    pub recipient: Option<Range<usize>>,
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
        Output {
            name: "type".into(),
            labels: EventType::ALL.iter().map(|t| t.name().to_owned()).collect(),
        },
    ]
}

/// The gold attributes of one annotated event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoldAttributes<'a> {
    /// PLOVER type.
    pub plover: &'a str,
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
    span_example(
        words,
        trigger,
        [
            Some(gold.mode.unwrap_or(NONE)),
            Some(gold.acled.unwrap_or(NONE)),
            Some(gold.modality),
            Some(gold.plover),
        ],
    )
}

/// The attribute classifier's example of `trigger` in `words` with one label name (or
/// none) per output of [`attribute_outputs`]; a name outside its output is left unsaid.
fn span_example(
    words: &WordVectors,
    trigger: Range<usize>,
    labels: [Option<&str>; 4],
) -> SpanExample {
    let outputs = attribute_outputs();
    SpanExample {
        input: span_input(words, trigger)
            .into_iter()
            .map(half::f16::from_f32)
            .collect(),
        labels: labels
            .iter()
            .zip(&outputs)
            .map(|(label, output)| {
                label.and_then(|label| output.labels.iter().position(|l| l == label))
            })
            .collect(),
    }
}

/// A weak training example: the trigger `trigger` of `words` labelled with a type and,
/// when known, a mode only (a document-level machine label says nothing of ACLED or
/// modality, nor whether the event has a mode).
pub fn type_and_mode_example(
    words: &WordVectors,
    trigger: Range<usize>,
    event_type: EventType,
    mode: Option<&str>,
) -> SpanExample {
    span_example(words, trigger, [mode, None, None, Some(event_type.name())])
}

/// A sentence's word vectors as the event heads read them: after the encoder's layers
/// as it gives them, and with its last layer taken through the event layer.
#[derive(Debug, Clone, Copy)]
pub struct EventWords<'a> {
    /// After the encoder's layers as it gives them; `None` when no head reads them.
    pub plain: Option<&'a WordVectors>,
    /// With the last layer through the event layer; `None` without one.
    pub tuned: Option<&'a WordVectors>,
}

impl<'a> EventWords<'a> {
    /// The vectors a head trained through `event_layer` (a fingerprint, or none) reads.
    fn for_head(self, event_layer: Option<u64>) -> Result<&'a WordVectors, String> {
        match event_layer {
            Some(_) => self.tuned.ok_or(
                "a head reads through the event layer, and no vectors through it were given",
            ),
            None => self
                .plain
                .ok_or("a head reads the encoder's own last layer, and its vectors were not given"),
        }
        .map_err(str::to_owned)
    }

    /// Each of `heads` with the vectors it reads (`event_layer` gives a head's
    /// fingerprint).
    fn for_heads<'h, H>(
        self,
        heads: &'h [H],
        event_layer: impl Fn(&H) -> Option<u64>,
    ) -> Result<Vec<(&'h H, &'a WordVectors)>, String> {
        heads
            .iter()
            .map(|head| Ok((head, self.for_head(event_layer(head))?)))
            .collect()
    }
}

/// The fingerprint of the event layer each head (each trigger tagger, attribute
/// classifier and argument tagger) was trained through, or none for a head trained on the
/// encoder's own last layer.
fn read_through(
    triggers: &[SpanTagger],
    attributes: &[SpanClassifier],
    arguments: &[SpanTagger],
) -> Vec<Option<u64>> {
    triggers
        .iter()
        .map(SpanTagger::event_layer)
        .chain(attributes.iter().map(SpanClassifier::event_layer))
        .chain(arguments.iter().map(SpanTagger::event_layer))
        .collect()
}

/// The trained event heads. Triggers, attributes and arguments may each be read by
/// several heads whose scores are averaged, as an ensemble's members are, when they were
/// trained on different vectors (through the event layer, or the encoder's own last layer).
#[derive(Debug, Clone)]
pub struct EventReader {
    triggers: Vec<SpanTagger>,
    attributes: Vec<SpanClassifier>,
    arguments: Vec<SpanTagger>,
    event_layer: Option<EventLayer>,
}

/// Files of the event heads.
#[derive(Debug, Clone, Copy)]
pub struct EventHeadFiles<'a> {
    /// The trigger taggers (one or more; their scores are averaged).
    pub triggers: &'a [PathBuf],
    /// The attribute classifiers (one or more; their scores are averaged).
    pub attributes: &'a [PathBuf],
    /// The argument taggers (one or more; their scores are averaged).
    pub arguments: &'a [PathBuf],
    /// The event layer, read when the heads were trained on its vectors.
    pub event_layer: &'a Path,
}

impl EventReader {
    /// Where the shipped trigger taggers are, relative to the repository root.
    pub const DEFAULT_TRIGGERS: &'static [&'static str] = &["data/models/triggers-head.bin"];

    /// Where the shipped attribute classifiers are, relative to the repository root: one
    /// reading the event layer, one the encoder's own last layer; their scores are averaged.
    pub const DEFAULT_ATTRIBUTES: &'static [&'static str] = &[
        "data/models/event-attributes-head.bin",
        "data/models/event-attributes-head-plain.bin",
    ];

    /// Where the shipped argument taggers are, relative to the repository root.
    pub const DEFAULT_ARGUMENTS: &'static [&'static str] =
        &["data/models/event-arguments-head.bin"];

    /// Where the shipped event layer is, relative to the repository root.
    pub const DEFAULT_EVENT_LAYER: &'static str = EventLayer::DEFAULT_FILE;

    /// Brings the heads together: one or more trigger taggers, attribute classifiers and
    /// argument taggers. They must read the same layers, and know the PLOVER
    /// types, the attribute labels and the argument roles. Each head reads the encoder's
    /// last layer as it is or through `event_layer`, as it was trained; a head trained
    /// through another event layer is refused.
    pub fn new(
        triggers: Vec<SpanTagger>,
        attributes: Vec<SpanClassifier>,
        arguments: Vec<SpanTagger>,
        event_layer: Option<EventLayer>,
    ) -> Result<Self, String> {
        let Some(first) = triggers.first() else {
            return Err("no trigger tagger".into());
        };
        if attributes.is_empty() || arguments.is_empty() {
            return Err("no attribute classifier or no argument tagger".into());
        }
        if let Some(triggers) = triggers
            .iter()
            .find(|t| t.head() != TRIGGERS_HEAD || t.kinds() != EventType::ALL.map(EventType::name))
        {
            return Err(format!(
                "the trigger tagger finds {} of kinds {:?}, not PLOVER types",
                triggers.head(),
                triggers.kinds()
            ));
        }
        if attributes
            .iter()
            .any(|a| a.outputs() != attribute_outputs().as_slice())
        {
            return Err("the attribute classifier's labels are not Vigie's".into());
        }
        if let Some(arguments) = arguments
            .iter()
            .find(|a| a.head() != ARGUMENTS_HEAD || a.kinds() != ROLES)
        {
            return Err(format!(
                "the argument tagger finds {} of kinds {:?}, not {ROLES:?}",
                arguments.head(),
                arguments.kinds()
            ));
        }
        let layers = triggers
            .iter()
            .map(SpanTagger::layers)
            .chain(attributes.iter().map(SpanClassifier::layers))
            .chain(arguments.iter().map(SpanTagger::layers));
        if layers.clone().any(|layers| layers != first.layers()) {
            return Err(format!(
                "the event heads read different layers: {:?}",
                layers.collect::<Vec<_>>()
            ));
        }
        let through = read_through(&triggers, &attributes, &arguments);
        let given = event_layer.as_ref().map(EventLayer::fingerprint);
        if through
            .iter()
            .any(|&through| through.is_some() && through != given)
        {
            let name = |f: &Option<u64>| f.map_or("none".to_owned(), |f| format!("{f:016x}"));
            return Err(format!(
                "the event heads were trained through event layers {}; given {}",
                through.iter().map(name).collect::<Vec<_>>().join(", "),
                name(&given)
            ));
        }
        // A layer no head reads through would only cost its pass.
        let event_layer = event_layer.filter(|_| through.iter().any(Option::is_some));
        Ok(EventReader {
            triggers,
            attributes,
            arguments,
            event_layer,
        })
    }

    /// Loads the heads from their files, and the event layer when one of them reads
    /// through it; errors name the file.
    pub fn load(files: EventHeadFiles<'_>) -> Result<Self, String> {
        fn load_each<H>(
            files: &[PathBuf],
            load: impl Fn(&Path) -> Result<H, String>,
        ) -> Result<Vec<H>, String> {
            files.iter().map(|file| load(file)).collect()
        }
        let triggers = load_each(files.triggers, |f| SpanTagger::load(f, TRIGGERS_HEAD))?;
        let attributes = load_each(files.attributes, |f| {
            SpanClassifier::load(f, ATTRIBUTES_HEAD)
        })?;
        let arguments = load_each(files.arguments, |f| SpanTagger::load(f, ARGUMENTS_HEAD))?;
        let event_layer = read_through(&triggers, &attributes, &arguments)
            .iter()
            .any(Option::is_some)
            .then(|| EventLayer::load(files.event_layer))
            .transpose()?;
        Self::new(triggers, attributes, arguments, event_layer)
    }

    /// The event layer some of the heads read the encoder's last layer through, if any.
    pub fn event_layer(&self) -> Option<&EventLayer> {
        self.event_layer.as_ref()
    }

    /// True when some head reads the encoder's last layer as it is, not through the
    /// event layer: [`EventWords::plain`] is then needed.
    pub fn reads_plain(&self) -> bool {
        read_through(&self.triggers, &self.attributes, &self.arguments)
            .iter()
            .any(Option::is_none)
    }

    /// The encoder layers whose vectors the heads read.
    pub fn layers(&self) -> &[usize] {
        // Checked equal for every head when the reader was made.
        self.triggers[0].layers()
    }

    /// How the heads were made.
    pub fn provenance(&self) -> String {
        let through = self.event_layer.as_ref().map_or_else(String::new, |l| {
            format!("; event layer: {}", l.provenance())
        });
        let joined = |provenances: Vec<&str>| provenances.join(" + ");
        format!(
            "triggers: {}; attributes: {}; arguments: {}{through}",
            joined(self.triggers.iter().map(SpanTagger::provenance).collect()),
            joined(
                self.attributes
                    .iter()
                    .map(SpanClassifier::provenance)
                    .collect()
            ),
            joined(self.arguments.iter().map(SpanTagger::provenance).collect())
        )
    }

    /// The events of a sentence whose word vectors are `words`.
    pub fn read(&self, words: EventWords<'_>) -> Result<Vec<EventCue>, String> {
        // Checked equal to `attribute_outputs()` when the reader was made.
        let outputs = self.attributes[0].outputs();
        let trigger_views = words.for_heads(&self.triggers, SpanTagger::event_layer)?;
        let attribute_views = words.for_heads(&self.attributes, SpanClassifier::event_layer)?;
        let argument_views = words.for_heads(&self.arguments, SpanTagger::event_layer)?;
        let mut cues = Vec::new();
        for span in SpanTagger::spans_together(&trigger_views)? {
            let scores = SpanClassifier::scores_together(&attribute_views, span.words.clone())?;
            // The trigger tagger finds the span; the classifier, which also reads the
            // whole sentence, gives the type.
            let event_type = (0..EventType::ALL.len())
                .max_by(|&a, &b| scores[3][a].total_cmp(&scores[3][b]))
                .map_or(EventType::ALL[span.kind], |t| EventType::ALL[t]);
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
            let argument_inputs: Vec<WordVectors> = argument_views
                .iter()
                .map(|(_, words)| argument_inputs(words, span.words.clone()))
                .collect();
            let roles = SpanTagger::spans_together(
                &argument_views
                    .iter()
                    .zip(&argument_inputs)
                    .map(|((head, _), inputs)| (*head, inputs))
                    .collect::<Vec<_>>(),
            )?;
            // Of several spans of a role, the one nearest the trigger.
            let nearest = |role: usize| {
                roles
                    .iter()
                    .filter(|r| r.kind == role)
                    .min_by_key(|r| {
                        r.words
                            .start
                            .abs_diff(span.words.start)
                            .min(r.words.end.abs_diff(span.words.end))
                    })
                    .map(|r| r.words.clone())
            };
            cues.push(EventCue {
                actor: nearest(0),
                recipient: nearest(1),
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
    fn argument_inputs_carry_the_trigger_and_each_words_position() {
        let words = WordVectors {
            width: 1,
            values: (0..20).map(|v| v as f32).collect(),
        };
        let inputs = argument_inputs(&words, 2..4);
        assert_eq!(inputs.width, 2 + POSITION_FEATURES);
        let row = |w: usize| &inputs.values[w * inputs.width..(w + 1) * inputs.width];
        // Word 0: its value, the trigger's mean (2.5), before it, two words away.
        assert_eq!(
            row(0),
            [0.0, 2.5, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(
            row(3),
            [3.0, 2.5, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(row(4)[2..6], [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(row(19)[4..], [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn each_head_reads_the_vectors_it_was_trained_on() {
        let plain = WordVectors {
            width: 1,
            values: vec![1.0],
        };
        let tuned = WordVectors {
            width: 1,
            values: vec![2.0],
        };
        let both = EventWords {
            plain: Some(&plain),
            tuned: Some(&tuned),
        };
        assert_eq!(both.for_head(None).unwrap().values, [1.0]);
        assert_eq!(both.for_head(Some(7)).unwrap().values, [2.0]);
        let tuned_only = EventWords {
            plain: None,
            tuned: Some(&tuned),
        };
        assert!(tuned_only.for_head(None).is_err());
        let plain_only = EventWords {
            plain: Some(&plain),
            tuned: None,
        };
        assert!(plain_only.for_head(Some(7)).is_err());
    }

    #[test]
    fn outputs_cover_every_mode_acled_sub_type_and_modality() {
        let outputs = attribute_outputs();
        assert_eq!(outputs[0].labels[0], "none");
        assert!(outputs[0].labels.iter().any(|l| l == "aerial"));
        assert_eq!(outputs[1].labels.len(), 26);
        assert_eq!(outputs[2].labels.len(), 6);
        assert_eq!(outputs[3].labels.len(), 16);
        let words = WordVectors {
            width: 2,
            values: vec![1.0, 0.0, 0.0, 1.0],
        };
        let example = attribute_example(
            &words,
            1..2,
            GoldAttributes {
                plover: "ASSAULT",
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
                plover: "PROTEST",
                mode: None,
                acled: Some("Battle royale"),
                modality: "asserted",
            },
        );
        assert_eq!(unknown.labels[1], None);
        assert_eq!(outputs[0].labels[unknown.labels[0].unwrap()], "none");
        let weak = type_and_mode_example(&words, 0..1, EventType::Assault, None);
        assert_eq!(weak.input, unknown.input);
        assert_eq!(weak.labels[..3], [None, None, None]);
        assert_eq!(outputs[3].labels[weak.labels[3].unwrap()], "ASSAULT");
        let weak = type_and_mode_example(&words, 0..1, EventType::Assault, Some("drone"));
        assert_eq!(outputs[0].labels[weak.labels[0].unwrap()], "drone");
    }
}
