//! The actor dictionary: states and their forces, armed groups, organisations and media,
//! with their French and English aliases (`data/actors/actors.tsv`).

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use vigie_core::{Entity, EntityKind, PreparedText, Span, fold_text, is_letter, is_word_char};

static EMBEDDED: &str = include_str!("../../../data/actors/actors.tsv");

static DEFAULT: LazyLock<ActorDictionary> = LazyLock::new(|| {
    ActorDictionary::from_tsv(EMBEDDED).expect("the embedded actor dictionary is valid")
});

/// One actor.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// Stable code (`USAMIL`, `ISIS`, `PMF`).
    pub code: String,
    /// Canonical English name.
    pub name: String,
    /// Entity kind.
    pub kind: EntityKind,
    /// ISO 3166-1 alpha-2 home country.
    pub country: Option<String>,
    /// Sector (government, military, militia, media, …).
    pub sector: String,
}

#[derive(Debug, Clone)]
struct Alias {
    actor: usize,
    surface: String,
    case_sensitive: bool,
    loaded: bool,
}

/// Actors and an automaton over their folded aliases.
#[derive(Debug, Clone)]
pub struct ActorDictionary {
    actors: Vec<Actor>,
    aliases: Vec<Alias>,
    matcher: AhoCorasick,
}

fn kind_from(code: &str) -> Option<EntityKind> {
    Some(match code {
        "STATE" => EntityKind::State,
        "ORG" => EntityKind::Org,
        "GROUP" => EntityKind::Group,
        "MEDIA" => EntityKind::Media,
        "IGO" => EntityKind::Igo,
        _ => return None,
    })
}

/// Articles dropped from the front of aliases.
const LEADING_ARTICLES: &[&str] = &["les ", "le ", "la ", "the ", "Les ", "Le ", "La ", "The "];

/// Normalises apostrophes so that `l’EI` and `l'EI` compare equal.
fn plain_apostrophes(text: &str) -> String {
    text.replace(['\u{2019}', '\u{02BC}'], "'")
}

impl ActorDictionary {
    /// The dictionary embedded in the binary, loaded on first use.
    pub fn embedded() -> &'static ActorDictionary {
        &DEFAULT
    }

    /// Reads the TSV format documented at the top of `data/actors/actors.tsv`.
    pub fn from_tsv(text: &str) -> Result<Self, String> {
        let mut actors = Vec::new();
        let mut aliases = Vec::new();
        for (number, fields) in vigie_core::tsv::rows(text) {
            let [code, name, kind, country, sector, alias_list] = fields[..] else {
                return Err(format!(
                    "actors line {}: {} fields, expected 6",
                    number,
                    fields.len()
                ));
            };
            let kind = kind_from(kind)
                .ok_or_else(|| format!("actors line {}: unknown kind {kind}", number))?;
            let actor = actors.len();
            actors.push(Actor {
                code: code.to_owned(),
                name: name.to_owned(),
                kind,
                country: Some(country.to_owned()).filter(|c| !c.is_empty()),
                sector: sector.to_owned(),
            });
            for raw in alias_list.split('|').filter(|a| !a.is_empty()) {
                let (loaded, surface) = match raw.strip_prefix('~') {
                    Some(rest) => (true, rest),
                    None => (false, raw),
                };
                // A leading article would make a leftmost match swallow a longer name
                // ("les Hachd" before "Hachd al-Chaabi"); the bare name matches anyway.
                let surface = LEADING_ARTICLES
                    .iter()
                    .find_map(|a| surface.strip_prefix(a))
                    .filter(|rest| rest.chars().count() >= 4 && rest.starts_with(is_letter))
                    .unwrap_or(surface);
                let letters: Vec<char> = surface.chars().filter(|c| is_letter(*c)).collect();
                let case_sensitive =
                    surface.chars().count() < 4 || letters.iter().all(|c| c.is_uppercase());
                aliases.push(Alias {
                    actor,
                    surface: plain_apostrophes(surface),
                    case_sensitive,
                    loaded,
                });
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(aliases.iter().map(|a| fold_text(&a.surface)))
            .map_err(|e| format!("actors: cannot build matcher: {e}"))?;
        Ok(Self {
            actors,
            aliases,
            matcher,
        })
    }

    /// The actor with this code.
    pub fn actor(&self, code: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.code == code)
    }

    /// Number of actors.
    pub fn len(&self) -> usize {
        self.actors.len()
    }

    /// True when there are no actors.
    pub fn is_empty(&self) -> bool {
        self.actors.is_empty()
    }

    /// Every alias occurrence in `text`, as entities linked to their actor.
    pub fn find(&self, text: &str) -> Vec<Entity> {
        self.find_prepared(text, &PreparedText::new(text))
    }

    /// [`find`](Self::find) over a text already prepared.
    pub fn find_prepared(&self, text: &str, prepared: &PreparedText) -> Vec<Entity> {
        let folded = prepared.folded.as_str();
        let mut found = Vec::new();
        for m in self.matcher.find_iter(folded) {
            let span = prepared.folded.index().span(m.start(), m.end());
            let before_ok = !folded[..m.start()]
                .chars()
                .next_back()
                .is_some_and(is_word_char);
            let after_ok = !folded[m.end()..].chars().next().is_some_and(is_word_char);
            let alias = &self.aliases[m.pattern().as_usize()];
            let surface = prepared.index.slice(text, span);
            if !before_ok
                || !after_ok
                || (alias.case_sensitive && plain_apostrophes(surface) != alias.surface)
                || !keeps_inner_capitals(surface, &alias.surface)
            {
                continue;
            }
            let actor = &self.actors[alias.actor];
            found.push(Entity {
                text: surface.to_owned(),
                span: Span::new(span.start, span.end),
                kind: actor.kind,
                actor: Some(actor.code.clone()),
                country: actor.country.clone(),
                role: None,
                loaded: alias.loaded,
                antecedent: None,
            });
        }
        found
    }
}

