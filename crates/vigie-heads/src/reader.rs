//! Reading sentences with the encoder and the heads: one encoder pass per sentence feeds
//! the name head and the event heads.

use std::borrow::Cow;
use std::path::Path;

use vigie_core::{Span, tokenize};
use vigie_encoder::e5::{Arithmetic, MultilingualEncoder};

use crate::events::{EventCue, EventHeadFiles, EventReader, EventWords};
use crate::names::{NameKind, NameTagger};
use crate::words::{WordVectors, word_vectors_many, word_vectors_through};

/// What the heads read in a sentence; spans are code points of the sentence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// Names and their kinds.
    pub names: Vec<(Span, NameKind)>,
    /// Events the event heads read.
    pub events: Vec<ReadEvent>,
}

/// An event the heads read in a sentence; spans are code points of the sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadEvent {
    /// The trigger.
    pub trigger: Span,
    /// The actor, when the argument head marks one.
    pub actor: Option<Span>,
    /// The recipient, when the argument head marks one.
    pub recipient: Option<Span>,
    /// What the heads say of it (type, mode, ACLED sub-event type, modality); its word
    /// ranges are those of the run it was read in.
    pub cue: EventCue,
}

/// The encoder and the heads, ready to read sentences.
#[derive(Debug)]
pub struct SentenceReader {
    encoder: MultilingualEncoder,
    names: NameTagger,
    events: Option<EventReader>,
    /// Every layer a head reads, in order: what the encoder gives.
    layers: Vec<usize>,
}

/// Files of the heads.
#[derive(Debug, Clone, Copy)]
pub struct HeadFiles<'a> {
    /// The name head.
    pub names: &'a Path,
    /// The event heads; `None`: names only.
    pub events: Option<EventHeadFiles<'a>>,
}

impl SentenceReader {
    /// Pairs an encoder with the heads.
    pub fn new(
        encoder: MultilingualEncoder,
        names: NameTagger,
        events: Option<EventReader>,
    ) -> Self {
        let mut layers: Vec<usize> = names.layers().to_vec();
        if let Some(events) = &events {
            layers.extend(events.layers());
        }
        layers.sort_unstable();
        layers.dedup();
        SentenceReader {
            encoder,
            names,
            events,
            layers,
        }
    }

    /// Loads the encoder from its folder and the heads from their files; errors name the
    /// file and say how to build what is missing.
    pub fn load(encoder_dir: &Path, heads: HeadFiles<'_>) -> Result<Self, String> {
        Self::load_with(encoder_dir, Arithmetic::Integer, heads)
    }

    /// [`load`](Self::load), the encoder multiplying in `arithmetic` where the CPU can.
    pub fn load_with(
        encoder_dir: &Path,
        arithmetic: Arithmetic,
        heads: HeadFiles<'_>,
    ) -> Result<Self, String> {
        let encoder =
            MultilingualEncoder::load_with(encoder_dir, arithmetic).map_err(|e| e.to_string())?;
        let names = NameTagger::load(heads.names)?;
        let events = heads.events.map(EventReader::load).transpose()?;
        Ok(Self::new(encoder, names, events))
    }

    /// True when the reader has event heads.
    pub fn reads_events(&self) -> bool {
        self.events.is_some()
    }

    /// What the heads read in `sentence`. A sentence longer than the encoder's input is
    /// read in runs of [`RUN_WORDS`] words.
    pub fn read(&self, sentence: &str) -> Result<Reading, String> {
        let mut readings = self.read_many(&[sentence])?;
        Ok(readings.remove(0))
    }

    /// What the heads read in each of `sentences` (one reading per sentence, in order),
    /// encoding them together: one encoder pass serves many sentences.
    pub fn read_many(&self, sentences: &[&str]) -> Result<Vec<Reading>, String> {
        let runs: Vec<Run<'_>> = sentences
            .iter()
            .enumerate()
            .flat_map(|(index, sentence)| Run::all(index, sentence))
            .collect();
        let texts: Vec<(&str, &[(usize, usize)])> = runs
            .iter()
            .map(|run| (run.text, run.words.as_slice()))
            .collect();
        // Each run's vectors after every layer a head reads, and the event heads' own
        // when they read the last layer through an event layer.
        let vectors: Vec<(WordVectors, Option<WordVectors>)> = match self
            .events
            .as_ref()
            .and_then(|e| Some((e, e.event_layer()?)))
        {
            Some((events, event_layer)) => word_vectors_through(
                &self.encoder,
                &texts,
                &self.layers,
                events.layers(),
                event_layer,
            )?
            .into_iter()
            .map(|(plain, tuned)| (plain, Some(tuned)))
            .collect(),
            None => word_vectors_many(&self.encoder, &texts, &self.layers)?
                .into_iter()
                .map(|plain| (plain, None))
                .collect(),
        };
        let mut readings = vec![Reading::default(); sentences.len()];
        for (run, (vectors, tuned)) in runs.iter().zip(&vectors) {
            let reading = &mut readings[run.sentence];
            let names = self
                .names
                .names(&self.select(vectors, self.names.layers()))?;
            reading
                .names
                .extend(names.into_iter().map(|n| (run.span_of(&n.words), n.kind)));
            if let Some(events) = &self.events {
                let plain = events
                    .reads_plain()
                    .then(|| self.select(vectors, events.layers()));
                let cues = events.read(EventWords {
                    plain: plain.as_deref(),
                    tuned: tuned.as_ref(),
                })?;
                reading.events.extend(cues.into_iter().map(|cue| ReadEvent {
                    trigger: run.span_of(&cue.words),
                    actor: cue.actor.as_ref().map(|words| run.span_of(words)),
                    recipient: cue.recipient.as_ref().map(|words| run.span_of(words)),
                    cue,
                }));
            }
        }
        Ok(readings)
    }

