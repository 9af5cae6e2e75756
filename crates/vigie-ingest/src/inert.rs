//! Removes what a page's reader never sees, or never reads as the article, before the
//! page is parsed: scripts (except JSON-LD metadata), styles, inline SVG, templates,
//! `noscript` and `iframe` fallbacks, navigation bars, page footers, asides, form
//! controls, embedded objects, `link` tags, comments, and the attributes the extractor
//! never reads (image `srcset`s, `data-*`, event handlers …). On news pages these are
//! most of the bytes, and the HTML parser would tokenise them only for the extractor to
//! throw them away.
//!
//! The same pass bounds nesting: start and end tags of container elements deeper than
//! [`MAX_DEPTH`] are dropped (their text stays), so that a page of 100,000 nested `div`s
//! costs what a flat page of the same size costs — the HTML parser's scope checks and the
//! extractor's walks up the tree grow with depth.
//!
//! One pass over the bytes: every `<` is looked at once, and only tags that lose
//! something are rewritten.

use std::borrow::Cow;

use memchr::{memchr, memmem};

/// Elements dropped with their content (lower-case tag names). Besides what is never
/// shown as text, this holds what the extractor always deletes from the article it
/// keeps (asides, form controls, embedded objects).
const INERT_ELEMENTS: [&str; 13] = [
    "script", "style", "svg", "template", "noscript", "iframe", "nav", "footer", "aside", "select",
    "button", "textarea", "object",
];

/// Empty elements dropped (lower-case tag names).
const INERT_VOID_ELEMENTS: [&str; 3] = ["link", "input", "embed"];

/// Deepest nesting of container elements kept; real pages stay under 60.
pub const MAX_DEPTH: usize = 256;

/// Elements that do not count towards the nesting depth: void elements, and those whose
/// end tag may be left out (a page's unclosed `<p>` and `<li>` never nest).
const UNCOUNTED_ELEMENTS: [&str; 33] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "rp", "rt", "colgroup", "caption", "html", "head", "body",
];

/// Attributes kept on the remaining tags (lower-case names): those the extractor reads
/// to score, hide or clean elements and to find metadata.
const KEPT_ATTRIBUTES: [&str; 24] = [
    "class",
    "id",
    "href",
    "src",
    "style",
    "hidden",
    "role",
    "aria-hidden",
    "aria-modal",
    "rel",
    "itemprop",
    "itemscope",
    "itemtype",
    "type",
    "name",
    "property",
    "content",
    "charset",
    "http-equiv",
    "lang",
    "dir",
    "colspan",
    "summary",
    "datetime",
];

/// `html` without its inert elements, comments and unread attributes.
pub fn strip_inert(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut kept = String::new();
    let mut copied_to = 0;
    let mut at = 0;
    let mut depth = Depth::default();
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        if bytes[start + 1..].starts_with(b"!--") {
            let end =
                memmem::find(&bytes[start + 4..], b"-->").map_or(html.len(), |e| start + 4 + e + 3);
            drop_span(html, &mut kept, &mut copied_to, start, end);
            at = end;
            continue;
        }
        let Some(tag) = Tag::parse(html, start) else {
            at = start + 1;
            continue;
        };
        if !tag.closing && is_one_of(tag.name, &INERT_ELEMENTS) && !tag.is_json_ld(html) {
            let end = closing_tag_end(html, tag.end, tag.name);
            drop_span(html, &mut kept, &mut copied_to, start, end);
            at = end;
            continue;
        }
        if !is_one_of(tag.name, &UNCOUNTED_ELEMENTS) && !depth.keeps(&tag, html) {
            drop_span(html, &mut kept, &mut copied_to, start, tag.end);
            at = tag.end;
            continue;
        }
        if tag.closing {
            at = tag.end;
            continue;
        }
        if is_one_of(tag.name, &INERT_VOID_ELEMENTS) {
            drop_span(html, &mut kept, &mut copied_to, start, tag.end);
        } else if tag
            .attributes
            .iter()
            .any(|a| !is_one_of(a.name, &KEPT_ATTRIBUTES))
        {
            drop_span(html, &mut kept, &mut copied_to, start, tag.end);
            tag.write_kept(html, &mut kept);
        }
        at = tag.end;
    }
    if copied_to == 0 {
        return Cow::Borrowed(html);
    }
    kept.push_str(&html[copied_to..]);
    Cow::Owned(kept)
}

