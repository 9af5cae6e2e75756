//! Geoparsing against LGL, TR-News (`gaztag`) and GeoWebNews (`latitude`/`longitude`)
//! gold XML.
//!
//! Matching rule (as on the EUPEG platform): a predicted toponym matches a gold one when
//! the surface strings are equal and the span centres are within 10 characters. Distance
//! error is the haversine distance in km; Acc@161 is the share of resolved toponyms
//! within 161 km; AUC is the mean of ln(1 + error) / ln(20039) (lower is better).
//! GeoWebNews annotations without coordinates (expressions, non-toponyms, languages,
//! homonyms) are not gold toponyms; in LGL and TR-News every annotated toponym is, and
//! those without a gazetteer tag count for recognition only.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use vigie_core::{Document, PreparedText, Span};
use vigie_entities::ActorDictionary;
use vigie_geo::{Gazetteer, haversine_km};

use crate::metrics::Counts;

/// Half the circumference of the Earth in km: the largest possible error.
pub const MAX_ERROR_KM: f64 = 20039.0;

/// One gold toponym.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldToponym {
    /// Surface text.
    pub phrase: String,
    /// Code-point span in the article text.
    pub span: Span,
    /// GeoNames id, when annotated.
    pub geonameid: Option<u64>,
    /// Coordinates, when annotated.
    pub coordinates: Option<(f64, f64)>,
}

/// One gold article.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldArticle {
    /// Article id.
    pub id: String,
    /// Article text (offsets point into it).
    pub text: String,
    /// Its toponyms.
    pub toponyms: Vec<GoldToponym>,
}

/// Reads a gold file in any of the supported formats.
pub fn read_gold(path: &Path) -> Result<Vec<GoldArticle>, String> {
    let xml = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_gold(&xml).map_err(|e| format!("{}: {e}", path.display()))
}

fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.has_tag_name(name))
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Parses gold XML (`<articles><article>…<text>…<toponyms><toponym>…`).
pub fn parse_gold(xml: &str) -> Result<Vec<GoldArticle>, String> {
    let document = roxmltree::Document::parse(xml).map_err(|e| format!("invalid XML: {e}"))?;
    let mut articles = Vec::new();
    for (index, article) in document
        .descendants()
        .filter(|n| n.has_tag_name("article"))
        .enumerate()
    {
        let id = article
            .attribute("docid")
            .or_else(|| article.attribute("file"))
            .map_or_else(|| index.to_string(), str::to_owned);
        let text = article
            .children()
            .find(|c| c.has_tag_name("text"))
            .map(|t| t.children().filter_map(|c| c.text()).collect::<String>())
            .unwrap_or_default();
        let mut toponyms = Vec::new();
        for toponym in article.descendants().filter(|n| n.has_tag_name("toponym")) {
            let number =
                |name: &str| child_text(toponym, name).and_then(|v| v.parse::<usize>().ok());
            let (Some(start), Some(end)) = (number("start"), number("end")) else {
                continue;
            };
            let phrase = child_text(toponym, "phrase")
                .or_else(|| child_text(toponym, "extractedName"))
                .unwrap_or_default();
            let gaztag = toponym.children().find(|c| c.has_tag_name("gaztag"));
            let (geonameid, coordinates) = match gaztag {
                Some(tag) => {
                    let id = tag.attribute("geonameid").and_then(|v| v.parse().ok());
                    let lat = child_text(tag, "lat").and_then(|v| v.parse().ok());
                    let lon = child_text(tag, "lon").and_then(|v| v.parse().ok());
                    (id, lat.zip(lon))
                }
                None => {
                    let id = child_text(toponym, "geonamesID").and_then(|v| v.parse().ok());
                    let lat = child_text(toponym, "latitude").and_then(|v| v.parse().ok());
                    let lon = child_text(toponym, "longitude").and_then(|v| v.parse().ok());
                    let geowebnews = child_text(toponym, "extractedName").is_some();
                    if geowebnews && lat.is_none() {
                        continue; // GeoWebNews: expressions and non-toponyms have no coordinates
                    }
                    (id, lat.zip(lon))
                }
            };
            toponyms.push(GoldToponym {
                phrase: phrase.to_owned(),
                span: Span::new(start, end),
                geonameid,
                coordinates,
            });
        }
        articles.push(GoldArticle { id, text, toponyms });
    }
    Ok(articles)
}

