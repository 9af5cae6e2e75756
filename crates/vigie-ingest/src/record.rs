//! Raw articles as they arrive, before any analysis.

use serde::Deserialize;

use crate::IngestError;

/// The content of a raw article.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// An HTML page.
    Html(String),
}

/// One article as read from an input, with whatever metadata came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawArticle {
    /// Name of the input, used in error messages (file path, `file:line`).
    pub name: String,
    /// Id given by the input.
    pub id: Option<String>,
    /// Headline given by the input.
    pub title: Option<String>,
    /// URL given by the input.
    pub url: Option<String>,
    /// Publication date given by the input (ISO 8601).
    pub published: Option<String>,
    /// Outlet given by the input.
    pub source: Option<String>,
    /// Text or HTML.
    pub content: Content,
}

impl RawArticle {
    /// A raw article from a text or HTML string, detecting which it is.
    pub fn text(name: impl Into<String>, body: impl Into<String>) -> Self {
        let body = body.into();
        let content = if looks_like_html(&body) {
            Content::Html(body)
        } else {
            Content::Text(body)
        };
        Self {
            name: name.into(),
            id: None,
            title: None,
            url: None,
            published: None,
            source: None,
            content,
        }
    }
}

/// True when the string is an HTML document or fragment rather than plain text.
pub fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .trim_start()
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with('<')
        && [
            "<!doctype html",
            "<html",
            "<head",
            "<body",
            "<p>",
            "<p ",
            "<div",
            "<article",
        ]
        .iter()
        .any(|tag| head.contains(tag))
}

#[derive(Deserialize)]
struct JsonRecord {
    id: Option<serde_json::Value>,
    text: Option<String>,
    html: Option<String>,
    title: Option<String>,
    url: Option<String>,
    published: Option<String>,
    source: Option<String>,
}

/// Parses one JSONL line (`id`, `text` or `html`, optional `title`, `url`, `published`,
/// `source`); `name` names the line in errors.
pub fn parse_jsonl_line(name: &str, line: &str) -> Result<RawArticle, IngestError> {
    let bad = |reason: String| IngestError::BadRecord {
        input: name.to_owned(),
        reason,
    };
    let record: JsonRecord =
        serde_json::from_str(line).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let content = match (record.text, record.html) {
        (_, Some(html)) => Content::Html(html),
        (Some(text), None) => Content::Text(text),
        (None, None) => return Err(bad("record has neither `text` nor `html`".to_owned())),
    };
    let id = match record.id {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    Ok(RawArticle {
        name: name.to_owned(),
        id,
        title: record.title,
        url: record.url,
        published: record.published,
        source: record.source,
        content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_html() {
        assert!(looks_like_html(
            "  <!DOCTYPE html><html><body><p>x</p></body></html>"
        ));
        assert!(!looks_like_html("Les forces <irakiennes> avancent."));
    }

    #[test]
    fn parses_records_and_reports_bad_ones() {
        let raw = parse_jsonl_line(
            "f.jsonl:1",
            r#"{"id": 7, "text": "Bonjour.", "published": "2025-01-02"}"#,
        )
        .unwrap();
        assert_eq!(raw.id.as_deref(), Some("7"));
        assert_eq!(raw.content, Content::Text("Bonjour.".into()));
        let err = parse_jsonl_line("f.jsonl:2", r#"{"id": "x"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.jsonl:2: record has neither `text` nor `html`"
        );
        let err = parse_jsonl_line("f.jsonl:3", "{not json").unwrap_err();
        assert!(err.to_string().starts_with("f.jsonl:3: invalid JSON"));
    }
}
