//! The actor dictionary: states and their forces, armed groups, organisations and media,
//! with their French and English aliases (`data/actors/actors.tsv`, written by hand), and
//! beneath them the PETRARCH2/Phoenix dictionaries (`data/actors/phoenix.tsv`, built by
//! `scripts/build-phoenix-actors.py`): office holders whose code depends on the date,
//! international organisations, NGOs and armed non-state groups.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use vigie_core::{Entity, EntityKind, PreparedText, Span, fold_text, is_letter, is_word_char};

static EMBEDDED: &str = include_str!("../../../data/actors/actors.tsv");
static EMBEDDED_PHOENIX: &str = include_str!("../../../data/actors/phoenix.tsv");

static DEFAULT: LazyLock<ActorDictionary> = LazyLock::new(|| {
    ActorDictionary::from_tables(EMBEDDED, EMBEDDED_PHOENIX)
        .expect("the embedded actor dictionaries are valid")
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
    /// Codes that hold between two dates (an office holder's roles); the first whose
    /// dates hold on the article's date wins over `code`.
    pub roles: Vec<DatedCode>,
}

/// A code that holds from one date to another (ISO `YYYY-MM-DD`, both ends included,
/// either open).
#[derive(Debug, Clone, PartialEq)]
pub struct DatedCode {
    /// The code.
    pub code: String,
    /// First day, or none for "always before `to`".
    pub from: Option<String>,
    /// Last day, or none for "ever since `from`".
    pub to: Option<String>,
}

impl DatedCode {
    /// Reads `CODE:FROM..TO`.
    fn parse(text: &str) -> Option<Self> {
        let (code, dates) = text.split_once(':')?;
        let (from, to) = dates.split_once("..")?;
        let date = |d: &str| Some(d.to_owned()).filter(|d| !d.is_empty());
        Some(Self {
            code: code.to_owned(),
            from: date(from),
            to: date(to),
        })
    }

    /// True when the code holds on `day` (an ISO date; a longer timestamp is cut to it).
    fn holds_on(&self, day: &str) -> bool {
        let day = day.get(..10).unwrap_or(day);
        self.from.as_deref().is_none_or(|from| from <= day)
            && self.to.as_deref().is_none_or(|to| day <= to)
    }
}

impl Actor {
    /// The actor's code on `date` (the article's publication date): the role whose dates
    /// hold, else the undated code; without a date, the undated code or the last role.
    /// `None` when the actor has no code then (a former office holder with no default).
    pub fn code_on(&self, date: Option<&str>) -> Option<&str> {
        let dated = match date {
            Some(day) => self.roles.iter().find(|r| r.holds_on(day)),
            None if self.code.is_empty() => self.roles.last(),
            None => None,
        };
        dated
            .map(|r| r.code.as_str())
            .or(Some(self.code.as_str()))
            .filter(|c| !c.is_empty())
    }
}

#[derive(Debug, Clone)]
struct Alias {
    actor: usize,
    surface: String,
    case_sensitive: bool,
    /// The alias is written as a proper name: each of its capitalised words must be
    /// capitalised in the text too (every Phoenix alias).
    name_case: bool,
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
        "PER" => EntityKind::Per,
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
        let mut builder = Builder::default();
        builder.add_hand_written(text)?;
        builder.build()
    }

    /// The hand-written table with the Phoenix table (`data/actors/phoenix.tsv`'s format)
    /// beneath it: a Phoenix row whose code the hand-written table has adds aliases to
    /// that actor.
    pub fn from_tables(hand_written: &str, phoenix: &str) -> Result<Self, String> {
        let mut builder = Builder::default();
        builder.add_hand_written(hand_written)?;
        builder.add_phoenix(phoenix)?;
        builder.build()
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
    /// `date` (the article's publication date, ISO) chooses an office holder's code;
    /// an actor with no code on that date is not reported.
    pub fn find(&self, text: &str, date: Option<&str>) -> Vec<Entity> {
        self.find_prepared(text, &PreparedText::new(text), date)
    }

    /// [`find`](Self::find) over a text already prepared.
    pub fn find_prepared(
        &self,
        text: &str,
        prepared: &PreparedText,
        date: Option<&str>,
    ) -> Vec<Entity> {
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
                || (alias.name_case && !keeps_name_case(surface, &alias.surface))
            {
                continue;
            }
            let actor = &self.actors[alias.actor];
            // A person's name, or a one-word name (groups list their leaders' surnames),
            // next to another capitalised word is part of a longer name.
            if alias.name_case
                && (actor.kind == EntityKind::Per || !alias.surface.contains(' '))
                && glued_to_a_name(
                    text,
                    prepared.index.byte(span.start)..prepared.index.byte(span.end),
                )
            {
                continue;
            }
            let Some(code) = actor.code_on(date) else {
                continue;
            };
            found.push(Entity {
                text: surface.to_owned(),
                span: Span::new(span.start, span.end),
                kind: actor.kind,
                actor: Some(code.to_owned()),
                country: actor.country.clone(),
                role: None,
                loaded: alias.loaded,
                antecedent: None,
            });
        }
        found
    }
}

