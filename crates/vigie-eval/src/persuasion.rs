//! Persuasion techniques scored as SemEval-2023 Task 3 subtask 3 scores them: paragraph
//! label sets compared over every paragraph of the gold file; micro P/R/F1 over all
//! (paragraph, technique) pairs, macro F1 the mean of the 23 per-technique F1 (0 for a
//! technique neither predicted nor in the gold).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use vigie_signals::persuasion::{TECHNIQUES, technique_index};

use crate::metrics::Counts;

/// One gold paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldParagraph {
    /// Article id.
    pub article: String,
    /// Paragraph number in the article.
    pub paragraph: String,
    /// Paragraph text.
    pub text: String,
    /// Gold technique indices.
    pub labels: BTreeSet<usize>,
}

/// Reads a labels file (`article<TAB>paragraph<TAB>label,label,…`) and its paragraphs
/// (`article<TAB>paragraph<TAB>text`); paragraphs without text are kept with empty text.
pub fn read_gold(labels: &Path, text: &Path) -> Result<Vec<GoldParagraph>, String> {
    let read =
        |path: &Path| std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    let texts: HashMap<(String, String), String> = read(text)?
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, '\t');
            let (article, paragraph) = (fields.next()?, fields.next()?);
            Some((
                (article.to_owned(), paragraph.to_owned()),
                fields.next().unwrap_or("").to_owned(),
            ))
        })
        .collect();
    let mut paragraphs = Vec::new();
    for (number, line) in read(labels)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, '\t');
        let (Some(article), Some(paragraph)) = (fields.next(), fields.next()) else {
            return Err(format!(
                "{}:{}: expected article<TAB>paragraph",
                labels.display(),
                number + 1
            ));
        };
        let mut label_set = BTreeSet::new();
        for label in fields
            .next()
            .unwrap_or("")
            .split(',')
            .filter(|l| !l.is_empty())
        {
            let index = technique_index(label.trim()).ok_or_else(|| {
                format!(
                    "{}:{}: unknown technique {label}",
                    labels.display(),
                    number + 1
                )
            })?;
            label_set.insert(index);
        }
        let key = (article.to_owned(), paragraph.to_owned());
        paragraphs.push(GoldParagraph {
            text: texts.get(&key).cloned().unwrap_or_default(),
            article: key.0,
            paragraph: key.1,
            labels: label_set,
        });
    }
    Ok(paragraphs)
}

/// Scores of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct PersuasionScores {
    /// Paragraphs scored.
    pub paragraphs: usize,
    /// Micro counts over (paragraph, technique) pairs.
    pub micro: Counts,
    /// Counts per technique, in [`TECHNIQUES`] order.
    pub per_technique: Vec<Counts>,
}

impl PersuasionScores {
    /// Mean of the per-technique F1.
    pub fn macro_f1(&self) -> f64 {
        self.per_technique.iter().map(Counts::f1).sum::<f64>() / TECHNIQUES.len() as f64
    }
}

/// Scores predicted technique indices, one set per gold paragraph in its order.
pub fn evaluate(gold: &[GoldParagraph], predictions: &[BTreeSet<usize>]) -> PersuasionScores {
    assert_eq!(
        gold.len(),
        predictions.len(),
        "one prediction per paragraph"
    );
    let mut micro = Counts::default();
    let mut per_technique = vec![Counts::default(); TECHNIQUES.len()];
    for (paragraph, predicted) in gold.iter().zip(predictions) {
        micro.true_positives += predicted.intersection(&paragraph.labels).count();
        micro.predicted += predicted.len();
        micro.gold += paragraph.labels.len();
        for (t, counts) in per_technique.iter_mut().enumerate() {
            let (p, g) = (predicted.contains(&t), paragraph.labels.contains(&t));
            counts.true_positives += usize::from(p && g);
            counts.predicted += usize::from(p);
            counts.gold += usize::from(g);
        }
    }
    PersuasionScores {
        paragraphs: gold.len(),
        micro,
        per_technique,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gold_and_scores_like_the_task() {
        let dir = std::env::temp_dir().join(format!("vigie-persuasion-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let labels = dir.join("labels.txt");
        let text = dir.join("text.template");
        std::fs::write(
            &labels,
            "1\t1\tLoaded_Language,Doubt\n1\t2\t\n1\t3\tLoaded_Language\n",
        )
        .unwrap();
        std::fs::write(&text, "1\t1\tUn texte.\n1\t2\tDeux.\n1\t3\tTrois.\n").unwrap();
        let gold = read_gold(&labels, &text).unwrap();
        assert_eq!(gold.len(), 3);
        assert_eq!(gold[1].text, "Deux.");
        let loaded = technique_index("Loaded_Language").unwrap();
        let scores = evaluate(&gold, &vec![BTreeSet::from([loaded]); gold.len()]);
        // 3 predicted, 3 gold, 2 right.
        assert_eq!(scores.micro.true_positives, 2);
        assert!((scores.micro.f1() - 2.0 / 3.0).abs() < 1e-9);
        // Loaded_Language alone: 3 predicted, 2 gold, 2 right → P 2/3, R 1, F1 0.8.
        assert!((scores.per_technique[loaded].f1() - 0.8).abs() < 1e-9);
        assert!((scores.macro_f1() - 0.8 / 23.0).abs() < 1e-9);
        std::fs::write(&labels, "1\t1\tMade_Up\n").unwrap();
        assert!(read_gold(&labels, &text).unwrap_err().contains("Made_Up"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
