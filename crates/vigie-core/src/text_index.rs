//! Conversion between byte offsets (what Rust string APIs use) and code-point offsets
//! (what spans use).

use crate::span::Span;

/// Byte offset of every code point of a string, for O(1) char → byte and O(log n)
/// byte → char conversion.
#[derive(Debug, Clone)]
pub struct TextIndex {
    byte_offsets: Vec<usize>,
}

impl TextIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        // One offset per byte is an upper bound: no regrowth while indexing.
        let mut byte_offsets = Vec::with_capacity(text.len() + 1);
        byte_offsets.extend(text.char_indices().map(|(b, _)| b));
        byte_offsets.push(text.len());
        Self { byte_offsets }
    }

    /// Number of code points in the indexed text.
    pub fn char_len(&self) -> usize {
        self.byte_offsets.len() - 1
    }

    /// Byte offset of code point `char_offset` (the text length for the end position).
    pub fn byte(&self, char_offset: usize) -> usize {
        self.byte_offsets[char_offset.min(self.char_len())]
    }

    /// Code-point offset of byte `byte_offset`, which must lie on a char boundary.
    pub fn char(&self, byte_offset: usize) -> usize {
        match self.byte_offsets.binary_search(&byte_offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Converts a byte range to a code-point span.
    pub fn span(&self, byte_start: usize, byte_end: usize) -> Span {
        Span::new(self.char(byte_start), self.char(byte_end))
    }

    /// The slice of `text` (the string this index was built from) covered by `span`.
    pub fn slice<'t>(&self, text: &'t str, span: Span) -> &'t str {
        &text[self.byte(span.start)..self.byte(span.end)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_multibyte_text() {
        let text = "Hassaké à l’ouest";
        let index = TextIndex::new(text);
        assert_eq!(index.char_len(), 17);
        let start = text.find("à").unwrap();
        assert_eq!(index.char(start), 8);
        assert_eq!(index.slice(text, Span::new(8, 9)), "à");
        assert_eq!(index.slice(text, index.span(0, "Hassaké".len())), "Hassaké");
    }
}
