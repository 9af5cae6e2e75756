//! RSS (0.9x, 1.0/RDF, 2.0) and Atom feeds: one raw article per item, with its link,
//! title, publication date and the feed's title as the outlet.

use roxmltree::{Document as Xml, Node, ParsingOptions};

use crate::IngestError;
use crate::inputs::InputItem;
use crate::record::{Content, RawArticle};

/// True when the text looks like an RSS or Atom document.
pub fn looks_like_feed(text: &str) -> bool {
    let head: String = text.chars().take(2048).collect();
    head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:RDF")
}

/// Reads the items of an RSS or Atom document named `name`.
pub fn read_feed(name: &str, text: &str) -> Result<Vec<InputItem>, IngestError> {
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let xml = Xml::parse_with_options(text, options).map_err(|e| IngestError::BadRecord {
        input: name.to_owned(),
        reason: format!("not a well-formed feed: {e}"),
    })?;
    let root = xml.root_element();
    let atom = root.tag_name().name() == "feed";
    let channel_title = if atom {
        child_text(root, "title")
    } else {
        root.descendants()
            .find(|n| n.has_tag_name("channel"))
            .and_then(|c| child_text(c, "title"))
    };
    let item_tag = if atom { "entry" } else { "item" };
    let items: Vec<InputItem> = root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == item_tag)
        .enumerate()
        .map(|(position, item)| {
            let link = if atom {
                atom_link(item)
            } else {
                child_text(item, "link")
            };
            let key = child_text(item, if atom { "id" } else { "guid" })
                .or_else(|| link.clone())
                .unwrap_or_else(|| format!("item-{}", position + 1));
            let origin = format!("{name}#{key}");
            let body = ["encoded", "content", "description", "summary"]
                .iter()
                .find_map(|tag| child_text(item, tag));
            let article = match body {
                Some(body) => Ok(RawArticle {
                    name: origin.clone(),
                    id: None,
                    title: child_text(item, "title"),
                    url: link,
                    published: ["pubDate", "published", "date", "updated"]
                        .iter()
                        .find_map(|tag| child_text(item, tag))
                        .and_then(|d| to_iso_date(&d)),
                    source: channel_title.clone(),
                    content: Content::Html(body),
                }),
                None => Err(IngestError::Empty {
                    input: origin.clone(),
                }),
            };
            InputItem { origin, article }
        })
        .collect();
    Ok(items)
}

/// Text of the first child element with this local name.
fn child_text(node: Node, local_name: &str) -> Option<String> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == local_name)
        .map(|c| {
            c.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The `alternate` (or first) link of an Atom entry.
fn atom_link(entry: Node) -> Option<String> {
    let links: Vec<Node> = entry
        .children()
        .filter(|c| c.has_tag_name("link"))
        .collect();
    links
        .iter()
        .find(|l| l.attribute("rel").is_none_or(|r| r == "alternate"))
        .or(links.first())
        .and_then(|l| l.attribute("href"))
        .map(str::to_owned)
}

/// An RFC 2822 (RSS) or ISO 8601 (Atom, Dublin Core) date as `YYYY-MM-DD`.
fn to_iso_date(value: &str) -> Option<String> {
    crate::iso_date_prefix(value).or_else(|| {
        chrono::DateTime::parse_from_rfc2822(value.trim())
            .ok()
            .map(|d| d.date_naive().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_items() {
        let rss = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Le Quotidien</title>
<item><title>Offensive en Irak</title><link>https://example.org/a</link>
<guid>https://example.org/a?id=1</guid><pubDate>Tue, 03 Mar 2026 10:00:00 +0100</pubDate>
<description>Résumé</description>
<content:encoded><![CDATA[<p>Les forces irakiennes ont lancé une offensive.</p>]]></content:encoded></item>
<item><title>Sans texte</title><link>https://example.org/b</link></item>
</channel></rss>"#;
        let items = read_feed("feed.xml", rss).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].origin, "feed.xml#https://example.org/a?id=1");
        let article = items[0].article.as_ref().unwrap();
        assert_eq!(article.title.as_deref(), Some("Offensive en Irak"));
        assert_eq!(article.published.as_deref(), Some("2026-03-03"));
        assert_eq!(article.source.as_deref(), Some("Le Quotidien"));
        assert!(matches!(&article.content, Content::Html(h) if h.contains("offensive")));
        assert!(items[1].article.is_err());
    }

    #[test]
    fn reads_atom_entries() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><id>tag:wire,2026:1</id><title>Clashes</title>
<link rel="self" href="https://wire/self"/><link href="https://wire/1"/>
<updated>2026-04-02T08:00:00Z</updated><content type="html">&lt;p&gt;Fighting broke out.&lt;/p&gt;</content></entry>
</feed>"#;
        let items = read_feed("wire.atom", atom).unwrap();
        let article = items[0].article.as_ref().unwrap();
        assert_eq!(items[0].origin, "wire.atom#tag:wire,2026:1");
        assert_eq!(article.url.as_deref(), Some("https://wire/1"));
        assert_eq!(article.published.as_deref(), Some("2026-04-02"));
        assert!(looks_like_feed(atom));
        assert!(read_feed("bad.xml", "<rss><channel>").is_err());
    }
}
