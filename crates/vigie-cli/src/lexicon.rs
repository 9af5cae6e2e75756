//! The gazetteer as a name lexicon for the NER tagger's features.

use vigie_entities::ner::NameLexicon;
use vigie_geo::Gazetteer;

/// Answers "is this a place name?" from the gazetteer.
pub struct GazetteerLexicon(pub &'static Gazetteer);

impl NameLexicon for GazetteerLexicon {
    fn is_place(&self, key: &str) -> bool {
        self.0.contains_key(&vigie_geo::name_key(key))
    }
}
