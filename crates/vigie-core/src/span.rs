//! Character spans.

use serde::{Deserialize, Serialize};

/// A half-open range `[start, end)` of Unicode code-point offsets into a document's text.
///
/// Serialised as a two-element JSON array `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "[usize; 2]", into = "[usize; 2]")]
pub struct Span {
    /// First code point of the span.
    pub start: usize,
    /// One past the last code point of the span.
    pub end: usize,
}

impl Span {
    /// Creates a span; `start` must not exceed `end`.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span start {start} after end {end}");
        Self { start, end }
    }

    /// Number of code points covered.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the span covers nothing.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// True when `other` lies entirely inside `self`.
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// True when the two spans share at least one code point.
    pub fn overlaps(&self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

impl From<[usize; 2]> for Span {
    fn from([start, end]: [usize; 2]) -> Self {
        Self { start, end }
    }
}

impl From<Span> for [usize; 2] {
    fn from(span: Span) -> Self {
        [span.start, span.end]
    }
}

/// A piece of the text together with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSpan {
    /// The text exactly as it appears at `span`.
    pub text: String,
    /// Where it appears in the document text.
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_pair() {
        let span = Span::new(3, 9);
        assert_eq!(serde_json::to_string(&span).unwrap(), "[3,9]");
        let back: Span = serde_json::from_str("[3,9]").unwrap();
        assert_eq!(back, span);
    }

    #[test]
    fn overlap_and_containment() {
        let a = Span::new(0, 10);
        assert!(a.contains(Span::new(2, 5)));
        assert!(!a.contains(Span::new(8, 12)));
        assert!(a.overlaps(Span::new(8, 12)));
        assert!(!a.overlaps(Span::new(10, 12)));
    }
}
