//! The Vigie pipeline: runs every analysis stage, in order, over one [`Document`].
//!
//! language → entities (dictionary, people, attribution, then names: the encoder's name
//! head when the pipeline has one, else the fast statistical tagger where a model ships
//! for the language) → geo → events → signals. Each stage only adds annotations.
//!
//! [`Pipeline::analyse`] is the one entry point for a raw article: it runs the ingest stage
//! and then every analysis stage, and turns a panic in any of them into an
//! [`AnalysisError`] for that article alone, so that a batch goes on with the rest.

pub mod windows;

use vigie_core::EntityKind;
use vigie_core::{Document, PreparedText, Span, catch_panic};
use vigie_entities::ActorDictionary;
use vigie_entities::ner::{NameLexicon, NerModel};
use vigie_events::TriggerSources;
use vigie_geo::Gazetteer;
use vigie_heads::names::NameKind;
use vigie_heads::reader::{Reading, SentenceReader};
use vigie_ingest::{Extractor, IngestError, RawArticle};
use vigie_lang::LanguageChoice;
use vigie_signals::SignalData;

pub use vigie_lang::LanguageChoice as Language;

/// The stages and the reference data they use.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline<'a> {
    /// How the document language is chosen.
    pub language: LanguageChoice,
    /// Gazetteer for the geo stage.
    pub gazetteer: &'a Gazetteer,
    /// Actor dictionary for the entities stage.
    pub actors: &'a ActorDictionary,
    /// Trigger lexicon and CAMEO verb patterns for the events stage.
    pub triggers: TriggerSources<'a>,
    /// Reference data for the signals stage.
    pub signals: SignalData<'a>,
    /// The encoder and its heads; without them (the fast path) names come from the
    /// statistical tagger and event triggers from the lexicon alone.
    pub reader: Option<&'a SentenceReader>,
}

/// The gazetteer as a name lexicon for the NER tagger's features.
pub struct GazetteerLexicon<'a>(pub &'a Gazetteer);

impl NameLexicon for GazetteerLexicon<'_> {
    fn is_place(&self, key: &str) -> bool {
        self.0.contains_key(&vigie_geo::name_key(key))
    }
}

impl Pipeline<'static> {
    /// A pipeline over the data embedded in the binary.
    pub fn embedded(language: LanguageChoice) -> Self {
        Self {
            language,
            gazetteer: Gazetteer::embedded(),
            actors: ActorDictionary::embedded(),
            triggers: TriggerSources::embedded(),
            signals: SignalData::embedded(),
            reader: None,
        }
    }
}

impl<'a> Pipeline<'a> {
    /// This pipeline, reading sentences with the encoder and `reader`'s heads.
    pub fn with_reader(self, reader: &'a SentenceReader) -> Self {
        Pipeline {
            reader: Some(reader),
            ..self
        }
    }
}

/// Why an article could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The input could not be read or holds no article.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A stage failed on this input (a bug in Vigie, reported rather than fatal).
    #[error("{input}: internal error while analysing this input ({message}); it was skipped")]
    Panicked {
        /// Name of the input.
        input: String,
        /// The panic's message.
        message: String,
    },
}

