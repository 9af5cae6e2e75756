//! Toponym resolution: one gazetteer entry per mention, chosen by feature type,
//! population and the countries the rest of the document points to.

use std::collections::HashMap;

use vigie_core::Place;

use crate::gazetteer::{Gazetteer, GazetteerEntry};
use crate::recognize::Mention;

/// Score of an entry before context: feature type, then population.
fn prior(entry: &GazetteerEntry) -> f64 {
    let feature = match entry.feature_code.as_str() {
        code if code.starts_with("PCL") => 12.0,
        "ADM1" => 8.0,
        "PPLC" => 9.0,
        "ADM2" => 5.0,
        "PPLA" => 4.0,
        "PPLA2" => 3.0,
        _ if entry.feature_class == 'P' => 1.0,
        _ => 3.0,
    };
    feature + 0.6 * (entry.population as f64 + 1.0).log10()
}

/// Bonus for an entry in a country that other mentions of the document point to, plus
/// a share per further mention (up to four) so the dominant country wins ties.
fn context_bonus(other_mentions: usize) -> f64 {
    if other_mentions == 0 {
        0.0
    } else {
        4.5 + 1.5 * other_mentions.min(4) as f64
    }
}

/// Populated places smaller than this are dropped when they fall outside the document's
/// countries.
const SMALL_PLACE: u64 = 5000;

/// Resolves every mention to its best entry.
pub fn resolve(mentions: &[Mention], gazetteer: &Gazetteer) -> Vec<Place> {
    let best_by_prior: Vec<Option<&GazetteerEntry>> = mentions
        .iter()
        .map(|m| {
            gazetteer
                .lookup(&m.key)
                .max_by(|a, b| prior(a).total_cmp(&prior(b)))
        })
        .collect();
    let mut country_votes: HashMap<&str, usize> = HashMap::new();
    for entry in best_by_prior.iter().flatten() {
        *country_votes
            .entry(entry.country_code.as_str())
            .or_default() += 1;
    }
    mentions
        .iter()
        .zip(&best_by_prior)
        .filter_map(|(mention, own_best)| {
            let own_country = own_best.map(|e| e.country_code.as_str());
            let score = |entry: &GazetteerEntry| {
                let votes = country_votes
                    .get(entry.country_code.as_str())
                    .copied()
                    .unwrap_or(0);
                let others = votes - usize::from(own_country == Some(entry.country_code.as_str()));
                prior(entry) + context_bonus(others)
            };
            let mut scored: Vec<(f64, &GazetteerEntry)> = gazetteer
                .lookup(&mention.key)
                .map(|e| (score(e), e))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            let (best_score, best) = *scored.first()?;
            let in_context = country_votes
                .get(best.country_code.as_str())
                .copied()
                .unwrap_or(0)
                > usize::from(own_country == Some(best.country_code.as_str()));
            let context_elsewhere = country_votes.values().sum::<usize>() >= 3;
            if !in_context
                && context_elsewhere
                && best.feature_class == 'P'
                && best.population < SMALL_PLACE
            {
                // A hamlet in a country the article never mentions: more likely a
                // homonym of a place the gazetteer lacks than a real reference.
                return None;
            }
            let margin = scored
                .get(1)
                .map_or(f64::INFINITY, |(second, _)| best_score - second);
            let confidence = (1.0 - (-margin / 3.0).exp()).clamp(0.3, 0.99) as f32;
            Some(Place {
                text: mention.text.clone(),
                span: mention.span,
                geonameid: best.geonameid,
                name: best.name.clone(),
                lat: best.lat,
                lon: best.lon,
                country_code: best.country_code.clone(),
                feature_code: best.feature_code.clone(),
                admin1: if best.is_country() {
                    None
                } else {
                    gazetteer
                        .admin1_name(&best.country_code, &best.admin1_code)
                        .map(str::to_owned)
                },
                confidence,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::SAMPLE;
    use crate::recognize::find_toponyms;

    #[test]
    fn context_picks_the_right_washington() {
        let gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        let text = "Des combats à al-Anbar. Washington a réagi.";
        let places = resolve(&find_toponyms(text, &gazetteer), &gazetteer);
        assert_eq!(places.len(), 2);
        assert_eq!(places[0].geonameid, 99592);
        assert_eq!(places[0].admin1.as_deref(), Some("Anbar"));
        assert_eq!(
            places[1].geonameid, 4140963,
            "the capital outranks the state by feature and population"
        );
    }
}
