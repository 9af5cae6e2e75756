//! Main-content extraction checked against expected snippets, as the trafilatura project
//! evaluates extractors on real pages: for each page, text that must appear in the
//! extracted article (`with`) and text that must not (boilerplate, `without`).
//!
//! The cases come from `scripts/fetch-extraction-pages` (`cases.json` and `pages/`).
//! A `with` snippet found is a true positive, one missing a false negative; a `without`
//! snippet absent is a true negative, one present a false positive. Text is compared
//! after Unicode NFC, with soft hyphens removed and white space collapsed on both sides.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;
use vigie_ingest::{Extractor, decode_bytes, extract_html};

use crate::metrics::Counts;

/// One page and its expected snippets.
#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    file: String,
    url: Option<String>,
    lang: String,
    with: Vec<String>,
    without: Vec<String>,
}

/// Snippet checks of one group of pages.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SnippetScores {
    /// Pages checked.
    pub pages: usize,
    /// `with` snippets found.
    pub true_positives: usize,
    /// `with` snippets missing.
    pub false_negatives: usize,
    /// `without` snippets absent.
    pub true_negatives: usize,
    /// `without` snippets present.
    pub false_positives: usize,
}

impl SnippetScores {
    /// As precision and recall counts: an expected snippet found is a right prediction,
    /// a boilerplate snippet present a wrong one, an expected snippet a gold item.
    pub fn counts(&self) -> Counts {
        Counts {
            true_positives: self.true_positives,
            predicted: self.true_positives + self.false_positives,
            gold: self.true_positives + self.false_negatives,
        }
    }

    /// Share of all checks passed.
    pub fn accuracy(&self) -> f64 {
        let passed = self.true_positives + self.true_negatives;
        passed as f64 / (passed + self.false_positives + self.false_negatives).max(1) as f64
    }

    fn add(&mut self, other: &SnippetScores) {
        self.pages += other.pages;
        self.true_positives += other.true_positives;
        self.false_negatives += other.false_negatives;
        self.true_negatives += other.true_negatives;
        self.false_positives += other.false_positives;
    }
}

/// Text as compared: NFC, no soft hyphens, white space collapsed.
fn comparable(text: &str) -> String {
    text.nfc()
        .filter(|c| *c != '\u{ad}')
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The checks of one page's extracted text.
fn check(extracted: &str, with: &[String], without: &[String]) -> SnippetScores {
    let text = comparable(extracted);
    let found = |snippet: &String| text.contains(&comparable(snippet));
    let present = with.iter().filter(|s| found(s)).count();
    let leaked = without.iter().filter(|s| found(s)).count();
    SnippetScores {
        pages: 1,
        true_positives: present,
        false_negatives: with.len() - present,
        true_negatives: without.len() - leaked,
        false_positives: leaked,
    }
}

/// Scores per language of the cases in `dir` (`cases.json`, `pages/`), plus `all`; the
/// names of the pages with a failed check, with what failed.
pub fn evaluate(
    dir: &Path,
    extractor: Extractor,
) -> Result<(BTreeMap<String, SnippetScores>, Vec<String>), String> {
    let path = dir.join("cases.json");
    let cases: Vec<Case> = serde_json::from_slice(
        &std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut scores: BTreeMap<String, SnippetScores> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let page = dir.join(&case.file);
        let bytes = std::fs::read(&page).map_err(|e| format!("{}: {e}", page.display()))?;
        let html = decode_bytes(&case.name, &bytes).map_err(|e| e.to_string())?;
        let article = extract_html(&html, case.url.as_deref(), extractor);
        let text = format!("{}\n{}", article.title.unwrap_or_default(), article.text);
        let page_scores = check(&text, &case.with, &case.without);
        if page_scores.false_negatives + page_scores.false_positives > 0 {
            failures.push(format!(
                "{} ({}): {} of {} expected snippets missing, {} of {} boilerplate snippets present",
                case.name,
                case.lang,
                page_scores.false_negatives,
                case.with.len(),
                page_scores.false_positives,
                case.without.len()
            ));
        }
        scores
            .entry(case.lang.clone())
            .or_default()
            .add(&page_scores);
        scores
            .entry("all".to_owned())
            .or_default()
            .add(&page_scores);
    }
    Ok((scores, failures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_compared_as_readers_see_them() {
        let extracted = "Le de\u{301}cret n°2019-1130\n  validant la fusion. Ar\u{ad}ticle.";
        let with = vec![
            "Le décret n°2019-1130 validant".to_owned(),
            "absent".to_owned(),
        ];
        let without = vec!["En savoir plus".to_owned(), "Article.".to_owned()];
        let scores = check(extracted, &with, &without);
        assert_eq!(
            (
                scores.true_positives,
                scores.false_negatives,
                scores.true_negatives,
                scores.false_positives
            ),
            (1, 1, 1, 1)
        );
        assert!((scores.counts().precision() - 0.5).abs() < 1e-9);
        assert!((scores.accuracy() - 0.5).abs() < 1e-9);
    }
}