impl Pipeline<'_> {
    /// Ingests `raw` (HTML extraction, layout, metadata) and runs every stage over it. A
    /// panic in any stage is caught and returned as [`AnalysisError::Panicked`] naming
    /// the input.
    pub fn analyse(
        &self,
        raw: RawArticle,
        extractor: Extractor,
    ) -> Result<Document, AnalysisError> {
        let input = raw.name.clone();
        catch_panic(|| {
            let mut document = vigie_ingest::ingest(raw, extractor)?;
            self.run(&mut document);
            Ok(document)
        })
        .unwrap_or_else(|message| Err(AnalysisError::Panicked { input, message }))
    }

    /// Runs every stage over `doc`. A document longer than [`windows::WINDOW_BYTES`] is
    /// analysed window by window (see [`windows`]); the signals stage always reads the
    /// whole document.
    pub fn run(&self, doc: &mut Document) {
        vigie_lang::analyze(doc, self.language);
        let windows = windows::windows(&doc.text, &doc.sentences, windows::WINDOW_BYTES);
        if let [_] = windows[..] {
            // The text is final from here on: index and fold it once for every stage.
            let prepared = PreparedText::new(&doc.text);
            self.analyse_window(doc, &prepared);
            vigie_signals::analyze(doc, &prepared, self.signals);
            return;
        }
        for (index, window) in windows.iter().enumerate() {
            let mut part = self.window_document(doc, window);
            if index == 0 {
                part.captions = std::mem::take(&mut doc.captions);
            }
            let prepared = PreparedText::new(&part.text);
            self.analyse_window(&mut part, &prepared);
            if index == 0 {
                doc.captions = std::mem::take(&mut part.captions);
            }
            doc.absorb_window(part, window.start_char);
        }
        vigie_signals::analyze(doc, &PreparedText::new(&doc.text), self.signals);
    }

    /// A document holding one window of `doc`: its text, its sentences and the metadata.
    fn window_document(&self, doc: &Document, window: &windows::Window) -> Document {
        let text = &doc.text[window.start_byte..window.end_byte];
        let chars = window.start_char..window.start_char + text.chars().count();
        let mut part = Document::new(doc.id.clone(), text);
        part.url = doc.url.clone();
        part.source = doc.source.clone();
        part.published = doc.published.clone();
        part.language = doc.language;
        part.title = doc.title.clone();
        part.sentences = doc
            .sentences
            .iter()
            .filter(|s| chars.contains(&s.start))
            .map(|s| Span::new(s.start - chars.start, s.end.min(chars.end) - chars.start))
            .collect();
        part
    }

    /// The stages that read one window: entities, names, places, events.
    fn analyse_window(&self, doc: &mut Document, prepared: &PreparedText) {
        vigie_entities::analyze(doc, prepared, self.actors);
        let readings = self.read_sentences(doc, prepared);
        self.find_names(doc, prepared, readings.as_deref());
        vigie_geo::analyze(doc, prepared, self.gazetteer);
        let read_triggers = readings
            .as_deref()
            .filter(|_| self.reader.is_some_and(SentenceReader::reads_events))
            .map(|readings| read_triggers(doc, readings));
        vigie_events::analyze(doc, prepared, self.triggers, read_triggers.as_deref());
    }

    /// What the encoder's heads read in each sentence of `doc` (none without a reader).
    /// The sentences are encoded together; when that fails, each is read alone, and an
    /// encoder failure loses one sentence's reading, never the article.
    pub fn read_sentences(&self, doc: &Document, prepared: &PreparedText) -> Option<Vec<Reading>> {
        let reader = self.reader?;
        let sentences: Vec<&str> = doc
            .sentences
            .iter()
            .map(|&sentence| prepared.index.slice(&doc.text, sentence))
            .collect();
        Some(reader.read_many(&sentences).unwrap_or_else(|_| {
            sentences
                .iter()
                .map(|sentence| reader.read(sentence).unwrap_or_default())
                .collect()
        }))
    }
}

/// The event triggers of `readings` (one per sentence of `doc`), on the document's text.
fn read_triggers(doc: &Document, readings: &[Reading]) -> Vec<vigie_events::ReadTrigger> {
    doc.sentences
        .iter()
        .zip(readings)
        .flat_map(|(sentence, reading)| {
            let on_document =
                |span: Span| Span::new(sentence.start + span.start, sentence.start + span.end);
            reading
                .events
                .iter()
                .map(move |event| vigie_events::ReadTrigger {
                    trigger: vigie_events::Trigger {
                        span: on_document(event.trigger),
                        event_type: event.cue.event_type,
                        mode: event.cue.mode.map(str::to_owned),
                    },
                    acled: event.cue.acled,
                    actor: event.actor.map(on_document),
                    recipient: event.recipient.map(on_document),
                    modality: event.cue.modality,
                })
        })
        .collect()
}

