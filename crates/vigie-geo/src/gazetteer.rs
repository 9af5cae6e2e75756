//! The gazetteer: GeoNames entries with their names and aliases, indexed by name key.
//!
//! The default gazetteer is built by `scripts/build-gazetteer.py` from pinned registry
//! packages and embedded in the binary (`data/gazetteer/places.tsv.gz`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use flate2::read::GzDecoder;
use rustc_hash::{FxHashMap, FxHashSet};
use vigie_core::{Language, Place, PlaceKind, Span, fold_text};

use crate::index::NameIndex;
use crate::name_key::name_key;

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

    /// A mention of this entry: `text` at `span`, of `kind`, with `confidence`; no
    /// first-level division (callers that know it set `admin1`).
    pub fn place(&self, text: &str, span: Span, kind: PlaceKind, confidence: f32) -> Place {
        Place {
            text: text.to_owned(),
            span,
            geonameid: self.geonameid,
            name: self.name.clone(),
            lat: self.lat,
            lon: self.lon,
            country_code: self.country_code.clone(),
            feature_code: self.feature_code.clone(),
            admin1: None,
            confidence,
            kind,
        }
    }
}

/// Entries indexed by the keys of their names and aliases.
#[derive(Debug, Default)]
pub struct Gazetteer {
    entries: Vec<GazetteerEntry>,
    index: NameIndex,
    admin1_names: HashMap<(String, String), String>,
    by_id: HashMap<u64, u32>,
    demonyms: FxHashMap<String, Vec<Demonym>>,
    longest_demonym_words: usize,
    demonym_first_words: FxHashSet<String>,
}

/// A demonym or adjective of a place ("irakienne", "Iraqi").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demonym {
    /// Language of the word.
    pub language: Language,
    /// Index of the place entry.
    entry: u32,
}

/// First bytes of the binary form.
const BINARY_MAGIC: &[u8] = b"VIGIE-GAZ1";

