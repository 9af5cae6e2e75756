//! Checks Vigie's outlet registry (written by us) against the State Media Matrix: for
//! every outlet of the matrix that the registry knows (by URL, else by name), does the
//! registry's typology agree with the matrix's?
//!
//! Matrix typologies map onto the registry's: SC (state-controlled) → state-controlled;
//! CaPu and CaPr (captured public and private media) → state-affiliated; IP, ISF, ISM and
//! ISFM (independent public, independent state-funded and/or state-managed) →
//! public-service.

use std::path::Path;

use vigie_signals::{Outlet, OutletRegistry};

/// One outlet found in both.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Registry id.
    pub id: String,
    /// Name in the matrix.
    pub matrix_name: String,
    /// The matrix's typology code.
    pub matrix_typology: String,
    /// The registry's typology.
    pub registry_typology: String,
    /// True when they agree.
    pub agrees: bool,
}

/// The registry typology a matrix typology code corresponds to.
pub fn registry_typology(matrix_code: &str) -> Option<&'static str> {
    match matrix_code.trim().trim_end_matches('?') {
        "SC" => Some("state-controlled"),
        "CaPu" | "CaPr" => Some("state-affiliated"),
        "IP" | "ISF" | "ISM" | "ISFM" => Some("public-service"),
        _ => None,
    }
}

/// Compares the registry with the matrix CSV at `path`.
pub fn compare(path: &Path, registry: &OutletRegistry) -> Result<Vec<Comparison>, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{}: no column {name}", path.display()))
    };
    let (country, company, assets, url, typology) = (
        column("Country")?,
        column("Media company")?,
        column("Main assets")?,
        column("URL")?,
        column("Typology")?,
    );
    let mut comparisons: Vec<Comparison> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let Some(expected) = registry_typology(field(typology)) else {
            continue;
        };
        // A name match must also be in the same country ("NBC" is not only American).
        let same_country = |o: &&Outlet| country_code(field(country)) == Some(o.country.as_str());
        let found: Option<&Outlet> = Some(field(url))
            .filter(|u| !u.is_empty())
            .and_then(|u| registry.by_url(u))
            .or_else(|| registry.by_name(field(assets)).filter(same_country))
            .or_else(|| registry.by_name(field(company)).filter(same_country));
        if let Some(outlet) = found
            && !comparisons.iter().any(|c| c.id == outlet.id)
        {
            comparisons.push(Comparison {
                id: outlet.id.clone(),
                matrix_name: field(assets).to_owned(),
                matrix_typology: field(typology).to_owned(),
                registry_typology: outlet.typology.clone(),
                agrees: outlet.typology == expected,
            });
        }
    }
    Ok(comparisons)
}

/// ISO 3166-1 alpha-2 code of a country named in English, from the gazetteer.
fn country_code(name: &str) -> Option<&'static str> {
    vigie_geo::Gazetteer::embedded()
        .lookup(&vigie_geo::name_key(name))
        .find(|e| e.is_country())
        .map(|e| e.country_code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_matrix_codes() {
        assert_eq!(registry_typology("SC"), Some("state-controlled"));
        assert_eq!(registry_typology("ISFM?"), Some("public-service"));
        assert_eq!(registry_typology("CaPr"), Some("state-affiliated"));
        assert_eq!(registry_typology("https://x"), None);
        assert_eq!(country_code("Iran"), Some("IR"));
        assert_eq!(country_code("Namibia"), Some("NA"));
    }
}