impl Pipeline<'_> {
    /// The names stage (after the entities stage): the names the encoder's head read in
    /// each sentence (`readings`), or the fast tagger.
    pub fn find_names(
        &self,
        doc: &mut Document,
        prepared: &PreparedText,
        readings: Option<&[Reading]>,
    ) {
        let places = GazetteerLexicon(self.gazetteer);
        let Some(readings) = readings else {
            if let Some(model) = doc.language.and_then(NerModel::embedded) {
                vigie_entities::ner::recognize(doc, &prepared.index, model, &places);
            }
            return;
        };
        let mut found = Vec::new();
        for (&sentence, reading) in doc.sentences.iter().zip(readings) {
            for &(span, kind) in &reading.names {
                let kind = match kind {
                    NameKind::Per => EntityKind::Per,
                    NameKind::Org => EntityKind::Org,
                    NameKind::Loc => EntityKind::Loc,
                    NameKind::Misc => EntityKind::Misc,
                };
                found.push((
                    Span::new(sentence.start + span.start, sentence.start + span.end),
                    kind,
                ));
            }
        }
        vigie_entities::ner::add_names(doc, &prepared.index, found, &places);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events of `text` as (type, actor, recipient) texts.
    fn events(text: &str) -> Vec<(String, Option<String>, Option<String>)> {
        let mut doc = Document::new("t", text);
        Pipeline::embedded(LanguageChoice::Auto).run(&mut doc);
        doc.events
            .iter()
            .map(|e| {
                (
                    e.event_type.name().to_owned(),
                    e.actor.as_ref().map(|p| p.text.clone()),
                    e.recipient.as_ref().map(|p| p.text.clone()),
                )
            })
            .collect()
    }

    #[test]
    fn coordinated_participles_keep_the_passive_subject_as_recipient() {
        let found = events(
            "Six soldats irakiens ont été tués et quatre autres blessés mardi soir dans une \
             embuscade près de Mossoul, selon une source sécuritaire.",
        );
        let assault: Vec<_> = found.iter().filter(|(t, ..)| t == "ASSAULT").collect();
        assert_eq!(assault.len(), 1, "{found:?}");
        let (_, actor, recipient) = assault[0];
        assert!(actor.is_none(), "{found:?}");
        assert!(
            recipient.as_deref().is_some_and(|r| r.contains("soldats")),
            "{found:?}"
        );
    }

    #[test]
    fn a_long_document_is_analysed_in_windows_with_spans_on_their_text() {
        let article = "Des hommes armés ont attaqué mardi un poste de l'armée malienne à Gao, \
                       selon une source sécuritaire. Le président Assimi Goïta a condamné l'attaque.\n\n";
        let copies = 3 * windows::WINDOW_BYTES / article.len();
        let mut doc = Document::new("long", article.repeat(copies));
        Pipeline::embedded(LanguageChoice::Auto).run(&mut doc);
        let chars: Vec<char> = doc.text.chars().collect();
        let text_at =
            |span: vigie_core::Span| chars[span.start..span.end].iter().collect::<String>();
        assert!(doc.entities.iter().all(|e| text_at(e.span) == e.text));
        assert!(doc.places.iter().all(|p| text_at(p.span) == p.text));
        assert!(
            doc.events
                .iter()
                .all(|e| text_at(e.trigger.span) == e.trigger.text)
        );
        let mut single = Document::new("one", article);
        Pipeline::embedded(LanguageChoice::Auto).run(&mut single);
        assert!(!single.events.is_empty());
        // Every copy of the article, in every window, yields its events.
        assert_eq!(doc.events.len(), copies * single.events.len());
        assert!(doc.events.last().unwrap().evidence.start > 2 * chars.len() / 3);
    }

    #[test]
    fn the_event_heads_code_acled_sub_types_the_rules_cannot() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let [names, event_layer] = [
            vigie_heads::names::NameTagger::DEFAULT_FILE,
            vigie_heads::events::EventReader::DEFAULT_EVENT_LAYER,
        ]
        .map(|file| root.join(file));
        let [triggers, attributes, arguments] = [
            vigie_heads::events::EventReader::DEFAULT_TRIGGERS,
            vigie_heads::events::EventReader::DEFAULT_ATTRIBUTES,
            vigie_heads::events::EventReader::DEFAULT_ARGUMENTS,
        ]
        .map(|files| files.iter().map(|file| root.join(file)).collect::<Vec<_>>());
        let Ok(reader) = SentenceReader::load(
            &root.join(vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR),
            vigie_heads::reader::HeadFiles {
                names: &names,
                events: Some(vigie_heads::events::EventHeadFiles {
                    triggers: &triggers,
                    attributes: &attributes,
                    arguments: &arguments,
                    event_layer: &event_layer,
                }),
            },
        ) else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let regains = vigie_core::AcledSubEventType::GovernmentRegainsTerritory;
        for text in [
            "Government troops recaptured the town of Kidal from the rebels on Thursday.",
            "Les forces gouvernementales ont repris jeudi le contrôle de la ville de Kidal aux \
             rebelles.",
        ] {
            let sub_types = |pipeline: Pipeline| {
                let mut doc = Document::new("t", text);
                pipeline.run(&mut doc);
                doc.events
                    .iter()
                    .filter_map(|e| e.acled.map(|a| a.sub_event_type))
                    .collect::<Vec<_>>()
            };
            let heads = sub_types(Pipeline::embedded(LanguageChoice::Auto).with_reader(&reader));
            assert!(heads.contains(&regains), "{text}: {heads:?}");
            let fast = sub_types(Pipeline::embedded(LanguageChoice::Auto));
            assert!(!fast.contains(&regains), "{text}: {fast:?}");
        }
    }

    #[test]
    fn the_encoder_finds_names_the_fast_path_misses_and_dictionaries_keep_their_codes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let names_head = root.join(vigie_heads::names::NameTagger::DEFAULT_FILE);
        let Ok(reader) = SentenceReader::load(
            &root.join(vigie_encoder::e5::MultilingualEncoder::DEFAULT_DIR),
            vigie_heads::reader::HeadFiles {
                names: &names_head,
                events: None,
            },
        ) else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        // No title, role or speech verb marks the name: only the model can read it.
        let text = "Iraqi forces shelled the village where Kwabena Ofori-Atta and his family \
                    lived, residents said.";
        let run = |pipeline: Pipeline| {
            let mut doc = Document::new("t", text);
            pipeline.run(&mut doc);
            doc
        };
        let fast = run(Pipeline::embedded(LanguageChoice::Auto));
        let full = run(Pipeline::embedded(LanguageChoice::Auto).with_reader(&reader));
        let person = |doc: &Document| {
            doc.entities
                .iter()
                .any(|e| e.kind == EntityKind::Per && e.text == "Kwabena Ofori-Atta")
        };
        assert!(person(&full), "{:?}", full.entities);
        assert!(!person(&fast), "{:?}", fast.entities);
        // The dictionary's actor keeps its code; the model adds no second entity over it.
        let iraqi: Vec<_> = full
            .entities
            .iter()
            .filter(|e| e.text.contains("Iraqi"))
            .collect();
        assert_eq!(iraqi.len(), 1, "{:?}", full.entities);
        assert!(iraqi[0].actor.is_some(), "{:?}", iraqi[0]);
    }
}
