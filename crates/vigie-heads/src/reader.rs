//! Reading sentences with the encoder and the heads: one encoder pass per sentence feeds
//! the name head and the event heads.

use std::borrow::Cow;
use std::path::Path;

use vigie_core::{Span, tokenize};
use vigie_encoder::e5::MultilingualEncoder;

use crate::events::{EventCue, EventHeadFiles, EventReader};
use crate::names::{NameKind, NameTagger};
use crate::words::{WordVectors, word_vectors};

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
        let encoder = MultilingualEncoder::load(encoder_dir).map_err(|e| e.to_string())?;
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
        let tokens = tokenize(sentence);
        let mut reading = Reading::default();
        for run in tokens.chunks(RUN_WORDS) {
            let (first, last) = (&run[0], &run[run.len() - 1]);
            let text = &sentence[first.byte_start..last.byte_end];
            let offset = first.span.start;
            let words: Vec<(usize, usize)> = run
                .iter()
                .map(|t| (t.span.start - offset, t.span.end - offset))
                .collect();
            let vectors = word_vectors(&self.encoder, text, &words, &self.layers)?;
            let span_of = |words: &std::ops::Range<usize>| {
                Span::new(run[words.start].span.start, run[words.end - 1].span.end)
            };
            let names = self
                .names
                .names(&self.select(&vectors, self.names.layers()))?;
            reading
                .names
                .extend(names.into_iter().map(|n| (span_of(&n.words), n.kind)));
            if let Some(events) = &self.events {
                let cues = events.read(&self.select(&vectors, events.layers()))?;
                reading.events.extend(cues.into_iter().map(|cue| ReadEvent {
                    trigger: span_of(&cue.words),
                    actor: cue.actor.as_ref().map(span_of),
                    recipient: cue.recipient.as_ref().map(span_of),
                    cue,
                }));
            }
        }
        Ok(reading)
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
