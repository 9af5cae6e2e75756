//! The Vigie pipeline: runs every analysis stage, in order, over one [`Document`].
//!
//! language → entities (dictionary, people, attribution, then the statistical tagger where
//! a model ships for the language) → geo → events → signals. Each stage only adds
//! annotations.

use vigie_core::{Document, PreparedText};
use vigie_entities::ActorDictionary;
use vigie_entities::ner::{NameLexicon, NerModel};
use vigie_events::TriggerLexicon;
use vigie_geo::Gazetteer;
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
    /// Trigger lexicon for the events stage.
    pub triggers: &'a TriggerLexicon,
    /// Reference data for the signals stage.
    pub signals: SignalData<'a>,
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
            triggers: TriggerLexicon::embedded(),
            signals: SignalData::embedded(),
        }
    }
}

impl Pipeline<'_> {
    /// Runs every stage over `doc`.
    pub fn run(&self, doc: &mut Document) {
        vigie_lang::analyze(doc, self.language);
        // The text is final from here on: index and fold it once for every stage.
        let prepared = PreparedText::new(&doc.text);
        vigie_entities::analyze(doc, &prepared, self.actors);
        if let Some(model) = doc.language.and_then(NerModel::embedded) {
            let names = GazetteerLexicon(self.gazetteer);
            vigie_entities::ner::recognize(doc, &prepared.index, model, &names);
        }
        vigie_geo::analyze(doc, &prepared, self.gazetteer);
        vigie_events::analyze(doc, &prepared, self.triggers);
        vigie_signals::analyze(doc, &prepared, self.signals);
    }
}
