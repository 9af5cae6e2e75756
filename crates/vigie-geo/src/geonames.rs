//! Building a full gazetteer from the official GeoNames dumps (`allCountries.txt`,
//! optionally `alternateNamesV2.txt`), for users who want every place GeoNames knows
//! rather than the compact embedded extract. The result is written in the same compact
//! binary form as the embedded gazetteer (see [`Gazetteer::to_binary`]).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use vigie_core::is_letter;

use crate::gazetteer::{Gazetteer, GazetteerError};

/// Vigie's hand-curated supplement (features GeoNames lacks, French and transliterated
/// aliases), merged into every build.
static SUPPLEMENT: &str = include_str!("../../../data/gazetteer/supplement.tsv");

/// Adds the supplement's new features and aliases. Alias rows name their place by
/// geonameid, or a first-level division by country and admin1 code; coordinate
/// overrides are for the compact extract only and are ignored here.
fn merge_supplement(
    supplement: &str,
    rows: &mut Vec<[String; 9]>,
    names: &mut Vec<Vec<String>>,
    row_of: &mut HashMap<u64, usize>,
) {
    for (_, fields) in vigie_core::tsv::rows(supplement) {
        let field = |i: usize| fields.get(i).copied().unwrap_or_default();
        let aliases = field(9)
            .split('|')
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        let by_id = field(0)
            .parse::<u64>()
            .ok()
            .and_then(|id| row_of.get(&id).copied());
        let by_division = || {
            rows.iter().position(|r| {
                r[3] == "ADM1" && r[4] == field(4) && r[5] == field(5) && !field(5).is_empty()
            })
        };
        match by_id.or_else(|| {
            if field(0).is_empty() {
                by_division()
            } else {
                None
            }
        }) {
            Some(row) => names[row].extend(aliases),
            None if !field(1).is_empty() && !field(6).is_empty() && !field(7).is_empty() => {
                let Ok(id) = field(0).parse::<u64>() else {
                    continue;
                };
                row_of.insert(id, rows.len());
                rows.push([0, 1, 2, 3, 4, 5, 6, 7, 8].map(|i| field(i).to_owned()));
                names.push(aliases.collect());
            }
            None => {}
        }
    }
}

/// What to keep from the dumps.
#[derive(Debug, Clone, Copy)]
pub struct GeonamesOptions {
    /// Populated places below this population are left out (capitals and seats of
    /// divisions are always kept).
    pub min_population: u64,
}

impl Default for GeonamesOptions {
    fn default() -> Self {
        Self {
            min_population: 500,
        }
    }
}

/// Feature codes kept whatever their population.
const KEPT_CODES: &[&str] = &[
    "PCLI", "PCLD", "PCLF", "PCLS", "PCLIX", "PCL", "TERR", "ADM1", "ADM2", "PPLC", "PPLA",
    "PPLA2", "CONT", "RGN", "OCN", "SEA", "GULF", "STRT", "BAY", "DSRT", "MTS", "ISL", "PEN",
    "PLN", "AIRB", "AIRP", "MILB", "OILF", "PSTB", "NPPL",
];

/// True for names written in Latin script (with accents), the scripts of French and
/// English news.
fn is_latin(name: &str) -> bool {
    name.chars()
        .all(|c| !is_letter(c) || (c as u32) < 0x0250 || ('\u{1E00}'..='\u{1EFF}').contains(&c))
}

fn open(dir: &Path, name: &str) -> Result<BufReader<File>, GazetteerError> {
    let path = dir.join(name);
    File::open(&path)
        .map(BufReader::new)
        .map_err(|e| GazetteerError(format!("{}: {e}", path.display())))
}