/// One prediction, as written by `--predictions-out`.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    /// Article id.
    pub article: String,
    /// Predicted surface text.
    pub text: String,
    /// Predicted span.
    pub span: Span,
    /// Predicted GeoNames id (null when the gazetteer has no entry).
    pub geonameid: Option<u64>,
    /// Predicted latitude.
    pub lat: Option<f64>,
    /// Predicted longitude.
    pub lon: Option<f64>,
    /// Predicted gazetteer name.
    pub name: Option<String>,
    /// The matched gold toponym's GeoNames id.
    pub gold_geonameid: Option<u64>,
    /// The matched gold toponym's coordinates.
    pub gold_coordinates: Option<(f64, f64)>,
    /// Whether a gold toponym matched.
    pub matched: bool,
    /// Distance error in km, when both sides have coordinates.
    pub error_km: Option<f64>,
}

/// Geoparsing scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeoScores {
    /// Recognition: predictions matching a gold toponym, predictions, gold toponyms.
    pub recognition: Counts,
    /// Matched toponyms whose gold has coordinates (the base of the distance metrics).
    pub resolvable: usize,
    /// Share of resolvable toponyms within 161 km.
    pub acc161: f64,
    /// Mean of ln(1 + error) / ln(20039).
    pub auc: f64,
    /// Mean error in km.
    pub mean_error_km: f64,
    /// Median error in km.
    pub median_error_km: f64,
    /// Share of toponyms with a gold GeoNames id resolved to exactly that id.
    pub exact_id: f64,
    /// Time spent per article in every stage run (language and entities included).
    pub elapsed: Duration,
    /// Time spent in the geo stage alone (recognition and resolution).
    pub geo_elapsed: Duration,
    /// Articles processed.
    pub articles: usize,
}

/// Whether recognition is evaluated or gold toponyms are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoMode {
    /// Recognise and resolve (end to end).
    EndToEnd,
    /// Resolve the gold toponyms only.
    GivenToponyms,
}

fn centre(span: Span) -> f64 {
    (span.start + span.end) as f64 / 2.0
}

