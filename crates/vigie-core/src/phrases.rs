//! Phrase lexicons: multi-word patterns with prefix wildcards, matched over folded
//! tokens ("frappes aeriennes", "attaqu*", "s'abatt*").

use rustc_hash::FxHashMap;

use crate::fold::fold_text;
use crate::span::Span;
use crate::tokens::{Token, tokenize};

/// One word of a pattern.
#[derive(Debug, Clone, PartialEq)]
enum PatternWord {
    Exact(String),
    Prefix(String),
}

impl PatternWord {
    fn head(&self) -> Option<Head> {
        match self {
            PatternWord::Exact(w) | PatternWord::Prefix(w) => head(w),
        }
    }

    fn matches(&self, word: &str) -> bool {
        match self {
            PatternWord::Exact(w) => w == word,
            PatternWord::Prefix(p) => word.starts_with(p.as_str()),
        }
    }
}

/// True when `phrase` occurs in `text` as whole space-separated words: at the start or
/// after a space, and at the end or before a space ("si" in "et si la", not in "aussi").
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let end = at + phrase.len();
        (at == 0 || text[..at].ends_with(' '))
            && (end == text.len() || text[end..].starts_with(' '))
    })
}

/// How many leading characters of a word patterns are looked up by.
const HEAD_LEN: usize = 3;

/// The first [`HEAD_LEN`] characters of a word, `'\0'` past its end: what patterns are
/// looked up by.
type Head = [char; HEAD_LEN];

fn head(word: &str) -> Option<Head> {
    let mut chars = word.chars();
    let mut head = [chars.next()?, '\0', '\0'];
    for slot in &mut head[1..] {
        *slot = chars.next().unwrap_or('\0');
    }
    Some(head)
}

/// A set of phrase patterns, each with a payload.
///
/// Patterns are folded (lower case, no accents) and tokenised like the text; a `*`
/// right after a word makes it a prefix. At each position the longest pattern wins and
/// matches never overlap.
#[derive(Debug, Clone)]
pub struct PhraseSet<T> {
    /// Patterns in insertion order.
    patterns: Vec<(Vec<PatternWord>, T)>,
    /// Indices into `patterns` by the head of the first word (see [`head`]), longest
    /// pattern first (insertion order among equals).
    by_head: FxHashMap<Head, Vec<usize>>,
}

impl<T> Default for PhraseSet<T> {
    fn default() -> Self {
        Self {
            patterns: Vec::new(),
            by_head: FxHashMap::default(),
        }
    }
}

impl<T> PhraseSet<T> {
    /// Adds a pattern.
    pub fn insert(&mut self, pattern: &str, payload: T) {
        let folded = fold_text(pattern);
        let mut words: Vec<PatternWord> = Vec::new();
        for token in tokenize(&folded) {
            let text = token.text(&folded);
            match (text, words.pop()) {
                ("*", Some(PatternWord::Exact(w))) => words.push(PatternWord::Prefix(w)),
                (_, previous) => {
                    words.extend(previous);
                    words.push(PatternWord::Exact(text.to_owned()));
                }
            }
        }
        if words.is_empty() {
            return;
        }
        let Some(key) = words[0].head() else {
            return;
        };
        let bucket = self.by_head.entry(key).or_default();
        let at = bucket.partition_point(|&k| self.patterns[k].0.len() >= words.len());
        bucket.insert(at, self.patterns.len());
        self.patterns.push((words, payload));
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// True when there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Matches in `text` whose payload passes `accept`, as code-point spans.
    pub fn find<'s>(&'s self, text: &str, accept: impl Fn(&T) -> bool) -> Vec<(Span, &'s T)> {
        let folded = fold_text(text);
        self.find_in_tokens(&folded, &tokenize(&folded), accept)
    }

    /// Matches over `tokens` of the already folded text `folded`, as the tokens' spans.
    pub fn find_in_tokens<'s>(
        &'s self,
        folded: &str,
        tokens: &[Token],
        accept: impl Fn(&T) -> bool,
    ) -> Vec<(Span, &'s T)> {
        let words: Vec<&str> = tokens.iter().map(|t| t.text(folded)).collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i < words.len() {
            // A pattern whose first word has three characters or more can only match a
            // word with the same three first characters; a shorter one (a prefix or a
            // short word) only needs the same first one or two.
            let first_hit = |key: Head| {
                self.by_head.get(&key).and_then(|bucket| {
                    bucket.iter().copied().find(|&k| {
                        let (pattern, payload) = &self.patterns[k];
                        i + pattern.len() <= words.len()
                            && pattern.iter().zip(&words[i..]).all(|(p, w)| p.matches(w))
                            && accept(payload)
                    })
                })
            };
            let hit = head(words[i]).and_then(|head| {
                let keys = (1..=HEAD_LEN)
                    .take_while(|&n| n == 1 || head[n - 1] != '\0')
                    .map(|n| {
                        let mut key = ['\0'; HEAD_LEN];
                        key[..n].copy_from_slice(&head[..n]);
                        key
                    });
                // The longest match wins; among equals, the pattern inserted first.
                keys.filter_map(first_hit)
                    .min_by_key(|&k| (std::cmp::Reverse(self.patterns[k].0.len()), k))
                    .map(|k| (&self.patterns[k].0, &self.patterns[k].1))
            });
            match hit {
                Some((pattern, payload)) => {
                    let last = i + pattern.len() - 1;
                    found.push((
                        Span::new(tokens[i].span.start, tokens[last].span.end),
                        payload,
                    ));
                    i = last + 1;
                }
                None => i += 1,
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_and_elision_patterns() {
        let mut set = PhraseSet::default();
        set.insert("frappe*", 1);
        set.insert("frappes aeriennes", 2);
        set.insert("s'abatt*", 3);
        let text = "Ils s’abattent après des frappes aériennes, puis une frappe.";
        let found: Vec<(String, i32)> = set
            .find(text, |_| true)
            .into_iter()
            .map(|(span, p)| (text.chars().skip(span.start).take(span.len()).collect(), *p))
            .collect();
        assert_eq!(
            found,
            [
                ("s’abattent".into(), 3),
                ("frappes aériennes".into(), 2),
                ("frappe".into(), 1)
            ]
        );
        assert!(set.find(text, |p| *p == 9).is_empty());
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert!(contains_phrase("et si la ville", "si"));
        assert!(contains_phrase("si la ville", "si la"));
        assert!(contains_phrase("alors que", "que"));
        assert!(!contains_phrase("aussi la ville", "si"));
        assert!(!contains_phrase("sila", "si"));
    }

    #[test]
    fn short_words_and_prefixes_match_by_their_own_head() {
        let mut set = PhraseSet::default();
        set.insert("de", 1);
        set.insert("a*", 2);
        set.insert("desert*", 3);
        let found: Vec<i32> = set
            .find("des abris de désert", |_| true)
            .into_iter()
            .map(|(_, p)| *p)
            .collect();
        assert_eq!(found, [2, 1, 3]);
    }
}