    /// The part of `vectors` (after [`Self::layers`]) a head reading `wanted` needs.
    fn select<'v>(&self, vectors: &'v WordVectors, wanted: &[usize]) -> Cow<'v, WordVectors> {
        if wanted == self.layers {
            return Cow::Borrowed(vectors);
        }
        let hidden = vectors.width / self.layers.len();
        let blocks: Vec<usize> = wanted
            .iter()
            .filter_map(|l| self.layers.iter().position(|x| x == l))
            .collect();
        let mut values = Vec::with_capacity(vectors.len() * hidden * blocks.len());
        for row in vectors.values.chunks_exact(vectors.width) {
            for &block in &blocks {
                values.extend_from_slice(&row[block * hidden..(block + 1) * hidden]);
            }
        }
        Cow::Owned(WordVectors {
            width: hidden * blocks.len(),
            values,
        })
    }
}

/// Words per encoder run: well within the encoder's 512 tokens.
pub const RUN_WORDS: usize = 200;

/// Up to [`RUN_WORDS`] words of a sentence (or a paragraph), read in one encoder input.
pub(crate) struct Run<'a> {
    /// Which sentence.
    pub(crate) sentence: usize,
    /// The run's text.
    pub(crate) text: &'a str,
    /// Code-point spans of the words in `text`.
    pub(crate) words: Vec<(usize, usize)>,
    /// The words' spans in the sentence.
    spans: Vec<Span>,
}

impl<'a> Run<'a> {
    /// The runs of sentence number `index`.
    pub(crate) fn all(index: usize, sentence: &'a str) -> Vec<Self> {
        tokenize(sentence)
            .chunks(RUN_WORDS)
            .map(|run| {
                let (first, last) = (&run[0], &run[run.len() - 1]);
                let offset = first.span.start;
                Run {
                    sentence: index,
                    text: &sentence[first.byte_start..last.byte_end],
                    words: run
                        .iter()
                        .map(|t| (t.span.start - offset, t.span.end - offset))
                        .collect(),
                    spans: run.iter().map(|t| t.span).collect(),
                }
            })
            .collect()
    }

    /// The sentence span of a range of the run's words.
    fn span_of(&self, words: &std::ops::Range<usize>) -> Span {
        Span::new(self.spans[words.start].start, self.spans[words.end - 1].end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_the_dictionaries_do_not_know_in_both_languages() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let Some(encoder) = MultilingualEncoder::built_in_source_tree() else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let names = NameTagger::load(&root.join(NameTagger::DEFAULT_FILE)).unwrap();
        let reader = SentenceReader::new(encoder, names, None);
        let names = |text: &str| -> Vec<(String, NameKind)> {
            reader
                .read(text)
                .unwrap()
                .names
                .into_iter()
                .map(|(span, kind)| {
                    (
                        text.chars()
                            .skip(span.start)
                            .take(span.end - span.start)
                            .collect(),
                        kind,
                    )
                })
                .collect()
        };
        let french = names(
            "Le porte-parole de l'Union des forces de progrès, Ousmane Diarrassouba, a démenti \
             lundi à Bouaké toute participation aux violences.",
        );
        assert!(
            french.contains(&("Ousmane Diarrassouba".into(), NameKind::Per)),
            "{french:?}"
        );
        assert!(
            french.contains(&("Bouaké".into(), NameKind::Loc)),
            "{french:?}"
        );
        let english = names(
            "Kwame Asante-Boateng, a spokesman for the Northern Farmers Union, said the \
             talks in Tamale had failed.",
        );
        assert!(
            english.contains(&("Kwame Asante-Boateng".into(), NameKind::Per)),
            "{english:?}"
        );
        assert!(
            english.iter().any(|(_, k)| *k == NameKind::Org),
            "{english:?}"
        );
        // A sentence longer than one run: names in every run, spans on the whole text.
        let long = format!(
            "{} Fatoumata Keïta a parlé.",
            "Il pleut beaucoup . ".repeat(80)
        );
        let found = names(&long);
        assert!(
            found.contains(&("Fatoumata Keïta".into(), NameKind::Per)),
            "{found:?}"
        );
    }

    #[test]
    fn a_head_reading_fewer_layers_gets_its_own_blocks() {
        let Some(encoder) = MultilingualEncoder::built_in_source_tree() else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let names = NameTagger::load(&root.join(NameTagger::DEFAULT_FILE)).unwrap();
        let mut reader = SentenceReader::new(encoder, names, None);
        reader.layers = vec![2, 4, 8];
        let vectors = WordVectors {
            width: 6,
            values: vec![1.0, 1.5, 2.0, 2.5, 3.0, 3.5],
        };
        let selected = reader.select(&vectors, &[2, 8]);
        assert_eq!(selected.width, 4);
        assert_eq!(selected.values, [1.0, 1.5, 3.0, 3.5]);
    }
}