/// Runs the geo stage over every gold article and scores it.
pub fn evaluate(
    articles: &[GoldArticle],
    gazetteer: &Gazetteer,
    actors: &ActorDictionary,
    mode: GeoMode,
    mut predictions_out: Option<&mut dyn Write>,
) -> Result<GeoScores, String> {
    let mut scores = GeoScores::default();
    let mut errors: Vec<f64> = Vec::new();
    let (mut with_id, mut exact) = (0usize, 0usize);
    let mut elapsed = Duration::ZERO;
    let mut geo_elapsed = Duration::ZERO;
    for article in articles {
        let gold: Vec<&GoldToponym> = article.toponyms.iter().collect();
        let clock = Instant::now();
        let places = match mode {
            GeoMode::EndToEnd => {
                let mut doc = Document::new(article.id.clone(), article.text.clone());
                vigie_lang::analyze(
                    &mut doc,
                    vigie_lang::LanguageChoice::Fixed(vigie_core::Language::En),
                );
                let prepared = PreparedText::new(&doc.text);
                vigie_entities::analyze(&mut doc, &prepared, actors);
                let geo_clock = Instant::now();
                vigie_geo::analyze(&mut doc, &prepared, gazetteer);
                geo_elapsed += geo_clock.elapsed();
                doc.places
            }
            GeoMode::GivenToponyms => {
                let geo_clock = Instant::now();
                let spans: Vec<(Span, String)> =
                    gold.iter().map(|g| (g.span, g.phrase.clone())).collect();
                let places =
                    vigie_geo::resolve_spans(&spans, gazetteer, Some(vigie_core::Language::En));
                geo_elapsed += geo_clock.elapsed();
                places
            }
        };
        elapsed += clock.elapsed();
        scores.recognition.gold += gold.len();
        let predicted: Vec<(String, Span, Option<&vigie_core::Place>)> = match mode {
            GeoMode::EndToEnd => places
                .iter()
                .map(|p| (p.text.clone(), p.span, Some(p)))
                .collect(),
            GeoMode::GivenToponyms => gold
                .iter()
                .map(|g| {
                    (
                        g.phrase.clone(),
                        g.span,
                        places.iter().find(|p| p.span == g.span),
                    )
                })
                .collect(),
        };
        scores.recognition.predicted += predicted.len();
        let mut used = vec![false; gold.len()];
        for (text, span, place) in predicted {
            let hit = gold.iter().enumerate().find(|(i, g)| {
                !used[*i] && g.phrase == text && (centre(g.span) - centre(span)).abs() <= 10.0
            });
            let gold_toponym = hit.map(|(i, g)| {
                used[i] = true;
                *g
            });
            let error_km = gold_toponym.and_then(|g| g.coordinates).map(|gold_point| {
                place.map_or(MAX_ERROR_KM, |p| haversine_km((p.lat, p.lon), gold_point))
            });
            if let Some(g) = gold_toponym {
                scores.recognition.true_positives += 1;
                if let Some(error) = error_km {
                    errors.push(error);
                }
                if let Some(id) = g.geonameid {
                    with_id += 1;
                    exact += usize::from(place.is_some_and(|p| p.geonameid == id));
                }
            }
            if let Some(out) = predictions_out.as_deref_mut() {
                let prediction = Prediction {
                    article: article.id.clone(),
                    text,
                    span,
                    geonameid: place.map(|p| p.geonameid),
                    lat: place.map(|p| p.lat),
                    lon: place.map(|p| p.lon),
                    name: place.map(|p| p.name.clone()),
                    gold_geonameid: gold_toponym.and_then(|g| g.geonameid),
                    gold_coordinates: gold_toponym.and_then(|g| g.coordinates),
                    matched: gold_toponym.is_some(),
                    error_km,
                };
                let line = serde_json::to_string(&prediction).map_err(|e| e.to_string())?;
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
        }
    }
    scores.articles = articles.len();
    scores.elapsed = elapsed;
    scores.geo_elapsed = geo_elapsed;
    scores.resolvable = errors.len();
    if !errors.is_empty() {
        let n = errors.len() as f64;
        scores.acc161 = errors.iter().filter(|&&e| e <= 161.0).count() as f64 / n;
        scores.auc = errors
            .iter()
            .map(|e| (1.0 + e).ln() / (1.0 + MAX_ERROR_KM).ln())
            .sum::<f64>()
            / n;
        scores.mean_error_km = errors.iter().sum::<f64>() / n;
        errors.sort_by(f64::total_cmp);
        let mid = errors.len() / 2;
        scores.median_error_km = if errors.len().is_multiple_of(2) {
            (errors[mid - 1] + errors[mid]) / 2.0
        } else {
            errors[mid]
        };
    }
    scores.exact_id = exact as f64 / with_id.max(1) as f64;
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LGL_LIKE: &str = r#"<?xml version="1.0"?><articles><article docid="1"><text><![CDATA[Fighting in Baghdad and Paris.]]></text>
      <toponyms><toponym><start>12</start><end>19</end><phrase>Baghdad</phrase>
      <gaztag geonameid="98182"><lat>33.34</lat><lon>44.40</lon></gaztag></toponym>
      <toponym><start>24</start><end>29</end><phrase>Paris</phrase>
      <gaztag geonameid="2988507"><lat>48.85</lat><lon>2.35</lon></gaztag></toponym></toponyms></article></articles>"#;

    #[test]
    fn reads_both_formats() {
        let articles = parse_gold(LGL_LIKE).unwrap();
        assert_eq!(articles[0].toponyms.len(), 2);
        assert_eq!(articles[0].toponyms[0].coordinates, Some((33.34, 44.40)));
        let gwn = r#"<articles><article file="0"><text>In Paris, citizens.</text><toponyms>
          <toponym><extractedName>Paris</extractedName><start>3</start><end>8</end><geonamesID>2988507</geonamesID><latitude>48.85</latitude><longitude>2.35</longitude></toponym>
          <toponym><extractedName>citizens</extractedName><start>10</start><end>18</end></toponym>
          </toponyms></article></articles>"#;
        let articles = parse_gold(gwn).unwrap();
        assert_eq!(
            articles[0].toponyms.len(),
            1,
            "expressions without coordinates are not toponyms"
        );
        assert_eq!(articles[0].toponyms[0].geonameid, Some(2988507));
    }
}
