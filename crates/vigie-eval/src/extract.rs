//! Main-content extraction against the ScrapingHub article-extraction benchmark
//! (`ground-truth.json` + `html/<id>.html.gz`), scored as the benchmark's own
//! `evaluate.py` does: 4-word shingles of `\w+` tokens, per-page TP/FP/FN normalised to
//! sum 1, precision and recall averaged over pages, F1 from the averages.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;
use serde::Deserialize;
use vigie_ingest::{Extractor, decode_bytes, extract_html};

/// Scores of one extractor over a gold set.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractionScores {
    /// Pages scored.
    pub pages: usize,
    /// Mean shingle precision.
    pub precision: f64,
    /// Mean shingle recall.
    pub recall: f64,
    /// F1 of the mean precision and recall.
    pub f1: f64,
    /// Time spent in extraction alone (reading and scoring excluded).
    pub extraction_time: Duration,
}

impl ExtractionScores {
    /// Pages extracted per second.
    pub fn pages_per_second(&self) -> f64 {
        self.pages as f64 / self.extraction_time.as_secs_f64().max(f64::EPSILON)
    }
}

#[derive(Deserialize)]
struct GoldPage {
    #[serde(rename = "articleBody")]
    article_body: Option<String>,
    url: Option<String>,
}

fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let tokens = tokens(text);
    let mut counts = HashMap::new();
    let n = 4;
    for i in 0..tokens.len().saturating_sub(n - 1).max(1) {
        let shingle: Vec<&str> = tokens[i..(i + n).min(tokens.len())].to_vec();
        if !shingle.is_empty() {
            *counts.entry(shingle).or_insert(0) += 1;
        }
    }
    counts
}

/// Normalised (TP, FP, FN) of predicted against true text, as in the benchmark.
pub fn shingle_match(truth: &str, predicted: &str) -> (f64, f64, f64) {
    let truth = shingles(truth);
    let predicted = shingles(predicted);
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for key in truth
        .keys()
        .chain(predicted.keys().filter(|k| !truth.contains_key(*k)))
    {
        let t = *truth.get(key).unwrap_or(&0) as f64;
        let p = *predicted.get(key).unwrap_or(&0) as f64;
        tp += t.min(p);
        fp += (p - t).max(0.0);
        fn_ += (t - p).max(0.0);
    }
    let sum = tp + fp + fn_;
    if sum > 0.0 {
        (tp / sum, fp / sum, fn_ / sum)
    } else {
        (tp, fp, fn_)
    }
}

fn precision((tp, fp, fn_): (f64, f64, f64)) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fp == 0.0 {
        0.0
    } else {
        tp / (tp + fp)
    }
}

fn recall((tp, fp, fn_): (f64, f64, f64)) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    }
}

/// Aggregates per-page (TP, FP, FN) the way the benchmark does.
pub fn aggregate(matches: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let mean = |values: Vec<f64>| values.iter().sum::<f64>() / values.len().max(1) as f64;
    let p = mean(
        matches
            .iter()
            .filter(|m| m.0 + m.1 > 0.0)
            .map(|m| precision(*m))
            .collect(),
    );
    let r = mean(
        matches
            .iter()
            .filter(|m| m.0 + m.2 > 0.0)
            .map(|m| recall(*m))
            .collect(),
    );
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f1)
}

/// Runs `extractor` over every page of the gold directory and scores it.
pub fn evaluate(gold_dir: &Path, extractor: Extractor) -> Result<ExtractionScores, String> {
    let truth_path = gold_dir.join("ground-truth.json");
    let truth: HashMap<String, GoldPage> = serde_json::from_slice(
        &std::fs::read(&truth_path).map_err(|e| format!("{}: {e}", truth_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", truth_path.display()))?;
    let mut ids: Vec<&String> = truth.keys().collect();
    ids.sort();
    let mut matches = Vec::with_capacity(ids.len());
    let mut extraction_time = Duration::ZERO;
    for id in ids {
        let path = gold_dir.join("html").join(format!("{id}.html.gz"));
        let mut bytes = Vec::new();
        GzDecoder::new(std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let html = decode_bytes(&path.display().to_string(), &bytes).map_err(|e| e.to_string())?;
        let page = &truth[id];
        let started = Instant::now();
        let article = extract_html(&html, page.url.as_deref(), extractor);
        extraction_time += started.elapsed();
        matches.push(shingle_match(
            page.article_body.as_deref().unwrap_or_default(),
            &article.text,
        ));
    }
    let (precision, recall, f1) = aggregate(&matches);
    Ok(ExtractionScores {
        pages: matches.len(),
        precision,
        recall,
        f1,
        extraction_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_disjoint_extractions() {
        let truth = "one two three four five six";
        assert_eq!(shingle_match(truth, truth), (1.0, 0.0, 0.0));
        let (tp, fp, fn_) = shingle_match(truth, "seven eight nine ten");
        assert_eq!(tp, 0.0);
        assert!((fp - 1.0 / 4.0).abs() < 1e-9 && (fn_ - 3.0 / 4.0).abs() < 1e-9);
    }

    #[test]
    fn extra_boilerplate_lowers_precision_only() {
        let truth = "the army moved into the city on tuesday morning";
        let predicted = "home news sport weather the army moved into the city on tuesday morning";
        let m = shingle_match(truth, predicted);
        assert_eq!(recall(m), 1.0);
        assert!(precision(m) < 1.0);
        let (p, r, f1) = aggregate(&[m, (1.0, 0.0, 0.0)]);
        assert!(p < 1.0 && r == 1.0 && f1 < 1.0 && f1 > p);
    }
}
