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

/// Deepest element nesting read; the XML parser recurses once per level. Feeds nest a
/// handful of levels.
pub const MAX_XML_DEPTH: usize = 256;

/// Largest size of a feed once its entity references are expanded.
pub const MAX_EXPANDED_BYTES: u64 = crate::MAX_ARTICLE_BYTES as u64;

/// Reads the items of an RSS or Atom document named `name`. Documents nested deeper than
/// [`MAX_XML_DEPTH`] or whose entities expand past [`MAX_EXPANDED_BYTES`] are refused
/// before they are parsed.
pub fn read_feed(name: &str, text: &str) -> Result<Vec<InputItem>, IngestError> {
    let bad = |reason: String| IngestError::BadRecord {
        input: name.to_owned(),
        reason,
    };
    if xml_depth(text) > MAX_XML_DEPTH {
        return Err(bad(format!(
            "elements nested more than {MAX_XML_DEPTH} deep: not a feed"
        )));
    }
    if expanded_size(text) > MAX_EXPANDED_BYTES {
        return Err(bad(format!(
            "entity references expand to over {MAX_EXPANDED_BYTES} bytes"
        )));
    }
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let xml = Xml::parse_with_options(text, options)
        .map_err(|e| bad(format!("not a well-formed feed: {e}")))?;
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
    let mut keys_seen = std::collections::HashSet::new();
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
            let body = ["encoded", "content", "description", "summary"]
                .iter()
                .find_map(|tag| child_text(item, tag));
            // A feed that gives two items one id: the second is told apart by its
            // content, so that it is not taken for the first and dropped.
            let key = if keys_seen.insert(key.clone()) {
                key
            } else {
                let content = body.as_deref().unwrap_or_default();
                format!("{key}~{:08x}", vigie_core::fnv1a(content.bytes()) as u32)
            };
            let origin = format!("{name}#{key}");
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

/// The deepest element nesting of an XML document, read without parsing it: start tags
/// count one level, end tags close one; comments, CDATA sections, processing
/// instructions and the doctype are skipped, quoted attribute values are read over.
fn xml_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut at) = (0usize, 0usize, 0usize);
    let skip_past = |from: usize, end: &[u8]| {
        memchr::memmem::find(&bytes[from..], end).map_or(bytes.len(), |e| from + e + end.len())
    };
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let rest = &bytes[start..];
        at = if rest.starts_with(b"<!--") {
            skip_past(start, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip_past(start, b"]]>")
        } else if rest.starts_with(b"<?") {
            skip_past(start, b"?>")
        } else if rest.starts_with(b"<!") {
            doctype_end(bytes, start)
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            skip_past(start, b">")
        } else {
            let end = tag_end(bytes, start);
            if bytes[..end].ends_with(b"/>") {
                end
            } else {
                depth += 1;
                deepest = deepest.max(depth);
                end
            }
        };
    }
    deepest
}

/// Just past the `>` that ends the tag opening at `start`, reading over quoted values.
fn tag_end(bytes: &[u8], start: usize) -> usize {
    let mut quote = None;
    for (i, &b) in bytes[start..].iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return start + i + 1,
            _ => {}
        }
    }
    bytes.len()
}

/// Just past a `<!DOCTYPE …>` (or other `<!…>` declaration), its internal subset included.
fn doctype_end(bytes: &[u8], start: usize) -> usize {
    let close = memchr::memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e + 1);
    match memchr::memchr(b'[', &bytes[start..close]) {
        Some(open) => memchr::memmem::find(&bytes[start + open..], b"]")
            .and_then(|e| {
                memchr::memchr(b'>', &bytes[start + open + e..]).map(|g| start + open + e + g + 1)
            })
            .unwrap_or(bytes.len()),
        None => close,
    }
}

/// The size of the document once every reference to an entity of its internal DTD subset
/// is expanded (saturating): the text's own length plus, for each reference, its
/// entity's expanded length.
fn expanded_size(text: &str) -> u64 {
    let entities = declared_entities(text);
    if entities.is_empty() {
        return text.len() as u64;
    }
    let mut memo = std::collections::HashMap::new();
    let mut total = text.len() as u64;
    for name in references(text) {
        if entities.contains_key(name) {
            let size = entity_size(name, &entities, &mut memo, 0);
            total = total.saturating_add(size);
        }
    }
    total
}

