//! Sentences with their names, for training and scoring the name head: the open NER
//! corpora as `scripts/ner-open-data.py` writes them (tokens and BIO tags) and Vigie's
//! own corpus (`data/corpus/*.jsonl`: text and name spans).

use std::path::Path;

use serde::Deserialize;
use vigie_core::{fnv1a, tokenize};

/// One sentence: its text, its words and their gold tags.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSentence {
    /// Identifier, unique within its corpus.
    pub id: String,
    /// Language code (`fr`, `en`).
    pub lang: String,
    /// The text.
    pub text: String,
    /// Code-point spans of the words.
    pub words: Vec<(usize, usize)>,
    /// BIO tag of each word.
    pub tags: Vec<String>,
    /// The kinds the corpus marks (`PER`, `ORG`, `LOC`, `MISC`): a word tagged `O` may be a
    /// name of another kind.
    pub marked: Vec<String>,
    /// True for items of Vigie's corpus, false for the open corpora.
    pub from_corpus: bool,
}

impl NamedSentence {
    /// A sentence given as tokens, laid out with one space between tokens.
    pub fn from_tokens(id: String, lang: String, tokens: &[String], tags: Vec<String>) -> Self {
        let mut words = Vec::with_capacity(tokens.len());
        let mut at = 0;
        for token in tokens {
            let length = token.chars().count();
            words.push((at, at + length));
            at += length + 1;
        }
        NamedSentence {
            id,
            lang,
            text: tokens.join(" "),
            words,
            tags,
            marked: ALL_KINDS.iter().map(|k| (*k).to_owned()).collect(),
            from_corpus: false,
        }
    }

    /// True for the corpus's development part (the FNV-1a 64-bit hash of the id divisible
    /// by `parts`; `data/corpus/README.md` uses 5).
    pub fn held_out(&self, parts: u64) -> bool {
        fnv1a(self.id.bytes()).is_multiple_of(parts)
    }
}

const ALL_KINDS: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];

/// A line of `scripts/ner-open-data.py`'s output.
#[derive(Deserialize)]
struct TokenLine {
    id: String,
    lang: String,
    tokens: Vec<String>,
    tags: Vec<String>,
    annotated_types: Vec<String>,
}

/// A span of the annotated corpus.
#[derive(Deserialize)]
struct CorpusSpan {
    start: usize,
    end: usize,
}

/// A name of the annotated corpus.
#[derive(Deserialize)]
struct CorpusName {
    span: CorpusSpan,
    #[serde(rename = "type")]
    kind: String,
}

/// A line of the annotated corpus (the fields the name head reads).
#[derive(Deserialize)]
struct CorpusLine {
    id: String,
    lang: String,
    text: String,
    names: Vec<CorpusName>,
}

/// Reads a file of either format, line by line; errors name the file and line.
pub fn read_named_sentences(path: &Path) -> Result<Vec<NamedSentence>, String> {
    let content = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut sentences = Vec::new();
    for (number, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |e: String| format!("{}:{}: {e}", path.display(), number + 1);
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| fail(e.to_string()))?;
        let sentence = if value.get("tokens").is_some() {
            let line: TokenLine = serde_json::from_value(value).map_err(|e| fail(e.to_string()))?;
            if line.tokens.len() != line.tags.len() {
                return Err(fail("as many tags as tokens expected".into()));
            }
            let mut sentence =
                NamedSentence::from_tokens(line.id, line.lang, &line.tokens, line.tags);
            sentence.marked = line.annotated_types;
            sentence
        } else {
            let line: CorpusLine =
                serde_json::from_value(value).map_err(|e| fail(e.to_string()))?;
            corpus_sentence(line).map_err(fail)?
        };
        sentences.push(sentence);
    }
    Ok(sentences)
}

/// Words and BIO tags of a corpus item: Vigie's tokenizer, and each name over the words
/// it overlaps.
fn corpus_sentence(line: CorpusLine) -> Result<NamedSentence, String> {
    let words: Vec<(usize, usize)> = tokenize(&line.text)
        .iter()
        .map(|t| (t.span.start, t.span.end))
        .collect();
    let mut tags = vec!["O".to_owned(); words.len()];
    for name in &line.names {
        if !ALL_KINDS.contains(&name.kind.as_str()) {
            return Err(format!("{}: unknown name type {}", line.id, name.kind));
        }
        let covered = words
            .iter()
            .enumerate()
            .filter(|(_, (s, e))| *s < name.span.end && *e > name.span.start);
        for (n, (i, _)) in covered.enumerate() {
            tags[i] = format!("{}-{}", if n == 0 { "B" } else { "I" }, name.kind);
        }
    }
    Ok(NamedSentence {
        id: line.id,
        lang: line.lang,
        text: line.text,
        words,
        tags,
        marked: ALL_KINDS.iter().map(|k| (*k).to_owned()).collect(),
        from_corpus: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_formats() {
        let dir = std::env::temp_dir().join(format!("vigie-names-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mixed.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"id": "a", "lang": "en", "tokens": ["Kofi", "Annan", "spoke"], "tags": ["B-PER", "I-PER", "O"], "annotated_types": ["PER", "LOC", "ORG"]}"#,
                "\n\n",
                r#"{"id": "b", "lang": "fr", "text": "L'ONU a parlé à Kofi Annan.", "names": [{"span": {"text": "ONU", "start": 2, "end": 5}, "type": "ORG"}, {"span": {"text": "Kofi Annan", "start": 16, "end": 26}, "type": "PER"}], "events": null}"#,
                "\n"
            ),
        )
        .unwrap();
        let sentences = read_named_sentences(&path).unwrap();
        assert_eq!(sentences.len(), 2);
        assert_eq!(sentences[0].text, "Kofi Annan spoke");
        assert_eq!(sentences[0].words, [(0, 4), (5, 10), (11, 16)]);
        assert_eq!(sentences[0].marked, ["PER", "LOC", "ORG"]);
        assert!(!sentences[0].from_corpus && sentences[1].from_corpus);
        let french = &sentences[1];
        let tagged: Vec<(String, &str)> = french
            .words
            .iter()
            .zip(&french.tags)
            .map(|(&(s, e), t)| {
                (
                    french.text.chars().skip(s).take(e - s).collect(),
                    t.as_str(),
                )
            })
            .filter(|(_, t)| *t != "O")
            .collect();
        assert_eq!(
            tagged,
            [
                ("ONU".into(), "B-ORG"),
                ("Kofi".into(), "B-PER"),
                ("Annan".into(), "I-PER")
            ]
        );
        std::fs::write(&path, "{\"id\": \"c\", \"lang\": \"en\", \"tokens\": [\"x\"], \"tags\": [], \"annotated_types\": []}\n").unwrap();
        let error = read_named_sentences(&path).unwrap_err();
        assert!(error.contains("mixed.jsonl:1"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
