//! The Vigie pipeline: runs every analysis stage, in order, over one [`Document`].
//!
//! language → entities → geo → events → signals. Each stage only adds annotations.

use vigie_core::Document;
use vigie_entities::ActorDictionary;
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
        vigie_entities::analyze(doc, self.actors);
        vigie_geo::analyze(doc, self.gazetteer);
        vigie_events::analyze(doc, self.triggers);
        vigie_signals::analyze(doc, self.signals);
    }
}