/// Reads `allCountries.txt` (and `alternateNamesV2.txt` when present) from `dir`.
pub fn build_from_geonames(
    dir: &Path,
    options: GeonamesOptions,
) -> Result<Gazetteer, GazetteerError> {
    let mut rows: Vec<[String; 9]> = Vec::new();
    let mut names: Vec<Vec<String>> = Vec::new();
    let mut row_of: HashMap<u64, usize> = HashMap::new();
    for (number, line) in open(dir, "allCountries.txt")?.lines().enumerate() {
        let line =
            line.map_err(|e| GazetteerError(format!("allCountries.txt line {}: {e}", number + 1)))?;
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 15 {
            return Err(GazetteerError(format!(
                "allCountries.txt line {}: {} fields, expected 19",
                number + 1,
                fields.len()
            )));
        }
        let (id, name, alternates, lat, lon) =
            (fields[0], fields[1], fields[3], fields[4], fields[5]);
        let (class, code, country, admin1, population) =
            (fields[6], fields[7], fields[8], fields[10], fields[14]);
        let population_value: u64 = population.parse().unwrap_or(0);
        let kept = KEPT_CODES.contains(&code)
            || (class == "P" && population_value >= options.min_population);
        if !kept {
            continue;
        }
        let Ok(geonameid) = id.parse::<u64>() else {
            return Err(GazetteerError(format!(
                "allCountries.txt line {}: bad geonameid",
                number + 1
            )));
        };
        row_of.insert(geonameid, rows.len());
        rows.push([
            id.to_owned(),
            name.to_owned(),
            class.to_owned(),
            code.to_owned(),
            country.to_owned(),
            admin1.to_owned(),
            lat.to_owned(),
            lon.to_owned(),
            population_value.to_string(),
        ]);
        names.push(
            alternates
                .split(',')
                .filter(|n| !n.is_empty() && is_latin(n))
                .map(str::to_owned)
                .collect(),
        );
    }
    if let Ok(reader) = open(dir, "alternateNamesV2.txt") {
        for line in reader.lines() {
            let line = line.map_err(|e| GazetteerError(format!("alternateNamesV2.txt: {e}")))?;
            let fields: Vec<&str> = line.split('\t').collect();
            let (Some(id), Some(language), Some(name)) =
                (fields.get(1), fields.get(2), fields.get(3))
            else {
                continue;
            };
            let not_a_name = matches!(
                *language,
                "link" | "post" | "iata" | "icao" | "faac" | "wkdt" | "unlc"
            );
            let historic = fields.get(7) == Some(&"1");
            if not_a_name || historic || !is_latin(name) || name.contains(['|', '\t']) {
                continue;
            }
            if let Some(&row) = id.parse::<u64>().ok().and_then(|id| row_of.get(&id)) {
                names[row].push((*name).to_owned());
            }
        }
    }
    merge_supplement(SUPPLEMENT, &mut rows, &mut names, &mut row_of);
    let mut tsv = String::from(
        "geonameid\tname\tfeature_class\tfeature_code\tcountry_code\tadmin1_code\tlat\tlon\tpopulation\talternate_names\n",
    );
    for (row, alternates) in rows.iter().zip(&mut names) {
        alternates.retain(|n| !n.contains(['|', '\t']));
        alternates.sort();
        alternates.dedup();
        tsv.push_str(&row.join("\t"));
        tsv.push('\t');
        tsv.push_str(&alternates.join("|"));
        tsv.push('\n');
    }
    Gazetteer::from_tsv(&tsv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name_key;

    #[test]
    fn builds_from_dump_files() {
        let dir = std::env::temp_dir().join(format!("vigie-geonames-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let row = |id: &str,
                   name: &str,
                   alternates: &str,
                   class: &str,
                   code: &str,
                   cc: &str,
                   admin1: &str,
                   pop: &str| {
            format!(
                "{id}\t{name}\t{name}\t{alternates}\t33.0\t44.0\t{class}\t{code}\t{cc}\t\t{admin1}\t\t\t\t{pop}\t\t0\tAsia/Baghdad\t2024-01-01\n"
            )
        };
        let all = [
            row(
                "99237",
                "Iraq",
                "Irak,العراق",
                "A",
                "PCLI",
                "IQ",
                "00",
                "38000000",
            ),
            row(
                "98182", "Baghdad", "Bagdad", "P", "PPLC", "IQ", "07", "7216000",
            ),
            row("1", "Hamlet", "", "P", "PPL", "IQ", "07", "20"),
            row("2", "Some Well", "", "H", "WLL", "IQ", "07", "0"),
        ]
        .concat();
        std::fs::write(dir.join("allCountries.txt"), all).unwrap();
        std::fs::write(
            dir.join("alternateNamesV2.txt"),
            "1\t98182\tfr\tBagdâd\t\t\t\t\n2\t98182\tlink\thttps://x\t\t\t\t\n",
        )
        .unwrap();
        let gazetteer = build_from_geonames(&dir, GeonamesOptions::default()).unwrap();
        assert!(
            gazetteer.lookup("hamlet").next().is_none()
                && gazetteer.lookup("some well").next().is_none()
        );
        assert!(
            gazetteer.lookup(&name_key("Aïn al-Asad")).next().is_some(),
            "supplement features are merged"
        );
        assert!(
            gazetteer
                .lookup(&name_key("Irak"))
                .any(|e| e.geonameid == 99237)
        );
        assert!(
            gazetteer
                .lookup(&name_key("Bagdâd"))
                .any(|e| e.geonameid == 98182)
        );
        assert!(
            !gazetteer.contains_key(&name_key("العراق")),
            "non-Latin names are left out"
        );
        let err =
            build_from_geonames(&dir.join("missing"), GeonamesOptions::default()).unwrap_err();
        assert!(err.to_string().contains("allCountries.txt"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
