//! The gazetteer: GeoNames entries with their names and aliases, indexed by name key.
//!
//! The default gazetteer is built by `scripts/build-gazetteer.py` from pinned registry
//! packages and embedded in the binary (`data/gazetteer/places.tsv.gz`).

use std::collections::HashMap;
use std::io::Read;
use std::sync::LazyLock;

use flate2::read::GzDecoder;
use vigie_core::{Language, fold_text};

use crate::name_key::name_key;

static EMBEDDED: &[u8] = include_bytes!("../../../data/gazetteer/places.tsv.gz");

static EMBEDDED_DEMONYMS: &str = include_str!("../../../data/gazetteer/demonyms.tsv");

static DEFAULT: LazyLock<Gazetteer> = LazyLock::new(|| {
    let mut gazetteer = Gazetteer::from_tsv_gz(EMBEDDED)
        .expect("the embedded gazetteer is valid (built by scripts/build-gazetteer.py)");
    gazetteer
        .add_demonyms(EMBEDDED_DEMONYMS)
        .expect("the embedded demonyms are valid");
    gazetteer
});

/// One gazetteer entry.
#[derive(Debug, Clone, PartialEq)]
pub struct GazetteerEntry {
    /// GeoNames id (≥ 900000000 for Vigie's own supplement).
    pub geonameid: u64,
    /// Preferred name.
    pub name: String,
    /// GeoNames feature class (`A` divisions, `P` populated places, …).
    pub feature_class: char,
    /// GeoNames feature code (`PCLI`, `ADM1`, `PPLC`, …).
    pub feature_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// GeoNames first-level division code within the country.
    pub admin1_code: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Population (0 when unknown).
    pub population: u64,
}

impl GazetteerEntry {
    /// True for countries and other independent political entities.
    pub fn is_country(&self) -> bool {
        self.feature_code.starts_with("PCL")
    }
}

/// Entries indexed by the keys of their names and aliases.
#[derive(Debug, Default)]
pub struct Gazetteer {
    entries: Vec<GazetteerEntry>,
    by_key: HashMap<String, Vec<u32>>,
    admin1_names: HashMap<(String, String), String>,
    by_id: HashMap<u64, u32>,
    demonyms: HashMap<String, Demonym>,
    longest_key_words: usize,
}

/// A demonym or adjective of a place ("irakienne", "Iraqi").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demonym {
    /// Language of the word.
    pub language: Language,
    /// Index of the place entry.
    entry: u32,
}

/// A gazetteer file that could not be read.
#[derive(Debug)]
pub struct GazetteerError(pub String);

impl std::fmt::Display for GazetteerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "gazetteer: {}", self.0)
    }
}

impl std::error::Error for GazetteerError {}