/// Reads entries from the binary form.
struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let slice = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(slice)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn string(&mut self) -> Option<String> {
        let len = u16::from_le_bytes(self.take(2)?.try_into().ok()?) as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }

    fn entry(&mut self) -> Option<GazetteerEntry> {
        let (geonameid, lat, lon, population) =
            (self.u64()?, self.f64()?, self.f64()?, self.u64()?);
        let feature_class = char::from(*self.take(1)?.first()?);
        Some(GazetteerEntry {
            geonameid,
            lat,
            lon,
            population,
            feature_class,
            name: self.string()?,
            feature_code: self.string()?,
            country_code: self.string()?,
            admin1_code: self.string()?,
        })
    }
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
        let mut keys: Vec<(String, u32)> = Vec::new();
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
            keys.extend(names.map(|name| (name_key(name), index)));
            gazetteer.entries.push(entry);
        }
        gazetteer.index = NameIndex::build(keys);
        gazetteer.fill_division_populations();
        gazetteer.index_entries();
        Ok(gazetteer)
    }

    /// Fills the lookups derived from the entries (ids, first-level division names).
    fn index_entries(&mut self) {
        for (index, entry) in self.entries.iter().enumerate() {
            self.by_id.insert(entry.geonameid, index as u32);
            if entry.feature_code == "ADM1" {
                self.admin1_names.insert(
                    (entry.country_code.clone(), entry.admin1_code.clone()),
                    entry.name.clone(),
                );
            }
        }
    }

    /// The compact binary form read by [`Gazetteer::from_binary`]: the entries, then the
    /// name index as an `fst` map and its postings.
    pub fn to_binary(&self) -> Vec<u8> {
        let mut entries = Vec::new();
        for entry in &self.entries {
            entries.extend_from_slice(&entry.geonameid.to_le_bytes());
            entries.extend_from_slice(&entry.lat.to_le_bytes());
            entries.extend_from_slice(&entry.lon.to_le_bytes());
            entries.extend_from_slice(&entry.population.to_le_bytes());
            entries.push(entry.feature_class as u8);
            for field in [
                &entry.name,
                &entry.feature_code,
                &entry.country_code,
                &entry.admin1_code,
            ] {
                entries.extend_from_slice(&(field.len() as u16).to_le_bytes());
                entries.extend_from_slice(field.as_bytes());
            }
        }
        let (map, postings, longest_words) = self.index.parts();
        let mut bytes = BINARY_MAGIC.to_vec();
        for length in [
            self.entries.len(),
            entries.len(),
            map.len(),
            postings.len(),
            longest_words,
        ] {
            bytes.extend_from_slice(&(length as u64).to_le_bytes());
        }
        bytes.extend_from_slice(&entries);
        bytes.extend_from_slice(map);
        bytes.extend_from_slice(postings);
        bytes
    }

    /// Reads the binary form written by [`Gazetteer::to_binary`]; the name index is used
    /// in place, without parsing.
    pub fn from_binary(bytes: &'static [u8]) -> Result<Self, GazetteerError> {
        let bad = |what: &str| GazetteerError(format!("binary gazetteer: {what}"));
        let header_len = BINARY_MAGIC.len() + 5 * 8;
        if bytes.len() < header_len || !bytes.starts_with(BINARY_MAGIC) {
            return Err(bad("not a Vigie gazetteer"));
        }
        let number = |i: usize| {
            let at = BINARY_MAGIC.len() + i * 8;
            u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes")) as usize
        };
        let (count, entries_len, map_len, postings_len, longest_words) =
            (number(0), number(1), number(2), number(3), number(4));
        let entries_end = header_len + entries_len;
        let map_end = entries_end + map_len;
        if bytes.len() != map_end + postings_len {
            return Err(bad("truncated"));
        }
        let mut gazetteer = Gazetteer {
            index: NameIndex::from_parts(
                Cow::Borrowed(&bytes[entries_end..map_end]),
                Cow::Borrowed(&bytes[map_end..]),
                longest_words,
            )
            .map_err(|e| bad(&e))?,
            ..Gazetteer::default()
        };
        let mut reader = Reader {
            bytes: &bytes[header_len..entries_end],
            at: 0,
        };
        gazetteer.entries.reserve(count);
        for _ in 0..count {
            let entry = reader.entry().ok_or_else(|| bad("truncated entry"))?;
            gazetteer.entries.push(entry);
        }
        gazetteer.index_entries();
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
    /// (`data/gazetteer/demonyms.tsv`). Returns how many rows name a place this
    /// gazetteer lacks (they are skipped).
    pub fn add_demonyms(&mut self, text: &str) -> Result<usize, GazetteerError> {
        let mut skipped = 0;
        for (number, fields) in vigie_core::tsv::rows(text) {
            let bad = |what: &str| GazetteerError(format!("demonyms line {number}: {what}"));
            let (Some(word), Some(lang), Some(id)) = (fields.first(), fields.get(1), fields.get(2))
            else {
                return Err(bad("expected demonym, lang, geonameid"));
            };
            let language =
                Language::from_code(lang).ok_or_else(|| bad("language must be fr or en"))?;
            let id: u64 = id.parse().map_err(|_| bad("bad geonameid"))?;
            match self.by_id.get(&id) {
                Some(&entry) => {
                    let folded = fold_text(word);
                    self.longest_demonym_words =
                        self.longest_demonym_words.max(folded.split(' ').count());
                    let first_word = folded.split(' ').next().unwrap_or_default();
                    self.demonym_first_words.insert(first_word.to_owned());
                    let forms = self.demonyms.entry(folded).or_default();
                    if !forms.iter().any(|d| d.language == language) {
                        forms.push(Demonym { language, entry });
                    }
                }
                None => skipped += 1,
            }
        }
        Ok(skipped)
    }

    /// The entry a demonym (folded) refers to, if `word` is a demonym in `language`
    /// (any language when `None`).
    pub fn demonym(
        &self,
        folded_word: &str,
        language: Option<Language>,
    ) -> Option<&GazetteerEntry> {
        self.demonyms
            .get(folded_word)?
            .iter()
            .find(|d| language.is_none_or(|l| l == d.language))
            .map(|d| &self.entries[d.entry as usize])
    }

    /// True when some demonym starts with this folded word.
    pub fn starts_demonym(&self, folded_word: &str) -> bool {
        self.demonym_first_words.contains(folded_word)
    }

    /// Number of words in the longest demonym.
    pub fn longest_demonym_words(&self) -> usize {
        self.longest_demonym_words
    }

    /// Entries whose name or an alias has this key (see [`crate::name_key`]).
    pub fn lookup(&self, key: &str) -> impl Iterator<Item = &GazetteerEntry> {
        self.index.get(key).map(|i| &self.entries[i as usize])
    }

    /// True when some name has this key.
    pub fn contains_key(&self, key: &str) -> bool {
        self.index.contains(key)
    }

    /// True when some name key starts with `prefix`.
    pub fn has_key_prefix(&self, prefix: &str) -> bool {
        self.index.has_prefix(prefix)
    }

    /// Number of words in the longest name key.
    pub fn longest_key_words(&self) -> usize {
        self.index.longest_words()
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
