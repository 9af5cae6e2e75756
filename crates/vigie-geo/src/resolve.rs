//! Toponym resolution: one gazetteer entry per mention, chosen by feature type and
//! population, then by the document's context — the countries and first-level divisions
//! the other mentions point to, and their proximity.

use vigie_core::{EARTH_RADIUS_KM, Place, PlaceKind, haversine_km};

use crate::gazetteer::{Gazetteer, GazetteerEntry};
use crate::recognize::Mention;

/// Score of an entry before context: feature type, then population.
pub(crate) fn prior(entry: &GazetteerEntry) -> f64 {
    let feature = match entry.feature_code.as_str() {
        code if code.starts_with("PCL") => 12.0,
        "ADM1" => 8.0,
        "PPLC" => 9.0,
        "PPLA" => 4.0,
        "ADM2" | "PPLA2" => 2.5,
        "CONT" => 10.0,
        _ if entry.feature_class == 'P' => 1.0,
        // Regions, oceans and seas ("EU", "Atlantic", "Middle East") outrank the small
        // towns that share their names.
        _ if matches!(entry.feature_class, 'L' | 'H') => 7.0,
        _ => 3.0,
    };
    feature + 0.6 * (entry.population as f64 + 1.0).log10()
}

/// Bonus for an entry in a country that other mentions of the document point to, plus
/// a share per further mention (up to four) so the dominant country wins ties.
fn country_bonus(other_mentions: usize) -> f64 {
    if other_mentions == 0 {
        0.0
    } else {
        4.5 + 1.5 * other_mentions.min(4) as f64
    }
}

/// Bonus for an entry inside a first-level division that other mentions point to.
const ADMIN1_BONUS: f64 = 4.0;

/// Bonus for an entry near another resolved place (km, bonus).
const PROXIMITY: [(f64, f64); 2] = [(100.0, 3.0), (400.0, 1.5)];

/// Confidence of a small town in a country the document does not otherwise mention.
pub const STRAY_CONFIDENCE: f32 = 0.1;

/// Number of resolution passes (the first by prior alone).
const PASSES: usize = 3;

/// Populated places smaller than this get [`STRAY_CONFIDENCE`] when they fall outside
/// the document's countries.
const SMALL_PLACE: u64 = 50_000;

/// What the other mentions of a document say about where it is. Mentions are grouped
/// by name: repeated mentions of "Georgia" do not vote for each other's reading.
struct Context<'g> {
    /// (name group, country) of every current choice and of countries given otherwise.
    countries: Vec<(usize, &'g str)>,
    /// (name group, country, admin1) of current choices below country level.
    admin1: Vec<(usize, &'g str, &'g str)>,
    /// (name group, lat, lon) of current choices that are towns or districts.
    points: Vec<(usize, f64, f64)>,
}

impl<'g> Context<'g> {
    fn new(
        groups: &[usize],
        choices: &[Option<&'g GazetteerEntry>],
        countries: &'g [String],
    ) -> Self {
        let mut context = Context {
            countries: countries
                .iter()
                .enumerate()
                .map(|(i, c)| (usize::MAX - i, c.as_str()))
                .collect(),
            admin1: Vec::new(),
            points: Vec::new(),
        };
        for (&group, entry) in groups.iter().zip(choices) {
            let Some(entry) = entry else { continue };
            context.countries.push((group, entry.country_code.as_str()));
            if !entry.is_country() && !entry.admin1_code.is_empty() {
                context.admin1.push((
                    group,
                    entry.country_code.as_str(),
                    entry.admin1_code.as_str(),
                ));
            }
            if entry.feature_class == 'P' || entry.feature_code == "ADM2" {
                context.points.push((group, entry.lat, entry.lon));
            }
        }
        context
    }

    /// Mentions outside `group` that point to `country`.
    fn votes(&self, group: usize, country: &str) -> usize {
        self.countries
            .iter()
            .filter(|&&(g, c)| g != group && c == country)
            .count()
    }

    /// Score of `entry` for a mention of name group `group`.
    fn score(&self, group: usize, entry: &GazetteerEntry) -> f64 {
        let mut score = prior(entry) + country_bonus(self.votes(group, &entry.country_code));
        if !entry.is_country()
            && self.admin1.iter().any(|&(g, cc, a1)| {
                g != group && cc == entry.country_code && a1 == entry.admin1_code
            })
        {
            score += ADMIN1_BONUS;
        }
        if entry.feature_class == 'P' || entry.feature_code == "ADM2" {
            // Points further apart in latitude alone than the widest bonus reaches
            // cannot earn it: skip the trigonometry.
            let reach = PROXIMITY[PROXIMITY.len() - 1].0 + 1.0;
            let nearest = self
                .points
                .iter()
                .filter(|&&(g, lat, _)| {
                    g != group && (lat - entry.lat).abs().to_radians() * EARTH_RADIUS_KM <= reach
                })
                .map(|&(_, lat, lon)| haversine_km((lat, lon), (entry.lat, entry.lon)))
                .fold(f64::INFINITY, f64::min);
            score += PROXIMITY
                .iter()
                .find(|(km, _)| nearest <= *km)
                .map_or(0.0, |(_, bonus)| *bonus);
        }
        score
    }
}

/// The candidate with the highest score, each scored once.
fn best<'g>(
    entries: &[&'g GazetteerEntry],
    score: impl Fn(&GazetteerEntry) -> f64,
) -> Option<&'g GazetteerEntry> {
    entries
        .iter()
        .map(|e| (score(e), *e))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, e)| e)
}