/// False when the text starts a proper name (every word capitalised in the alias) with a
/// capital but writes a later word in lower case: "Russia today" is not the channel
/// "Russia Today". Names written all in lower case ("supreme leader") still match.
fn keeps_inner_capitals(surface: &str, alias: &str) -> bool {
    let capitalised = |w: &str| w.starts_with(char::is_uppercase);
    let proper_name = alias.split_whitespace().all(capitalised);
    let mut words = surface.split_whitespace();
    let starts_capitalised = words.next().is_some_and(capitalised);
    !(proper_name && starts_capitalised) || words.all(capitalised)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# comment\ncode\tname\tkind\tcountry\tsector\taliases
ISIS\tIslamic State\tGROUP\t\tterrorist\tDaech|l'EI|EI|~daechistes
USA\tUnited States\tSTATE\tUS\tgovernment\tUS|les Américains|États-Unis
";

    #[test]
    fn matches_aliases_with_case_and_boundaries() {
        let dictionary = ActorDictionary::from_tsv(SAMPLE).unwrap();
        let text = "Les Américains et les cellules daechistes de l’EI ; thus us, not US.";
        assert!(
            dictionary
                .aliases
                .iter()
                .all(|a| !a.surface.starts_with("les "))
        );
        let found: Vec<(String, String, bool)> = dictionary
            .find(text)
            .into_iter()
            .map(|e| (e.text, e.actor.unwrap(), e.loaded))
            .collect();
        assert_eq!(
            found,
            [
                ("Américains".into(), "USA".into(), false),
                ("daechistes".into(), "ISIS".into(), true),
                ("l’EI".into(), "ISIS".into(), false),
                ("US".into(), "USA".into(), false),
            ]
        );
    }

    #[test]
    fn inner_capitals_of_a_name_must_be_kept() {
        let dictionary = ActorDictionary::from_tsv(
            "code\tname\tkind\tcountry\tsector\taliases\nRT\tRussia Today\tMEDIA\tRU\tmedia\tRussia Today\n",
        )
        .unwrap();
        assert!(dictionary.find("He visited Russia today.").is_empty());
        assert_eq!(dictionary.find("He told Russia Today.").len(), 1);
        assert_eq!(dictionary.find("RUSSIA TODAY reported.").len(), 1);
        assert_eq!(dictionary.find("the russia today channel").len(), 1);
    }

    #[test]
    fn embedded_dictionary_loads() {
        let dictionary = ActorDictionary::embedded();
        assert!(dictionary.len() > 50);
        assert_eq!(
            dictionary.actor("ISIS").map(|a| a.kind),
            Some(EntityKind::Group)
        );
    }
}
