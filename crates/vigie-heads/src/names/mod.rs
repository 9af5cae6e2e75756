//! The name head: a [`SpanTagger`] of PER, LOC, ORG and MISC over the word vectors.

use std::path::Path;

use crate::model_file;
use crate::tagger::{self, Example, SpanTagger};
use crate::training::TrainingOptions;
use crate::words::WordVectors;

/// What a name tagger file says it finds.
const HEAD: &str = "names";

/// The kinds of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// People.
    Per,
    /// Places.
    Loc,
    /// Organisations.
    Org,
    /// Other proper names: nationalities, events, works, products, laws.
    Misc,
}

impl NameKind {
    /// Every kind, in tag order.
    pub const ALL: [NameKind; 4] = [NameKind::Per, NameKind::Loc, NameKind::Org, NameKind::Misc];

    /// The CoNLL code (`PER`).
    pub fn code(self) -> &'static str {
        match self {
            NameKind::Per => "PER",
            NameKind::Loc => "LOC",
            NameKind::Org => "ORG",
            NameKind::Misc => "MISC",
        }
    }

    /// Parses a CoNLL code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A name found: a range of words and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The words, as indexes.
    pub words: std::ops::Range<usize>,
    /// What it names.
    pub kind: NameKind,
}

/// The trained name head.
#[derive(Debug, Clone)]
pub struct NameTagger(SpanTagger);

impl NameTagger {
    /// Where the shipped head is, relative to the repository root.
    pub const DEFAULT_FILE: &'static str = "data/models/names-head.bin";

    /// The BIO tags, in the order of the head's outputs (`O`, `B-PER`, `I-PER`, …).
    pub fn tag_names() -> Vec<String> {
        tagger::tags_of_kinds(&NameKind::ALL.map(NameKind::code))
    }

    /// The training example of a sentence: its word vectors, its CoNLL tags (`B-PER`, …;
    /// unknown tags are read as `O`) and the kinds its corpus marks.
    pub fn example(
        vectors: crate::words::HalfVectors,
        tags: &[&str],
        marked: &[NameKind],
    ) -> Result<Example, String> {
        let names = Self::tag_names();
        let tags = tags
            .iter()
            .map(|t| names.iter().position(|n| n == t).unwrap_or(tagger::OUTSIDE))
            .collect();
        let unmarked = (0..NameKind::ALL.len())
            .filter(|&k| !marked.contains(&NameKind::ALL[k]))
            .collect();
        Example::new(vectors, tags, unmarked)
    }

    /// Trains a name head (see [`tagger::train`]).
    pub fn train(
        training: &[Example],
        development: &[Example],
        options: &TrainingOptions,
        provenance: &str,
        progress: impl FnMut(usize, f64, f64),
    ) -> candle_core::Result<Self> {
        let kinds = NameKind::ALL.map(NameKind::code);
        tagger::train(
            HEAD,
            &kinds,
            training,
            development,
            options,
            provenance,
            progress,
        )
        .map(NameTagger)
    }

    /// The encoder layers whose vectors the head reads (pass them to
    /// [`word_vectors`](crate::words::word_vectors)).
    pub fn layers(&self) -> &[usize] {
        self.0.layers()
    }

    /// How the head was made.
    pub fn provenance(&self) -> &str {
        self.0.provenance()
    }

    /// The tag of each word (indexes into [`tag_names`](Self::tag_names)), decoded under
    /// the BIO constraint.
    pub fn tags(&self, words: &WordVectors) -> Result<Vec<usize>, String> {
        self.0.tags(words)
    }

    /// The names among `words`.
    pub fn names(&self, words: &WordVectors) -> Result<Vec<Name>, String> {
        Ok(self
            .0
            .spans(words)?
            .into_iter()
            .map(|span| Name {
                words: span.words,
                kind: NameKind::ALL[span.kind],
            })
            .collect())
    }

    /// The head as bytes (format `VIGIE-HEAD1`, half-precision weights).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// Reads a head file; errors name it.
    pub fn load(path: &Path) -> Result<Self, String> {
        model_file::load(path, Self::from_bytes)
    }

    /// Reads a head written by [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let tagger = SpanTagger::from_bytes(bytes, HEAD)?;
        if tagger.kinds() != NameKind::ALL.map(NameKind::code) {
            return Err(format!("name kinds {:?}", tagger.kinds()));
        }
        Ok(NameTagger(tagger))
    }
}