/// The `<!ENTITY name "value">` declarations of the document's internal subset.
fn declared_entities(text: &str) -> std::collections::HashMap<&str, &str> {
    let mut entities = std::collections::HashMap::new();
    let mut rest = text;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = rest[at + "<!ENTITY".len()..].trim_start();
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let after = rest[name_len..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        let Some(value_len) = after[1..].find(quote) else {
            break;
        };
        entities.insert(name, &after[1..1 + value_len]);
        rest = &after[1 + value_len..];
    }
    entities
}

/// The names of the `&name;` references in `text` (character references excluded).
fn references(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('&').filter_map(move |(at, _)| {
        let rest = &text[at + 1..];
        let end = rest.find(';').filter(|&e| e <= 64)?;
        let name = &rest[..end];
        (!name.is_empty() && !name.starts_with('#')).then_some(name)
    })
}

/// The expanded length of entity `name`; past the nesting the parser allows, unbounded.
fn entity_size<'a>(
    name: &'a str,
    entities: &std::collections::HashMap<&'a str, &'a str>,
    memo: &mut std::collections::HashMap<&'a str, u64>,
    depth: usize,
) -> u64 {
    if let Some(size) = memo.get(name) {
        return *size;
    }
    let Some(value) = entities.get(name) else {
        return 0;
    };
    if depth > 10 {
        return u64::MAX;
    }
    let mut size = value.len() as u64;
    for inner in references(value) {
        size = size.saturating_add(entity_size(inner, entities, memo, depth + 1));
    }
    memo.insert(name, size);
    size
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

    #[test]
    fn items_sharing_an_id_are_all_read() {
        let rss = "<rss><channel><title>T</title>\
            <item><guid>same</guid><description>Premier article.</description></item>\
            <item><guid>same</guid><description>Second article.</description></item>\
            </channel></rss>";
        let items = read_feed("f.rss", rss).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].origin, "f.rss#same");
        assert!(items[1].origin.starts_with("f.rss#same~"));
        assert_ne!(items[0].origin, items[1].origin);
    }

    fn feed_with_description(description: &str) -> String {
        format!(
            "<rss><channel><title>T</title><item><guid>1</guid><description>{description}</description></item></channel></rss>"
        )
    }

    #[test]
    fn refuses_deep_nesting_before_parsing() {
        let deep = 50 * MAX_XML_DEPTH;
        let feed =
            feed_with_description(&format!("{}x{}", "<a>".repeat(deep), "</a>".repeat(deep)));
        let error = read_feed("deep.rss", &feed).unwrap_err().to_string();
        assert!(
            error.starts_with("deep.rss: elements nested more than"),
            "{error}"
        );
        // Self-closing tags, comments, CDATA and quoted '>' do not nest.
        let flat = feed_with_description(&format!(
            "{}<!-- <a> --><![CDATA[<b><b>]]><c x='>'/>",
            "<br/>".repeat(deep)
        ));
        assert_eq!(xml_depth(&flat), 4);
        assert!(read_feed("flat.rss", &flat).is_ok());
    }

    #[test]
    fn refuses_entities_that_expand_quadratically() {
        let big = "A".repeat(100_000);
        let feed = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"{big}\"><!ENTITY b \"&a;&a;\">]>{}",
            feed_with_description(&"&b;".repeat(200))
        );
        let error = read_feed("quad.rss", &feed).unwrap_err().to_string();
        assert!(error.contains("expand to over"), "{error}");
        // A few small entities are read as usual.
        let small = format!(
            "<!DOCTYPE rss [<!ENTITY org \"Nations unies\">]>{}",
            feed_with_description("&org; &amp; &#233;")
        );
        let items = read_feed("small.rss", &small).unwrap();
        assert!(
            matches!(&items[0].article.as_ref().unwrap().content, Content::Html(h) if h == "Nations unies & é")
        );
    }
}
