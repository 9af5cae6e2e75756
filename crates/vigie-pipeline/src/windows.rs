//! Long documents are analysed window by window, so that the time per document grows
//! linearly with its length.
//!
//! Several stages compare each mention with the others of its document (people against
//! earlier names, places against the document's other places, triggers against every
//! entity). That is cheap on an article, and quadratic on a 4 MB text. A document longer
//! than [`WINDOW_BYTES`] is therefore cut into windows of whole sentences (a sentence
//! longer than a window is cut at a space), each window analysed as a document of its own,
//! and the annotations put back in place. Articles — almost all under 30 KB — are one
//! window and are analysed exactly as before.

use vigie_core::Span;

/// Largest window, in bytes of text.
pub const WINDOW_BYTES: usize = 64 * 1024;

/// A window of a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Byte range of the window in the text.
    pub start_byte: usize,
    /// One past the window's last byte.
    pub end_byte: usize,
    /// Code-point offset of the window's start (what its spans are shifted by).
    pub start_char: usize,
}

/// Cuts `text` into windows of at most `limit` bytes made of whole `sentences`
/// (code-point spans, in order); one window when the text fits.
pub fn windows(text: &str, sentences: &[Span], limit: usize) -> Vec<Window> {
    if text.len() <= limit {
        return vec![Window {
            start_byte: 0,
            end_byte: text.len(),
            start_char: 0,
        }];
    }
    let sentence_starts = byte_offsets(text, sentences.iter().map(|s| s.start));
    let mut cuts = Vec::new();
    let mut window_start = 0;
    let mut last_sentence_start = 0;
    for start in sentence_starts.into_iter().chain([text.len()]) {
        // Close windows until the sentence that ends at `start` fits in one.
        while start - window_start > limit {
            let cut = if last_sentence_start > window_start {
                last_sentence_start
            } else {
                cut_inside(text, window_start, limit)
            };
            cuts.push(cut);
            window_start = cut;
        }
        last_sentence_start = start;
    }
    let mut windows = Vec::with_capacity(cuts.len() + 1);
    let (mut start_byte, mut start_char) = (0, 0);
    for end_byte in cuts.into_iter().chain([text.len()]) {
        windows.push(Window {
            start_byte,
            end_byte,
            start_char,
        });
        start_char += text[start_byte..end_byte].chars().count();
        start_byte = end_byte;
    }
    windows
}

/// Where to cut a sentence that starts at `from` and is longer than `limit` bytes: after
/// its last space within the limit, else at the last character boundary.
fn cut_inside(text: &str, from: usize, limit: usize) -> usize {
    let bytes = &text.as_bytes()[from..from + limit];
    match bytes.iter().rposition(|b| b.is_ascii_whitespace()) {
        Some(space) if space > 0 => from + space + 1,
        _ => (from + 1..=from + limit)
            .rev()
            .find(|&at| text.is_char_boundary(at))
            .unwrap_or(from + limit),
    }
}

/// The byte offsets of increasing code-point offsets, in one pass over the text.
fn byte_offsets(text: &str, chars: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut indices = text.char_indices().map(|(byte, _)| byte).enumerate();
    let mut offsets = Vec::new();
    for wanted in chars {
        let found = indices
            .by_ref()
            .find(|(char_index, _)| *char_index >= wanted)
            .map_or(text.len(), |(_, byte)| byte);
        offsets.push(found);
    }
    offsets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence_spans(text: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        let mut start = 0;
        for (i, c) in text.chars().enumerate() {
            if c == '.' {
                spans.push(Span::new(start, i + 1));
                start = i + 2;
            }
        }
        spans
    }

    #[test]
    fn short_texts_are_one_window() {
        let text = "Une phrase. Une autre.";
        assert_eq!(windows(text, &sentence_spans(text), 100).len(), 1);
    }

    #[test]
    fn windows_cover_the_text_with_whole_sentences_within_the_limit() {
        let text = "Les forces de l'État avancent vers Mossoul. ".repeat(50);
        let sentences = sentence_spans(&text);
        let windows = windows(&text, &sentences, 200);
        assert!(windows.len() > 5);
        assert_eq!(windows[0].start_byte, 0);
        assert_eq!(windows.last().unwrap().end_byte, text.len());
        for pair in windows.windows(2) {
            assert_eq!(pair[0].end_byte, pair[1].start_byte);
            assert!(text[pair[1].start_byte..].starts_with("Les forces"));
            let chars = text[..pair[1].start_byte].chars().count();
            assert_eq!(pair[1].start_char, chars);
        }
        assert!(windows.iter().all(|w| w.end_byte - w.start_byte <= 200));
    }

    #[test]
    fn a_sentence_longer_than_a_window_is_cut_at_spaces() {
        let text = "mot é ".repeat(100);
        let windows = windows(&text, &[Span::new(0, text.chars().count())], 50);
        assert!(windows.iter().all(|w| w.end_byte - w.start_byte <= 50));
        assert!(
            windows
                .iter()
                .all(|w| text[w.start_byte..].starts_with("mot"))
        );
        assert_eq!(windows.last().unwrap().end_byte, text.len());
    }
}