/// Actors and aliases being read, before the automaton is built.
#[derive(Default)]
struct Builder {
    actors: Vec<Actor>,
    aliases: Vec<Alias>,
}

impl Builder {
    fn add_hand_written(&mut self, text: &str) -> Result<(), String> {
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
            let actor = self.push_actor(code, name, kind, country, sector, Vec::new());
            self.add_aliases(actor, alias_list, false);
        }
        Ok(())
    }

    fn add_phoenix(&mut self, text: &str) -> Result<(), String> {
        for (number, fields) in vigie_core::tsv::rows(text) {
            let [
                code,
                name,
                kind,
                country,
                sector,
                alias_list,
                roles,
                _source,
            ] = fields[..]
            else {
                return Err(format!(
                    "phoenix actors line {}: {} fields, expected 8",
                    number,
                    fields.len()
                ));
            };
            let known = (!code.is_empty() && kind.is_empty())
                .then(|| self.actors.iter().position(|a| a.code == code))
                .flatten();
            let actor = match known {
                Some(actor) => actor,
                None => {
                    let kind = kind_from(kind).ok_or_else(|| {
                        format!("phoenix actors line {}: unknown kind {kind}", number)
                    })?;
                    let roles = roles
                        .split('|')
                        .filter(|r| !r.is_empty())
                        .map(|r| {
                            DatedCode::parse(r).ok_or_else(|| {
                                format!("phoenix actors line {}: bad role {r}", number)
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    self.push_actor(code, name, kind, country, sector, roles)
                }
            };
            self.add_aliases(actor, alias_list, true);
        }
        Ok(())
    }

    fn push_actor(
        &mut self,
        code: &str,
        name: &str,
        kind: EntityKind,
        country: &str,
        sector: &str,
        roles: Vec<DatedCode>,
    ) -> usize {
        self.actors.push(Actor {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            country: Some(country.to_owned()).filter(|c| !c.is_empty()),
            sector: sector.to_owned(),
            roles,
        });
        self.actors.len() - 1
    }

    fn add_aliases(&mut self, actor: usize, alias_list: &str, name_case: bool) {
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
            self.aliases.push(Alias {
                actor,
                surface: plain_apostrophes(surface),
                case_sensitive,
                name_case,
                loaded,
            });
        }
    }

    fn build(self) -> Result<ActorDictionary, String> {
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(self.aliases.iter().map(|a| fold_text(&a.surface)))
            .map_err(|e| format!("actors: cannot build matcher: {e}"))?;
        Ok(ActorDictionary {
            actors: self.actors,
            aliases: self.aliases,
            matcher,
        })
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

/// True when the words just before or after `range` (bytes of `text`) are capitalised:
/// "Hassan" in "Omar Hassan" is part of a longer name.
fn glued_to_a_name(text: &str, range: std::ops::Range<usize>) -> bool {
    let capitalised = |word: Option<&str>| {
        word.and_then(|w| w.chars().next())
            .is_some_and(char::is_uppercase)
    };
    let before = text[..range.start].strip_suffix(' ').map(|t| {
        let start = t
            .char_indices()
            .rfind(|(_, c)| !is_word_char(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        &t[start..]
    });
    let after = text[range.end..].strip_prefix(' ');
    capitalised(before) || capitalised(after)
}

/// True when every word the alias capitalises is capitalised in the text: "Free Syrian
/// Army" but not "free syrian army".
fn keeps_name_case(surface: &str, alias: &str) -> bool {
    let capitalised = |w: &str| {
        w.chars()
            .find(|c| is_letter(*c))
            .is_some_and(char::is_uppercase)
    };
    surface
        .split_whitespace()
        .zip(alias.split_whitespace())
        .all(|(s, a)| !capitalised(a) || capitalised(s))
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
            .find(text, None)
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
        assert!(dictionary.find("He visited Russia today.", None).is_empty());
        assert_eq!(dictionary.find("He told Russia Today.", None).len(), 1);
        assert_eq!(dictionary.find("RUSSIA TODAY reported.", None).len(), 1);
        assert_eq!(dictionary.find("the russia today channel", None).len(), 1);
    }

    const PHOENIX: &str = "code\tname\tkind\tcountry\tsector\taliases\troles\tsource
\tJames Byrnes\tPER\tUS\tgovernment\tJames Byrnes|Byrnes\tUSAELI:1897-01-01..1945-07-03|USAGOV:1945-07-03..1947-01-21\tCountries:1
SYRREB\tFree Syrian Army\tGROUP\tSY\trebel\tFree Syrian Army\t\tCountries:2
ISIS\t\t\t\t\tIslamic State of Iraq\t\tMilNonState:3
";

    #[test]
    fn office_holders_take_the_code_of_the_article_date() {
        let dictionary = ActorDictionary::from_tables(SAMPLE, PHOENIX).unwrap();
        let code = |date| {
            dictionary
                .find("Byrnes met the press.", date)
                .first()
                .and_then(|e| e.actor.clone())
        };
        assert_eq!(code(Some("1946-05-01")), Some("USAGOV".to_owned()));
        assert_eq!(code(Some("1940-05-01")), Some("USAELI".to_owned()));
        // Neither role holds and there is no undated code: no actor.
        assert_eq!(code(Some("1990-05-01")), None);
        // No date: the last role.
        assert_eq!(code(None), Some("USAGOV".to_owned()));
    }

    #[test]
    fn phoenix_names_must_be_written_as_names() {
        let dictionary = ActorDictionary::from_tables(SAMPLE, PHOENIX).unwrap();
        let codes = |text| -> Vec<String> {
            dictionary
                .find(text, None)
                .into_iter()
                .filter_map(|e| e.actor)
                .collect()
        };
        assert_eq!(codes("The Free Syrian Army said."), ["SYRREB"]);
        assert_eq!(codes("Byrnes said."), ["USAGOV"]);
        // "Byrnes" in "Jimmy Byrnes" is part of another name.
        assert!(codes("Jimmy Byrnes said.").is_empty());
        // A word before it that ends in a character of several bytes.
        assert_eq!(codes("des « Byrnes » disent"), ["USAGOV"]);
        assert!(codes("a free syrian army of volunteers").is_empty());
        // A row with a code the hand-written table has adds an alias to that actor.
        assert_eq!(codes("the Islamic State of Iraq claimed"), ["ISIS"]);
        assert_eq!(dictionary.len(), 4);
    }

    #[test]
    fn embedded_dictionary_loads() {
        let dictionary = ActorDictionary::embedded();
        assert!(dictionary.len() > 50);
        assert_eq!(
            dictionary.actor("ISIS").map(|a| a.kind),
            Some(EntityKind::Group)
        );
        // Beneath the hand-written rows, Phoenix's groups and office holders.
        let codes = |text, date| -> Vec<String> {
            dictionary
                .find(text, date)
                .into_iter()
                .filter_map(|e| e.actor)
                .collect()
        };
        assert_eq!(codes("The Free Syrian Army said.", None), ["SYRREB"]);
        assert_eq!(codes("Barack Obama spoke.", Some("2010-06-01")), ["USAGOV"]);
        assert_eq!(codes("Barack Obama spoke.", Some("1990-06-01")), ["USAELI"]);
    }
}