/// The nesting depth of container elements so far, and how many start tags past
/// [`MAX_DEPTH`] were dropped (their end tags are dropped too).
#[derive(Default)]
struct Depth {
    open: usize,
    dropped: usize,
}

impl Depth {
    /// Whether the container tag `tag` is kept, updating the depth.
    fn keeps(&mut self, tag: &Tag, html: &str) -> bool {
        if tag.closing {
            if self.dropped > 0 {
                self.dropped -= 1;
                return false;
            }
            self.open = self.open.saturating_sub(1);
            true
        } else if html[..tag.end].ends_with("/>") {
            true
        } else if self.open >= MAX_DEPTH {
            self.dropped += 1;
            false
        } else {
            self.open += 1;
            true
        }
    }
}

/// Copies what precedes `start` into `kept` and skips to `end`.
fn drop_span(html: &str, kept: &mut String, copied_to: &mut usize, start: usize, end: usize) {
    if kept.capacity() == 0 {
        kept.reserve(html.len());
    }
    kept.push_str(&html[*copied_to..start]);
    *copied_to = end;
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Where the first `</name …>` at or after `from` ends (the end of `html` if none).
fn closing_tag_end(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut at = from;
    while let Some(offset) = memmem::find(&bytes[at..], b"</") {
        let start = at + offset;
        let name_end = start + 2 + name.len();
        let matches = bytes
            .get(start + 2..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && !bytes.get(name_end).is_some_and(u8::is_ascii_alphanumeric);
        if matches {
            return memchr(b'>', &bytes[name_end..]).map_or(html.len(), |g| name_end + g + 1);
        }
        at = start + 2;
    }
    html.len()
}

/// A start or end tag's name and attributes, as byte ranges of the page.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    attributes: Vec<Attribute<'a>>,
    /// Just past the tag's `>` (the end of the page for an unterminated tag).
    end: usize,
}

/// One attribute of a tag: its name and where it lies in the page, value included.
struct Attribute<'a> {
    name: &'a str,
    start: usize,
    end: usize,
}

impl<'a> Tag<'a> {
    /// The tag opening at `start` (a `<`), or `None` when no tag name follows (a bare
    /// `<` in text, a doctype or processing instruction).
    fn parse(html: &'a str, start: usize) -> Option<Self> {
        let bytes = html.as_bytes();
        let closing = bytes.get(start + 1) == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>'))
            .count();
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let mut tag = Tag {
            name: &html[name_start..name_start + name_len],
            closing,
            attributes: Vec::new(),
            end: html.len(),
        };
        let mut at = name_start + name_len;
        while at < bytes.len() {
            match bytes[at] {
                b'>' => {
                    tag.end = at + 1;
                    break;
                }
                b if b.is_ascii_whitespace() || b == b'/' => at += 1,
                _ => {
                    let attribute = Attribute::parse(html, at);
                    at = attribute.end;
                    tag.attributes.push(attribute);
                }
            }
        }
        Some(tag)
    }

    /// True for a `script` declaring JSON-LD metadata.
    fn is_json_ld(&self, html: &str) -> bool {
        self.name.eq_ignore_ascii_case("script")
            && self.attributes.iter().any(|a| {
                a.name.eq_ignore_ascii_case("type")
                    && html[a.start..a.end]
                        .to_ascii_lowercase()
                        .contains("ld+json")
            })
    }

    /// Writes the tag with only its kept attributes.
    fn write_kept(&self, html: &str, out: &mut String) {
        out.push('<');
        out.push_str(self.name);
        for attribute in &self.attributes {
            if is_one_of(attribute.name, &KEPT_ATTRIBUTES) {
                out.push(' ');
                out.push_str(&html[attribute.start..attribute.end]);
            }
        }
        out.push('>');
    }
}

