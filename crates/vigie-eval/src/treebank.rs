//! Dependency treebanks in CoNLL-U (Universal Dependencies): each sentence as its text,
//! its surface words (code-point spans of the text), each word's head and relation, and
//! the attachment scores of a parse against them.
//!
//! Vigie parses the words it sees in text, so a multiword token ("du" = "de le", "au" =
//! "à le") is one word here: it takes the head and relation of its part that attaches
//! outside it, and the dependents of any of its parts attach to it.

use std::path::Path;

/// A relation subtype kept apart from its base relation: the ones that tell who acted
/// on whom in a passive clause. Every other subtype is dropped ("obl:mod" → "obl").
const KEPT_SUBTYPES: &[&str] = &["nsubj:pass", "obl:agent"];

/// A sentence of a treebank.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeSentence {
    /// The `sent_id` comment, else the file and the sentence's number.
    pub id: String,
    /// The `text` comment.
    pub text: String,
    /// Surface words as code-point spans of `text`.
    pub words: Vec<(usize, usize)>,
    /// Each word's head: `None` for the root.
    pub heads: Vec<Option<usize>>,
    /// Each word's relation to its head (universal relation, see [`relation_name`]).
    pub relations: Vec<String>,
}

/// The relation Vigie learns for a CoNLL-U `DEPREL`: the universal relation, with the
/// subtypes of [`KEPT_SUBTYPES`].
pub fn relation_name(deprel: &str) -> &str {
    if KEPT_SUBTYPES.contains(&deprel) {
        deprel
    } else {
        deprel.split(':').next().unwrap_or(deprel)
    }
}

/// A syntactic word of a CoNLL-U sentence as read.
struct Row {
    id: usize,
    head: usize,
    relation: String,
}

/// A surface token: a word, or a multiword token covering `first..=last`.
struct Surface {
    form: String,
    first: usize,
    last: usize,
}

/// The sentences of the CoNLL-U file at `path`; sentences whose words cannot be found in
/// their text, in order, are skipped and counted in the second value.
pub fn read_treebank(path: &Path) -> Result<(Vec<TreeSentence>, usize), String> {
    let content = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let (mut sentences, mut skipped) = (Vec::new(), 0);
    for (number, block) in content.split("\n\n").enumerate() {
        if block.trim().is_empty() {
            continue;
        }
        match read_sentence(block).map_err(|e| format!("{}: sentence {}: {e}", name, number + 1))? {
            Some(mut sentence) => {
                if sentence.id.is_empty() {
                    sentence.id = format!("{name}#{}", number + 1);
                }
                sentences.push(sentence);
            }
            None => skipped += 1,
        }
    }
    Ok((sentences, skipped))
}

/// One CoNLL-U sentence; `None` when its words cannot be found in its text.
fn read_sentence(block: &str) -> Result<Option<TreeSentence>, String> {
    let (mut id, mut text) = (String::new(), None);
    let (mut rows, mut surfaces) = (Vec::new(), Vec::new());
    let mut covered_until = 0;
    for line in block.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(value) = comment.strip_prefix("sent_id =") {
                id = value.trim().to_owned();
            } else if let Some(value) = comment.strip_prefix("text =") {
                text = Some(value.trim().to_owned());
            }
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        if columns.len() < 8 {
            return Err(format!("a line of {} columns", columns.len()));
        }
        let (id_column, form) = (columns[0], columns[1]);
        if id_column.contains('.') {
            continue; // an empty node of the enhanced graph
        }
        let number = |s: &str| s.parse::<usize>().map_err(|_| format!("bad id {s:?}"));
        if let Some((first, last)) = id_column.split_once('-') {
            let (first, last) = (number(first)?, number(last)?);
            surfaces.push(Surface {
                form: form.to_owned(),
                first,
                last,
            });
            covered_until = last;
            continue;
        }
        let word = number(id_column)?;
        rows.push(Row {
            id: word,
            head: number(columns[6])?,
            relation: relation_name(columns[7]).to_owned(),
        });
        if word > covered_until {
            surfaces.push(Surface {
                form: form.to_owned(),
                first: word,
                last: word,
            });
        }
    }
    let text = text.ok_or("no text comment")?;
    let Some(words) = find_words(&text, &surfaces) else {
        return Ok(None);
    };
    // Each syntactic word's surface word; a surface word takes the head and relation of
    // its first part whose head is outside it.
    let mut surface_of = vec![0usize; rows.len() + 1];
    for (index, surface) in surfaces.iter().enumerate() {
        for word in surface.first..=surface.last {
            *surface_of
                .get_mut(word)
                .ok_or_else(|| format!("token range past word {}", rows.len()))? = index;
        }
    }
    let mut heads = vec![None; surfaces.len()];
    let mut relations = vec![String::new(); surfaces.len()];
    for (index, surface) in surfaces.iter().enumerate() {
        let outside = rows
            .iter()
            .filter(|row| (surface.first..=surface.last).contains(&row.id))
            .find(|row| row.head == 0 || !(surface.first..=surface.last).contains(&row.head))
            .ok_or_else(|| format!("no part of {:?} attaches outside it", surface.form))?;
        if outside.head > rows.len() {
            return Err(format!("head {} past the last word", outside.head));
        }
        heads[index] = (outside.head > 0).then(|| surface_of[outside.head]);
        relations[index] = outside.relation.clone();
    }
    Ok(Some(TreeSentence {
        id,
        text,
        words,
        heads,
        relations,
    }))
}

