//! Ingest stage: turns raw inputs (plain text, HTML, JSONL records, WARC crawls, RSS and
//! Atom feeds) into [`Document`]s with clean body text, captions and page furniture kept
//! apart.

pub mod decode;
pub mod feed;
pub mod fetch;
pub mod html;
pub mod inert;
pub mod inputs;
pub mod layout;
pub mod limits;
pub mod record;
pub mod warc;

use vigie_core::Document;

pub use decode::decode_bytes;
pub use html::{Extractor, HtmlArticle, extract_html};
pub use inputs::{InputFormat, InputItem, expand, read_input, read_inputs};
pub use record::{Content, RawArticle, parse_jsonl_line};

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input holds binary data, not text.
    #[error("{input}: binary data, not a text or HTML article")]
    Binary {
        /// Name of the input.
        input: String,
    },
    /// The input, or the article it holds once decoded, is larger than the limit.
    #[error("{input}: larger than the {limit}-byte limit for one article")]
    TooLarge {
        /// Name of the input.
        input: String,
        /// The limit.
        limit: usize,
    },
    /// A JSONL record is malformed.
    #[error("{input}: {reason}")]
    BadRecord {
        /// Name of the input (file and line).
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// The input cannot be opened or read.
    #[error("{input}: cannot read: {reason}")]
    Unreadable {
        /// Name of the input.
        input: String,
        /// The system's reason.
        reason: String,
    },
    /// Reading the input met a bug in Vigie; what remained of the input was skipped.
    #[error(
        "{input}: internal error while reading this input ({message}); the rest of it was skipped"
    )]
    Internal {
        /// Name of the input.
        input: String,
        /// The panic's message.
        message: String,
    },
    /// The article has no text once extracted.
    #[error("{input}: no article text found")]
    Empty {
        /// Name of the input.
        input: String,
    },
}

/// Largest article accepted, in bytes.
pub const MAX_ARTICLE_BYTES: usize = 16 * 1024 * 1024;

/// Builds a document from a raw article: extracts HTML, separates title, captions and
/// furniture from the body, and fills the metadata.
///
/// Every input format ends here, so this is where the one size limit applies: content
/// over [`MAX_ARTICLE_BYTES`] once decoded (a JSONL field, a feed item, a WARC payload, a
/// file) is refused before any analysis.
pub fn ingest(raw: RawArticle, extractor: Extractor) -> Result<Document, IngestError> {
    let size = match &raw.content {
        Content::Text(text) | Content::Html(text) => text.len(),
    };
    if size > MAX_ARTICLE_BYTES {
        return Err(IngestError::TooLarge {
            input: raw.name,
            limit: MAX_ARTICLE_BYTES,
        });
    }
    let (mut layout, html_meta) = match &raw.content {
        Content::Text(text) => (layout::lay_out_titled(text, raw.title.as_deref()), None),
        Content::Html(html) => {
            let article = extract_html(html, raw.url.as_deref(), extractor);
            let title = raw.title.as_deref().or(article.title.as_deref());
            let mut layout = layout::lay_out_titled(&article.text, title);
            layout
                .captions
                .extend(article.captions.iter().map(|c| layout::caption(c)));
            (layout, Some(article))
        }
    };
    if layout.body.trim().is_empty() {
        return Err(IngestError::Empty { input: raw.name });
    }
    let id = raw.id.clone().unwrap_or_else(|| content_id(&layout.body));
    let mut doc = Document::new(id, std::mem::take(&mut layout.body));
    doc.title = raw
        .title
        .or_else(|| html_meta.as_ref().and_then(|a| a.title.clone()))
        .or(layout.title);
    doc.url = raw.url;
    doc.source = raw
        .source
        .or_else(|| html_meta.as_ref().and_then(|a| a.site_name.clone()));
    doc.published = raw
        .published
        .as_deref()
        .and_then(iso_date_prefix)
        .or_else(|| {
            html_meta
                .as_ref()
                .and_then(|a| a.published.as_deref().and_then(iso_date_prefix))
        });
    doc.captions = layout.captions;
    doc.furniture = layout.furniture;
    Ok(doc)
}

/// A stable id derived from the body text (FNV-1a, 64 bits, hex).
pub fn content_id(text: &str) -> String {
    format!("{:016x}", vigie_core::fnv1a(text.bytes()))
}

/// The `YYYY-MM-DD` prefix of an ISO 8601 date or date-time, if it has one.
pub fn iso_date_prefix(value: &str) -> Option<String> {
    let bytes = value.trim().as_bytes().get(..10)?;
    let shape_ok = bytes.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    if !shape_ok {
        return None;
    }
    // All ASCII from here on: every byte offset is a character boundary.
    let prefix = std::str::from_utf8(bytes).ok()?;
    let month: u32 = prefix[5..7].parse().ok()?;
    let day: u32 = prefix[8..10].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| prefix.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iso_dates() {
        assert_eq!(
            iso_date_prefix("2025-03-17T08:30:00+01:00").as_deref(),
            Some("2025-03-17")
        );
        assert_eq!(iso_date_prefix("17/03/2025"), None);
        assert_eq!(iso_date_prefix("2025-13-01"), None);
        // Multi-byte characters where digits belong (a panic once: slicing inside 'é').
        assert_eq!(iso_date_prefix("2025é-01-02"), None);
        assert_eq!(iso_date_prefix("20é5-01-02T00"), None);
        assert_eq!(iso_date_prefix("2025-0é-02"), None);
        assert_eq!(iso_date_prefix("ééééé"), None);
    }

    #[test]
    fn plain_text_keeps_title_and_caption_apart() {
        let raw = RawArticle::text(
            "a.txt",
            "Titre de l'article\n\nPhoto : des soldats à Gao. ©AFP\n\nLe corps du texte commence ici. Il continue.\n\nPartager cet article",
        );
        let doc = ingest(raw, Extractor::default()).unwrap();
        assert_eq!(doc.title.as_deref(), Some("Titre de l'article"));
        assert_eq!(doc.text, "Le corps du texte commence ici. Il continue.");
        assert_eq!(doc.captions.len(), 1);
        assert_eq!(doc.captions[0].credit.as_deref(), Some("AFP"));
        assert_eq!(doc.furniture.len(), 1);
    }

    #[test]
    fn empty_article_is_an_error_naming_the_input() {
        let err = ingest(RawArticle::text("empty.txt", "  \n "), Extractor::default()).unwrap_err();
        assert!(err.to_string().starts_with("empty.txt:"));
    }
}