impl<'a> Attribute<'a> {
    /// The attribute starting at `start` (its name's first byte), with its value.
    fn parse(html: &'a str, start: usize) -> Self {
        let bytes = html.as_bytes();
        let name_end = start
            + 1
            + bytes[start + 1..]
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
                .count();
        let name = &html[start..name_end];
        let after_space = |from: usize| {
            from + bytes[from..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count()
        };
        let equals = after_space(name_end);
        if bytes.get(equals) != Some(&b'=') {
            return Attribute {
                name,
                start,
                end: name_end,
            };
        }
        let value = after_space(equals + 1);
        let end = match bytes.get(value) {
            Some(&quote @ (b'"' | b'\'')) => bytes[value + 1..]
                .iter()
                .position(|b| *b == quote)
                .map_or(bytes.len(), |q| value + 1 + q + 1),
            _ => {
                value
                    + bytes[value..]
                        .iter()
                        .take_while(|b| !b.is_ascii_whitespace() && **b != b'>')
                        .count()
            }
        };
        Attribute { name, start, end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_scripts_styles_svg_navigation_and_comments_but_keeps_json_ld_and_text() {
        let page = "<html><head><STYLE>p{}</STYLE><script>var a = '<p>';</script>\
            <script type=\"application/ld+json\">{\"datePublished\":\"2026-03-03\"}</script>\
            </head><body><nav><a href=\"/\">Accueil</a></nav><!-- ad --><p>Texte é</p><svg viewBox=\"0 0 1 1\"><path/></svg>\
            <scripts>kept</scripts></body></html>";
        let stripped = strip_inert(page);
        assert_eq!(
            stripped,
            "<html><head><script type=\"application/ld+json\">{\"datePublished\":\"2026-03-03\"}\
             </script></head><body><p>Texte é</p><scripts>kept</scripts></body></html>"
        );
        assert!(matches!(strip_inert("<p>plain</p>"), Cow::Borrowed(_)));
        assert_eq!(strip_inert("<p>a</p><script>never closed"), "<p>a</p>");
    }

    #[test]
    fn drops_form_controls_asides_links_and_unread_attributes() {
        let page = "<link rel=stylesheet href=a.css><div class=\"x > y\" data-track='{\"a\":1}' \
            onclick=go()><p>Corps</p><aside><p>À lire aussi</p></aside><button>Partager</button>\
            <input type=text><img srcset=\"a.jpg 1x, b.jpg 2x\" src=a.jpg alt=\"\"></div>";
        assert_eq!(
            strip_inert(page),
            "<div class=\"x > y\"><p>Corps</p><img src=a.jpg></div>"
        );
    }

    #[test]
    fn flattens_nesting_past_the_depth_limit_and_keeps_the_text() {
        let deep = 10 * MAX_DEPTH;
        let page = format!(
            "{}<p>Texte</p>{}<p>Après</p>",
            "<div>".repeat(deep),
            "</div>".repeat(deep)
        );
        let stripped = strip_inert(&page);
        assert_eq!(stripped.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(stripped.matches("</div>").count(), MAX_DEPTH);
        assert!(stripped.contains("<p>Texte</p>") && stripped.ends_with("<p>Après</p>"));
        // Unclosed paragraphs and list items do not count as nesting.
        let flat = "<p>a".repeat(2 * MAX_DEPTH) + "<div>b</div>";
        assert!(strip_inert(&flat).ends_with("<div>b</div>"));
    }

    #[test]
    fn leaves_text_with_bare_angle_brackets_and_unterminated_tags_alone() {
        assert_eq!(strip_inert("<p>1 < 2 et 3 <4</p>"), "<p>1 < 2 et 3 <4</p>");
        assert_eq!(strip_inert("<p>a</p><div data-x=\"1"), "<p>a</p><div>");
        assert_eq!(strip_inert("<ASIDE>x</Aside >y"), "y");
        assert_eq!(
            strip_inert("<o:p style=a onclick=b></o:p>"),
            "<o:p style=a></o:p>"
        );
    }
}
