//! Source profiles: the outlet behind a document (`data/sources/outlets.tsv`), matched
//! by URL domain, by the declared source name, or by a source line in the page.

use std::sync::LazyLock;

use vigie_core::{Document, FurnitureKind, Signal, SignalKind, fold_text, is_word_char, url_host};

static EMBEDDED: &str = include_str!("../../../data/sources/outlets.tsv");

static DEFAULT: LazyLock<OutletRegistry> = LazyLock::new(|| {
    OutletRegistry::from_tsv(EMBEDDED).expect("the embedded outlet registry is valid")
});

/// One outlet's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlet {
    /// Stable id (`PRESSTV`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Web domains.
    pub domains: Vec<String>,
    /// Names as they appear in bylines, credits and source lines.
    pub aliases: Vec<String>,
    /// Owner.
    pub owner: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// independent, public-service, state-controlled, state-affiliated, party, unknown.
    pub typology: String,
    /// Public basis for the typology.
    pub basis: String,
}

/// All known outlets.
#[derive(Debug, Clone, Default)]
pub struct OutletRegistry {
    outlets: Vec<Outlet>,
}

fn list(field: &str) -> Vec<String> {
    field
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// True when `needle` (folded) occurs in `haystack` (folded) between non-word characters.
fn contains_phrase(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        before.is_none_or(|c| !is_word_char(c)) && after.is_none_or(|c| !is_word_char(c))
    })
}

impl OutletRegistry {
    /// The registry embedded in the binary.
    pub fn embedded() -> &'static OutletRegistry {
        &DEFAULT
    }

    /// Reads the TSV format of `data/sources/outlets.tsv`.
    pub fn from_tsv(text: &str) -> Result<Self, String> {
        let mut outlets = Vec::new();
        for (number, fields) in vigie_core::tsv::rows(text) {
            let [
                id,
                name,
                domains,
                aliases,
                owner,
                country,
                typology,
                _languages,
                basis,
            ] = fields[..]
            else {
                return Err(format!(
                    "outlets line {}: {} fields, expected 9",
                    number,
                    fields.len()
                ));
            };
            outlets.push(Outlet {
                id: id.to_owned(),
                name: name.to_owned(),
                domains: list(domains),
                aliases: list(aliases),
                owner: owner.to_owned(),
                country: country.to_owned(),
                typology: typology.to_owned(),
                basis: basis.to_owned(),
            });
        }
        Ok(Self { outlets })
    }

    /// Number of outlets.
    pub fn len(&self) -> usize {
        self.outlets.len()
    }

    /// True when there are no outlets.
    pub fn is_empty(&self) -> bool {
        self.outlets.is_empty()
    }

    /// The outlet serving this URL's host (or a parent domain of it).
    pub fn by_url(&self, url: &str) -> Option<&Outlet> {
        // A bare host ("presstv.ir") reads as a URL too.
        let host = url_host(url).or_else(|| url_host(&format!("https://{url}")))?;
        self.outlets.iter().find(|o| {
            o.domains
                .iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        })
    }

    /// The outlet whose name or an alias is the whole of `name` (case and accents ignored).
    pub fn by_name(&self, name: &str) -> Option<&Outlet> {
        let folded = fold_text(name.trim());
        self.outlets.iter().find(|o| {
            std::iter::once(&o.name)
                .chain(&o.aliases)
                .any(|a| fold_text(a) == folded)
        })
    }

    /// The outlet with the longest name or alias mentioned in `line`.
    pub fn mentioned_in(&self, line: &str) -> Option<&Outlet> {
        let folded = fold_text(line);
        self.outlets
            .iter()
            .flat_map(|o| {
                std::iter::once(&o.name)
                    .chain(&o.aliases)
                    .map(move |a| (o, fold_text(a)))
            })
            .filter(|(_, alias)| alias.chars().count() >= 3 && contains_phrase(&folded, alias))
            .max_by_key(|(_, alias)| alias.len())
            .map(|(o, _)| o)
    }
}

/// Weight of each typology as a signal (how much a reader should keep it in mind).
fn typology_score(typology: &str) -> f32 {
    match typology {
        "state-controlled" => 0.9,
        "state-affiliated" => 0.7,
        "party" => 0.6,
        "unknown" => 0.4,
        "public-service" => 0.2,
        _ => 0.1,
    }
}

/// The document's outlet and its profile signal: by URL, then declared source, then a
/// source line in the page furniture.
pub fn profile<'r>(doc: &Document, registry: &'r OutletRegistry) -> Option<(&'r Outlet, Signal)> {
    let (outlet, how) = doc
        .url
        .as_deref()
        .and_then(|u| registry.by_url(u))
        .map(|o| (o, "URL domain"))
        .or_else(|| {
            doc.source
                .as_deref()
                .and_then(|s| registry.by_name(s))
                .map(|o| (o, "declared source"))
        })
        .or_else(|| {
            doc.furniture
                .iter()
                .filter(|f| f.kind == FurnitureKind::SourceLine)
                .find_map(|f| registry.mentioned_in(&f.text))
                .map(|o| (o, "source line"))
        })?;
    let signal = Signal {
        kind: SignalKind::SourceProfile,
        span: None,
        detail: format!(
            "{} ({}, {}): {}; owner: {}; matched by {how}. Basis: {}",
            outlet.name, outlet.id, outlet.country, outlet.typology, outlet.owner, outlet.basis
        ),
        score: typology_score(&outlet.typology),
    };
    Some((outlet, signal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::Furniture;

    #[test]
    fn matches_by_url_name_and_source_line() {
        let registry = OutletRegistry::embedded();
        assert_eq!(
            registry
                .by_url("https://french.presstv.ir/Detail/2020/05/12")
                .map(|o| o.id.as_str()),
            Some("PRESSTV")
        );
        assert_eq!(
            registry
                .by_name("agence france-presse")
                .map(|o| o.id.as_str()),
            Some("AFP")
        );
        let mut doc = Document::new("d", "Texte.");
        doc.furniture.push(Furniture {
            kind: FurnitureKind::SourceLine,
            text: "SOURCE: FRENCH PRESS TV".into(),
        });
        let (outlet, signal) = profile(&doc, registry).unwrap();
        assert_eq!(outlet.typology, "state-controlled");
        assert_eq!(outlet.country, "IR");
        assert!(signal.detail.contains("matched by source line"));
    }

    #[test]
    fn unknown_outlet_gives_no_profile() {
        let doc = Document::new("d", "Texte.");
        assert!(profile(&doc, OutletRegistry::embedded()).is_none());
    }
}
