//! A work item: one input item as it travels through the queue.

use serde::{Deserialize, Serialize};
use vigie_core::fnv1a;
use vigie_ingest::{Content, InputItem, RawArticle};

/// One input item in a queue message (JSON): its origin, and the article with its
/// metadata or the error that kept it from being read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    /// The input's origin, the key that keeps the store from writing it twice.
    pub origin: String,
    /// Why the input could not be read (the worker records it as failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Name of the input, for error messages.
    #[serde(default)]
    pub name: String,
    /// Id given by the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Headline given by the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// URL given by the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication date given by the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Outlet given by the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// True when the body is an HTML page, false for plain text.
    #[serde(default)]
    pub html: bool,
    /// The text or HTML.
    pub body: Body,
}

/// Where an item's text is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// In the message.
    Inline(String),
    /// In the queue's object store under this key (an article larger than a message).
    Stored(String),
}

impl From<InputItem> for WorkItem {
    fn from(item: InputItem) -> Self {
        match item.article {
            Ok(article) => {
                let (html, text) = match article.content {
                    Content::Html(text) => (true, text),
                    Content::Text(text) => (false, text),
                };
                WorkItem {
                    origin: item.origin,
                    error: None,
                    name: article.name,
                    id: article.id,
                    title: article.title,
                    url: article.url,
                    published: article.published,
                    source: article.source,
                    html,
                    body: Body::Inline(text),
                }
            }
            Err(error) => WorkItem {
                name: item.origin.clone(),
                origin: item.origin,
                error: Some(error.to_string()),
                id: None,
                title: None,
                url: None,
                published: None,
                source: None,
                html: false,
                body: Body::Inline(String::new()),
            },
        }
    }
}

impl WorkItem {
    /// The inline text when it is longer than `limit` bytes.
    pub(crate) fn large_body(&self, limit: usize) -> Option<String> {
        match &self.body {
            Body::Inline(text) if text.len() > limit => Some(text.clone()),
            _ => None,
        }
    }

    /// The object-store key for this item's text: a hash of its origin.
    pub(crate) fn body_key(&self) -> String {
        format!("{:016x}", fnv1a(self.origin.bytes()))
    }

    /// Replaces the inline text by a reference to the object store.
    pub(crate) fn store_body(&mut self, key: String) {
        self.body = Body::Stored(key);
    }

    /// The item as the pipeline takes it, or the error that kept it from being read.
    /// Its text must be inline (the consumer fetches stored texts).
    pub fn into_article(self) -> Result<RawArticle, String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let Body::Inline(text) = self.body else {
            return Err(format!("{}: text left in the object store", self.origin));
        };
        Ok(RawArticle {
            name: self.name,
            id: self.id,
            title: self.title,
            url: self.url,
            published: self.published,
            source: self.source,
            content: if self.html {
                Content::Html(text)
            } else {
                Content::Text(text)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_ingest::IngestError;

    #[test]
    fn an_article_survives_the_trip_through_json() {
        let mut article = RawArticle::text("feed.xml#7", "<p>Les forces ont bombardé Mossoul.</p>");
        article.published = Some("2024-03-05".into());
        article.source = Some("Agence".into());
        let item = WorkItem::from(InputItem {
            origin: "feed.xml#7".into(),
            article: Ok(article.clone()),
        });
        let json = serde_json::to_string(&item).unwrap();
        let back: WorkItem = serde_json::from_str(&json).unwrap();
        assert_eq!(back.origin, "feed.xml#7");
        assert_eq!(back.into_article().unwrap(), article);
    }

    #[test]
    fn an_unreadable_input_travels_as_its_error() {
        let item = WorkItem::from(InputItem {
            origin: "bad.bin".into(),
            article: Err(IngestError::Binary {
                input: "bad.bin".into(),
            }),
        });
        let error = item.into_article().unwrap_err();
        assert!(
            error.contains("bad.bin") && error.contains("binary"),
            "{error}"
        );
    }

    #[test]
    fn a_large_text_is_replaced_by_its_key() {
        let mut item = WorkItem::from(InputItem {
            origin: "big.txt".into(),
            article: Ok(RawArticle::text("big.txt", "x".repeat(100))),
        });
        assert!(item.large_body(1000).is_none());
        assert_eq!(item.large_body(10).map(|t| t.len()), Some(100));
        let key = item.body_key();
        item.store_body(key.clone());
        assert_eq!(item.body, Body::Stored(key));
        assert!(item.into_article().unwrap_err().contains("object store"));
    }
}