/// Resolves every mention to its best entry in two passes: by prior, then with the
/// context the first-pass choices of the other mentions give.
pub fn resolve(mentions: &[Mention], gazetteer: &Gazetteer) -> Vec<Place> {
    resolve_in_context(mentions, gazetteer, &[])
}

/// [`resolve`], with countries the document points to otherwise (by demonyms, say)
/// counted as context.
pub fn resolve_in_context(
    mentions: &[Mention],
    gazetteer: &Gazetteer,
    countries: &[String],
) -> Vec<Place> {
    let groups: Vec<usize> = mentions
        .iter()
        .map(|m| {
            mentions
                .iter()
                .position(|other| other.key == m.key)
                .unwrap_or(0)
        })
        .collect();
    let candidates: Vec<Vec<&GazetteerEntry>> = mentions
        .iter()
        .map(|m| gazetteer.lookup(&m.key).collect())
        .collect();
    let mut choices: Vec<Option<&GazetteerEntry>> =
        candidates.iter().map(|c| best(c, prior)).collect();
    // Each pass re-scores every mention in the context of the others' current choices,
    // so a run of local places can overturn famous homonyms chosen by the prior alone.
    // Mentions of one name share their candidates and context: each group is scored once,
    // at its first mention.
    for _ in 1..PASSES {
        let context = Context::new(&groups, &choices, countries);
        let by_group: Vec<Option<&GazetteerEntry>> = candidates
            .iter()
            .zip(&groups)
            .enumerate()
            .map(|(index, (entries, &group))| {
                (index == group)
                    .then(|| best(entries, |e| context.score(group, e)))
                    .flatten()
            })
            .collect();
        choices = groups.iter().map(|&group| by_group[group]).collect();
    }
    let context = Context::new(&groups, &choices, countries);
    let located = context.countries.len() >= 3;
    let ranked: Vec<Vec<(f64, &GazetteerEntry)>> = candidates
        .iter()
        .zip(&groups)
        .enumerate()
        .map(|(index, (entries, &group))| {
            let mut scored: Vec<(f64, &GazetteerEntry)> = if index == group {
                entries
                    .iter()
                    .map(|e| (context.score(group, e), *e))
                    .collect()
            } else {
                Vec::new()
            };
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored
        })
        .collect();
    mentions
        .iter()
        .zip(&groups)
        .filter_map(|(mention, &group)| {
            let scored = &ranked[group];
            let (best_score, best) = *scored.first()?;
            // A small town in a country the article never otherwise mentions is more
            // likely a homonym of something the gazetteer lacks ("Obama", Japan) than a
            // real reference: it keeps the lowest confidence.
            let stray = located
                && context.votes(group, &best.country_code) == 0
                && best.feature_class == 'P'
                && best.population < SMALL_PLACE;
            let margin = scored
                .get(1)
                .map_or(f64::INFINITY, |(second, _)| best_score - second);
            let confidence = if stray {
                STRAY_CONFIDENCE
            } else {
                (1.0 - (-margin / 3.0).exp()).clamp(0.3, 0.99) as f32
            };
            Some(Place {
                admin1: if best.is_country() {
                    None
                } else {
                    gazetteer
                        .admin1_name(&best.country_code, &best.admin1_code)
                        .map(str::to_owned)
                },
                ..best.place(&mention.text, mention.span, PlaceKind::Toponym, confidence)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::SAMPLE;
    use crate::recognize::{Mention, find_toponyms, prepare_tokens};
    use vigie_core::tokenize;

    fn toponyms(text: &str, gazetteer: &Gazetteer) -> Vec<Mention> {
        find_toponyms(
            text,
            &prepare_tokens(text, &tokenize(text), gazetteer),
            gazetteer,
        )
    }

    #[test]
    fn context_picks_the_right_washington() {
        let gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        let text = "Des combats à al-Anbar. Washington a réagi.";
        let places = resolve(&toponyms(text, &gazetteer), &gazetteer);
        assert_eq!(places.len(), 2);
        assert_eq!(places[0].geonameid, 99592);
        assert_eq!(places[0].admin1.as_deref(), Some("Anbar"));
        assert_eq!(
            places[1].geonameid, 4140963,
            "the capital outranks the state by feature and population"
        );
    }

    #[test]
    fn a_mentioned_state_picks_its_town() {
        let gazetteer = Gazetteer::from_tsv(
            "geonameid\tname\tfeature_class\tfeature_code\tcountry_code\tadmin1_code\tlat\tlon\tpopulation\talternate_names
2988507\tParis\tP\tPPLC\tFR\t11\t48.85\t2.35\t2138551\t
4717560\tParis\tP\tPPL\tUS\tTX\t33.66\t-95.56\t24782\t
4736286\tTexas\tA\tADM1\tUS\tTX\t31.25\t-99.25\t22875689\tTex.
",
        )
        .unwrap();
        let places = resolve(
            &toponyms("The fire in Paris, Tex., spread.", &gazetteer),
            &gazetteer,
        );
        assert_eq!(places[0].geonameid, 4717560);
        let places = resolve(
            &toponyms("The fire in Paris spread.", &gazetteer),
            &gazetteer,
        );
        assert_eq!(places[0].geonameid, 2988507);
    }
}
