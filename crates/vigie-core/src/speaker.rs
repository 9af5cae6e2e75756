//! What kind of source a speaker is — a named person or body, an anonymous source or a
//! news outlet — read from the words of the phrase that names it.
//!
//! The attribution stage classifies the speakers of reporting cues with it, and the event
//! stage the speakers of speech acts ("X threatened to …"), so both agree on what
//! "a police spokesman", "residents" or "the local Guinee360 site" are.

use crate::{AttributionKind, Document, EntityKind, PreparedText, Span, is_word_char};

/// Determiners and words that make a speaker anonymous (folded, first word).
const INDEFINITE: &[&str] = &[
    "un",
    "une",
    "des",
    "plusieurs",
    "certains",
    "certaines",
    "d'autres",
    "a",
    "an",
    "some",
    "several",
    "one",
    "two",
    "three",
    "other",
    "others",
    "sources",
    "informations",
    "unnamed",
];

/// Determiners that point at a specific body or person: "le commandement", "the
/// ministry", "his lawyer", "both governments" (folded, first word).
const DEFINITE: &[&str] = &[
    "le", "la", "les", "l'", "the", "son", "sa", "ses", "its", "their", "his", "her", "leur",
    "leurs", "our", "notre", "nos", "both",
];

/// Nouns that name anonymous sources even with a definite article (folded).
const ANONYMOUS_HEADS: &[&str] = &[
    "source",
    "sources",
    "informations",
    "information",
    "temoin",
    "temoins",
    "witness",
    "witnesses",
    "rumeurs",
    "reports",
    "observateurs",
    "observers",
];

/// Plural nouns for unidentified people or bodies: without a definite determiner
/// ("residents", "Nigerian intelligence officials", "aid groups") they are anonymous,
/// even when a known body is named inside the phrase (folded).
const UNIDENTIFIED_GROUPS: &[&str] = &[
    "officials",
    "residents",
    "survivors",
    "protesters",
    "witnesses",
    "diplomats",
    "relatives",
    "detainees",
    "hostages",
    "migrants",
    "refugees",
    "villagers",
    "women",
    "men",
    "groups",
    "agencies",
    "workers",
    "habitants",
    "temoins",
    "rescapes",
    "manifestants",
    "diplomates",
    "proches",
    "responsables",
    "refugies",
    "villageois",
    "femmes",
];

/// Nouns for people who speak for a known body or person: "a police spokesman", "un
/// porte-parole de l'armée", "his lawyer" are named sources (folded).
const SPOKESPERSONS: &[&str] = &[
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "porte-parole",
    "lawyer",
    "lawyers",
    "attorney",
    "avocat",
    "avocats",
    "avocate",
];

/// Nouns for documents a body issues: "a government statement", "un communiqué de la
/// présidence" are named when the phrase names the issuer (folded).
const DOCUMENTS: &[&str] = &[
    "statement",
    "report",
    "order",
    "decree",
    "communique",
    "declaration",
    "rapport",
    "decret",
    "ordonnance",
];

/// Issuers a document may name without a name: "a government statement" (folded).
const ISSUERS: &[&str] = &[
    "government",
    "presidency",
    "ministry",
    "military",
    "army",
    "police",
    "gouvernement",
    "presidence",
    "ministere",
    "armee",
];

/// Words that make a document leaked rather than issued: "a statement seen by Reuters"
/// stays anonymous (folded).
const LEAKED: &[&str] = &[
    "seen",
    "obtained",
    "consulte",
    "consultee",
    "obtenu",
    "obtenue",
];

/// Nouns that make a speaker a news outlet ("le quotidien The Standard", "public
/// broadcaster Kan", "the Daily Mirror", "Malagasy media", "le site Kaleme") (folded).
const OUTLET_HEADS: &[&str] = &[
    "quotidien",
    "hebdomadaire",
    "journal",
    "chaine",
    "television",
    "radio",
    "radio-television",
    "magazine",
    "mensuel",
    "newspaper",
    "daily",
    "broadcaster",
    "tv",
    "channel",
    "website",
    "site",
    "weekly",
    "tabloid",
    "herald",
    "gazette",
    "tribune",
    "times",
    "media",
    "medias",
];

/// Phrases that make a speaker a news agency (folded): "agency" alone may be a public
/// body ("the UN refugee agency").
const NEWS_AGENCY: &[&str] = &[
    "news agency",
    "news network",
    "press agency",
    "agence de presse",
    "agence officielle",
    "agence d'etat",
];

