//! Removes what a page's reader never sees, or never reads as the article, before the
//! page is parsed: scripts (except JSON-LD metadata), styles, inline SVG, templates,
//! `noscript` and `iframe` fallbacks, navigation bars, page footers and comments. On news pages they are
//! often most of the bytes, and the HTML parser would tokenise them only for the
//! extractor to throw them away.

use std::borrow::Cow;

/// Elements dropped with their content (lower-case tag names).
const INERT_ELEMENTS: [&str; 8] = [
    "script", "style", "svg", "template", "noscript", "iframe", "nav", "footer",
];

/// `html` without its inert elements and comments.
pub fn strip_inert(html: &str) -> Cow<'_, str> {
    let lower = html.to_ascii_lowercase();
    let mut kept = String::with_capacity(html.len());
    let mut copied_to = 0;
    let mut at = 0;
    while let Some(offset) = lower[at..].find('<') {
        let start = at + offset;
        let rest = &lower[start + 1..];
        let end = if rest.starts_with("!--") {
            lower[start + 4..].find("-->").map(|e| start + 4 + e + 3)
        } else {
            INERT_ELEMENTS
                .iter()
                .find(|tag| {
                    rest.starts_with(*tag)
                        && rest[tag.len()..].starts_with(|c: char| c == '>' || c.is_whitespace())
                })
                .filter(|tag| !(**tag == "script" && is_json_ld(rest)))
                .map(|tag| {
                    let close = format!("</{tag}");
                    lower[start..]
                        .find(&close)
                        .and_then(|c| lower[start + c..].find('>').map(|g| start + c + g + 1))
                        .unwrap_or(html.len())
                })
        };
        match end {
            Some(end) => {
                kept.push_str(&html[copied_to..start]);
                copied_to = end;
                at = end;
            }
            None => at = start + 1,
        }
    }
    if copied_to == 0 {
        return Cow::Borrowed(html);
    }
    kept.push_str(&html[copied_to..]);
    Cow::Owned(kept)
}

/// True when the opening `script` tag at the start of `tag` declares JSON-LD.
fn is_json_ld(tag: &str) -> bool {
    let opening = tag.split('>').next().unwrap_or("");
    opening.contains("ld+json")
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
}