/// The code-point span of each surface form in `text`, in order; `None` when one is not
/// where the text has it.
fn find_words(text: &str, surfaces: &[Surface]) -> Option<Vec<(usize, usize)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let mut words = Vec::with_capacity(surfaces.len());
    for surface in surfaces {
        while chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        let form: Vec<char> = surface.form.chars().collect();
        if chars.get(at..at + form.len())? != form.as_slice() {
            return None;
        }
        words.push((at, at + form.len()));
        at += form.len();
    }
    Some(words)
}

/// Attachment scores of predicted parses against gold ones, over every word
/// (punctuation included, as in the CoNLL 2018 shared task).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AttachmentScores {
    /// Words scored.
    pub words: usize,
    /// Words with the right head.
    pub right_head: usize,
    /// Words with the right head and relation.
    pub right_head_and_relation: usize,
}

impl AttachmentScores {
    /// Adds one sentence: gold and predicted heads and relations, word by word.
    pub fn add(
        &mut self,
        gold: (&[Option<usize>], &[String]),
        predicted: (&[Option<usize>], &[String]),
    ) {
        for word in 0..gold.0.len() {
            self.add_word(
                (gold.0[word], &gold.1[word]),
                predicted
                    .0
                    .get(word)
                    .copied()
                    .zip(predicted.1.get(word).map(String::as_str)),
            );
        }
    }

    /// Adds one word: its gold head and relation, and the predicted ones (`None`: the
    /// parse has no such word).
    pub fn add_word(
        &mut self,
        gold: (Option<usize>, &str),
        predicted: Option<(Option<usize>, &str)>,
    ) {
        self.words += 1;
        if let Some((head, relation)) = predicted
            && head == gold.0
        {
            self.right_head += 1;
            self.right_head_and_relation += usize::from(relation == gold.1);
        }
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &AttachmentScores) {
        self.words += other.words;
        self.right_head += other.right_head;
        self.right_head_and_relation += other.right_head_and_relation;
    }

    /// Unlabelled attachment score: the share of words with the right head.
    pub fn unlabelled(&self) -> f64 {
        self.right_head as f64 / self.words.max(1) as f64
    }

    /// Labelled attachment score: the share with the right head and relation.
    pub fn labelled(&self) -> f64 {
        self.right_head_and_relation as f64 / self.words.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRENCH: &str = "# sent_id = t1
# text = Les soldats du camp ont tiré.
1\tLes\tle\tDET\t_\t_\t2\tdet\t_\t_
2\tsoldats\tsoldat\tNOUN\t_\t_\t7\tnsubj\t_\t_
3-4\tdu\t_\t_\t_\t_\t_\t_\t_\t_
3\tde\tde\tADP\t_\t_\t5\tcase\t_\t_
4\tle\tle\tDET\t_\t_\t5\tdet\t_\t_
5\tcamp\tcamp\tNOUN\t_\t_\t2\tnmod\t_\t_
6\tont\tavoir\tAUX\t_\t_\t7\taux:tense\t_\t_
7\ttiré\ttirer\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No
8\t.\t.\tPUNCT\t_\t_\t7\tpunct\t_\t_

";

    fn read(content: &str) -> (Vec<TreeSentence>, usize) {
        // Tests run in parallel: each reads its own file.
        static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let number = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "vigie-treebank-{}-{number}.conllu",
            std::process::id()
        ));
        std::fs::write(&path, content).unwrap();
        let read = read_treebank(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        read
    }

    #[test]
    fn a_multiword_token_is_one_word_with_its_outside_attachment() {
        let (sentences, skipped) = read(FRENCH);
        assert_eq!(skipped, 0);
        let sentence = &sentences[0];
        assert_eq!(sentence.id, "t1");
        let words: Vec<String> = sentence
            .words
            .iter()
            .map(|&(s, e)| sentence.text.chars().skip(s).take(e - s).collect())
            .collect();
        assert_eq!(words, ["Les", "soldats", "du", "camp", "ont", "tiré", "."]);
        // "du" attaches to "camp" as its case marker; "camp" to "soldats".
        assert_eq!(
            sentence.heads,
            [Some(1), Some(5), Some(3), Some(1), Some(5), None, Some(5)]
        );
        assert_eq!(sentence.relations[2], "case");
        assert_eq!(sentence.relations[4], "aux");
        assert_eq!(sentence.relations[5], "root");
    }

    #[test]
    fn a_sentence_whose_words_are_not_in_its_text_is_skipped() {
        let broken = FRENCH.replace("# text = Les soldats", "# text = Des soldats");
        let (sentences, skipped) = read(&format!("{broken}{FRENCH}"));
        assert_eq!((sentences.len(), skipped), (1, 1));
    }

    #[test]
    fn scores_count_heads_then_heads_with_relations() {
        let gold_heads = [Some(1), None, Some(1)];
        let relation = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let gold = relation(&["nsubj", "root", "obj"]);
        let mut scores = AttachmentScores::default();
        scores.add(
            (&gold_heads, &gold),
            (
                &[Some(1), None, Some(0)],
                &relation(&["obj", "root", "obj"]),
            ),
        );
        assert_eq!(scores.words, 3);
        assert!((scores.unlabelled() - 2.0 / 3.0).abs() < 1e-9);
        assert!((scores.labelled() - 1.0 / 3.0).abs() < 1e-9);
    }
}