impl Gazetteer {
    /// The gazetteer embedded in the binary, loaded on first use.
    pub fn embedded() -> &'static Gazetteer {
        &DEFAULT
    }

    /// Reads a gzip-compressed TSV in the format of `data/gazetteer/README.md`.
    pub fn from_tsv_gz(bytes: &[u8]) -> Result<Self, GazetteerError> {
        let mut text = String::new();
        GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .map_err(|e| GazetteerError(format!("cannot decompress: {e}")))?;
        Self::from_tsv(&text)
    }

    /// Reads the TSV format of `data/gazetteer/README.md` (header line first).
    pub fn from_tsv(text: &str) -> Result<Self, GazetteerError> {
        let mut gazetteer = Gazetteer::default();
        for (number, fields) in vigie_core::tsv::rows(text) {
            if fields.len() < 10 {
                return Err(GazetteerError(format!(
                    "line {}: {} fields, expected 10",
                    number,
                    fields.len()
                )));
            }
            if fields[6].is_empty() || fields[7].is_empty() {
                // Divisions without any located town: nothing to pin on a map.
                continue;
            }
            let parse_err = |what: &str| GazetteerError(format!("line {}: bad {what}", number));
            let entry = GazetteerEntry {
                geonameid: fields[0].parse().map_err(|_| parse_err("geonameid"))?,
                name: fields[1].to_owned(),
                feature_class: fields[2].chars().next().unwrap_or('?'),
                feature_code: fields[3].to_owned(),
                country_code: fields[4].to_owned(),
                admin1_code: fields[5].to_owned(),
                lat: fields[6].parse().map_err(|_| parse_err("latitude"))?,
                lon: fields[7].parse().map_err(|_| parse_err("longitude"))?,
                population: fields[8].parse().unwrap_or(0),
            };
            let index = gazetteer.entries.len() as u32;
            let names = std::iter::once(fields[1]).chain(fields[9].split('|'));
            for name in names {
                gazetteer.add_key(name_key(name), index);
            }
            if entry.feature_code == "ADM1" {
                gazetteer.admin1_names.insert(
                    (entry.country_code.clone(), entry.admin1_code.clone()),
                    entry.name.clone(),
                );
            }
            gazetteer.by_id.insert(entry.geonameid, index);
            gazetteer.entries.push(entry);
        }
        gazetteer.fill_division_populations();
        Ok(gazetteer)
    }

    /// Gives first-level divisions without a population the sum of their towns', so
    /// that "Georgia" the state weighs against "Georgia" the country.
    fn fill_division_populations(&mut self) {
        let mut totals: HashMap<(String, String), u64> = HashMap::new();
        for entry in self.entries.iter().filter(|e| e.feature_class == 'P') {
            *totals
                .entry((entry.country_code.clone(), entry.admin1_code.clone()))
                .or_default() += entry.population;
        }
        for entry in self
            .entries
            .iter_mut()
            .filter(|e| e.feature_code == "ADM1" && e.population == 0)
        {
            entry.population = totals
                .get(&(entry.country_code.clone(), entry.admin1_code.clone()))
                .copied()
                .unwrap_or(0);
        }
    }

    /// Adds demonyms from `demonym<TAB>lang<TAB>geonameid<TAB>note` rows
    /// (`data/gazetteer/demonyms.tsv`); every geonameid must be in the gazetteer.
    pub fn add_demonyms(&mut self, text: &str) -> Result<(), GazetteerError> {
        for (number, fields) in vigie_core::tsv::rows(text) {
            let bad = |what: &str| GazetteerError(format!("demonyms line {number}: {what}"));
            let (Some(word), Some(lang), Some(id)) = (fields.first(), fields.get(1), fields.get(2))
            else {
                return Err(bad("expected demonym, lang, geonameid"));
            };
            let language = match *lang {
                "fr" => Language::Fr,
                "en" => Language::En,
                _ => return Err(bad("language must be fr or en")),
            };
            let id: u64 = id.parse().map_err(|_| bad("bad geonameid"))?;
            let entry = *self
                .by_id
                .get(&id)
                .ok_or_else(|| bad("geonameid not in the gazetteer"))?;
            self.demonyms
                .insert(fold_text(word), Demonym { language, entry });
        }
        Ok(())
    }

    /// The entry a demonym (folded) refers to, if `word` is a demonym in `language`
    /// (any language when `None`).
    pub fn demonym(
        &self,
        folded_word: &str,
        language: Option<Language>,
    ) -> Option<&GazetteerEntry> {
        self.demonyms
            .get(folded_word)
            .filter(|d| language.is_none_or(|l| l == d.language))
            .map(|d| &self.entries[d.entry as usize])
    }

    /// Number of words in the longest demonym.
    pub fn longest_demonym_words(&self) -> usize {
        self.demonyms
            .keys()
            .map(|k| k.split(' ').count())
            .max()
            .unwrap_or(0)
    }

    fn add_key(&mut self, key: String, index: u32) {
        if key.is_empty() {
            return;
        }
        self.longest_key_words = self.longest_key_words.max(key.split(' ').count());
        let list = self.by_key.entry(key).or_default();
        if !list.contains(&index) {
            list.push(index);
        }
    }

    /// Entries whose name or an alias has this key (see [`crate::name_key`]).
    pub fn lookup(&self, key: &str) -> impl Iterator<Item = &GazetteerEntry> {
        self.by_key
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i as usize])
    }

    /// True when some name has this key.
    pub fn contains_key(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// Number of words in the longest name key.
    pub fn longest_key_words(&self) -> usize {
        self.longest_key_words
    }

    /// Name of the first-level division `admin1_code` of `country_code`.
    pub fn admin1_name(&self, country_code: &str, admin1_code: &str) -> Option<&str> {
        self.admin1_names
            .get(&(country_code.to_owned(), admin1_code.to_owned()))
            .map(String::as_str)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the gazetteer has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = "geonameid\tname\tfeature_class\tfeature_code\tcountry_code\tadmin1_code\tlat\tlon\tpopulation\talternate_names
99237\tIraq\tA\tPCLI\tIQ\t00\t33.0\t44.0\t38000000\tIrak|Iraq|Republic of Iraq
163843\tSyria\tA\tPCLI\tSY\t00\t35.0\t38.0\t22000000\tSyrie|Syria
99592\tAnbar\tA\tADM1\tIQ\t01\t33.0\t42.0\t1500000\tAl Anbar|al-Anbar|Anbar Governorate
4140963\tWashington\tP\tPPLC\tUS\t11\t38.895\t-77.036\t689545\tWashington DC
5815135\tWashington\tA\tADM1\tUS\tWA\t47.5\t-120.5\t7000000\tWashington State
2972315\tToulouse\tP\tPPLA\tFR\t76\t43.60\t1.44\t433055\tTolosa
";

    #[test]
    fn indexes_names_and_aliases() {
        let gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        assert_eq!(gazetteer.len(), 6);
        let anbar: Vec<u64> = gazetteer
            .lookup(&name_key("al-Anbar"))
            .map(|e| e.geonameid)
            .collect();
        assert_eq!(anbar, [99592]);
        assert_eq!(gazetteer.lookup("washington").count(), 2);
        assert_eq!(gazetteer.admin1_name("IQ", "01"), Some("Anbar"));
    }

    #[test]
    fn reports_bad_lines() {
        let err = Gazetteer::from_tsv("header\n1\tx\n").unwrap_err();
        assert!(err.to_string().contains("line 2"));
    }
}