/// The words of a folded phrase, elisions and hyphens kept inside words.
pub fn folded_words(folded: &str) -> Vec<&str> {
    folded
        .split(|c: char| !is_word_char(c) && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .collect()
}

/// The kind of source the non-empty phrase at `speaker` is, from its words and the
/// entities the earlier stages found inside it.
pub fn speaker_kind(doc: &Document, prepared: &PreparedText, speaker: Span) -> AttributionKind {
    let entity = doc
        .entities
        .iter()
        .filter(|e| speaker.contains(e.span))
        .min_by_key(|e| e.span.start);
    let words = folded_words(prepared.folded.slice(speaker));
    let text = prepared.index.slice(&doc.text, speaker);
    let first = words.first().copied().unwrap_or_default();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let leading_has = |list: &[&str]| words.iter().take(3).any(|w| list.contains(w));
    let definite = DEFINITE.contains(&first) || first.starts_with("l'");
    if has(SPOKESPERSONS) {
        return AttributionKind::Named;
    }
    if has(DOCUMENTS) && !has(LEAKED) && (entity.is_some() || has(ISSUERS)) {
        return AttributionKind::Named;
    }
    let anonymous = INDEFINITE.contains(&first)
        || (!definite
            && words
                .iter()
                .take(5)
                .any(|w| UNIDENTIFIED_GROUPS.contains(w)))
        || (entity.is_none() && leading_has(ANONYMOUS_HEADS));
    let has_proper_name = text
        .split_whitespace()
        .any(|w| w.chars().next().is_some_and(char::is_uppercase));
    match entity {
        _ if anonymous => AttributionKind::Anonymous,
        Some(e) if e.kind == EntityKind::Media => AttributionKind::Outlet,
        _ if names_outlet(&words, text) => AttributionKind::Outlet,
        Some(_) => AttributionKind::Named,
        None if has_proper_name || definite => AttributionKind::Named,
        None => AttributionKind::Anonymous,
    }
}

/// True when the speaker names a news outlet by its kind: an outlet noun, a news
/// agency, or "agence" right before a name ("l'agence Petra") or with "d'information".
fn names_outlet(words: &[&str], text: &str) -> bool {
    let words: Vec<&str> = words
        .iter()
        .map(|w| w.strip_prefix("l'").unwrap_or(w))
        .collect();
    let joined = words.join(" ");
    let agence_before_name = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .any(|pair| {
            pair[0]
                .trim_start_matches("l'")
                .trim_start_matches("l’")
                .eq_ignore_ascii_case("agence")
                && pair[1].starts_with(char::is_uppercase)
        });
    let information_agency = words.contains(&"agence") && words.contains(&"d'information");
    words.iter().any(|w| OUTLET_HEADS.contains(w))
        || NEWS_AGENCY.iter().any(|phrase| joined.contains(phrase))
        || agence_before_name
        || information_agency
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind of the whole text taken as a speaker phrase, with no entities found.
    fn kind(text: &str) -> AttributionKind {
        let doc = Document::new("test", text);
        let prepared = PreparedText::new(text);
        speaker_kind(&doc, &prepared, Span::new(0, text.chars().count()))
    }

    #[test]
    fn spokespeople_and_possessives_point_at_a_known_body() {
        for named in [
            "a police spokesman",
            "un porte-parole de l'armée",
            "his lawyer",
            "leur syndicat",
            "both governments",
            "a government statement",
            "un communiqué de la présidence",
        ] {
            assert_eq!(kind(named), AttributionKind::Named, "{named}");
        }
    }

    #[test]
    fn unidentified_people_stay_anonymous() {
        for anonymous in [
            "residents",
            "Residents of the town",
            "Nigerian intelligence officials",
            "Aid groups",
            "habitants contactés par téléphone",
            "A gang leader in the capital",
            "a statement seen by the agency",
            "des sources sécuritaires",
        ] {
            assert_eq!(kind(anonymous), AttributionKind::Anonymous, "{anonymous}");
        }
    }

    #[test]
    fn outlets_are_known_by_their_kind() {
        for outlet in [
            "le site Kaleme",
            "Malagasy media",
            "the local news network Suwayda 24",
            "l'Agence nationale d'information",
            "public broadcaster Kan",
        ] {
            assert_eq!(kind(outlet), AttributionKind::Outlet, "{outlet}");
        }
        // "agency" alone may be a public body.
        assert_eq!(kind("the UN refugee agency"), AttributionKind::Named);
    }
}
