//! Main-content extraction from HTML pages.
//!
//! The default extractor is `dom_smoothie` (a port of Mozilla's Readability); the
//! `trafilatura` cargo feature adds the `trafilatura` crate for comparison. Figure
//! captions are taken out of the page before extraction and returned apart, and so are
//! cookie and consent banners.
//!
//! Pages also describe their article as structured data: a JSON-LD `articleBody` (or
//! `text`) of an `Article`, `NewsArticle`, `BlogPosting` … When what the extractor finds
//! is thin next to it, or reads like a consent notice, the structured body is the
//! article.

use dom_query::Document as Dom;
use dom_smoothie::{Config, Readability, TextMode};

/// Which main-content extractor to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Extractor {
    /// `dom_smoothie` (Readability).
    #[default]
    DomSmoothie,
    /// The `trafilatura` crate (needs the `trafilatura` feature).
    #[cfg(feature = "trafilatura")]
    Trafilatura,
}

/// What extraction found in a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HtmlArticle {
    /// Headline.
    pub title: Option<String>,
    /// Body text, paragraphs separated by blank lines.
    pub text: String,
    /// Figure captions.
    pub captions: Vec<String>,
    /// Publication date or date-time as declared by the page.
    pub published: Option<String>,
    /// Site name as declared by the page.
    pub site_name: Option<String>,
}

/// Extracts the article from an HTML page; `url` resolves relative links.
pub fn extract_html(html: &str, url: Option<&str>, extractor: Extractor) -> HtmlArticle {
    let dom = Dom::from(crate::inert::strip_inert(html).as_ref());
    let structured = structured_body(&dom);
    remove_consent_banners(&dom);
    let figcaptions = dom.select("figcaption");
    let captions: Vec<String> = figcaptions
        .iter()
        .map(|c| normalize_space(&c.text()))
        .filter(|c| !c.is_empty())
        .collect();
    figcaptions.remove();
    let mut article = match extractor {
        Extractor::DomSmoothie => with_dom_smoothie(dom, url),
        #[cfg(feature = "trafilatura")]
        Extractor::Trafilatura => with_trafilatura(&dom.html()),
    };
    article.captions = captions;
    if let Some(body) = structured.filter(|body| prefer_structured(&article.text, body)) {
        article.text = body;
    }
    article
}

/// Marks in the `id` or `class` of the elements that hold cookie and consent banners
/// (the common consent platforms included).
const CONSENT_MARKS: [&str; 9] = [
    "cookie",
    "Cookie",
    "consent",
    "Consent",
    "gdpr",
    "onetrust",
    "didomi",
    "sp_message",
    "cmp-",
];

/// Longest text of an element taken for a banner (larger ones hold the page).
const MAX_BANNER_CHARS: usize = 3000;

/// Removes cookie and consent banners: elements whose `id` or `class` names one of
/// [`CONSENT_MARKS`] and that hold little text.
fn remove_consent_banners(dom: &Dom) {
    let selector = CONSENT_MARKS
        .iter()
        .map(|mark| format!("[id*=\"{mark}\"], [class*=\"{mark}\"]"))
        .collect::<Vec<_>>()
        .join(", ");
    for banner in dom.select(&selector).iter() {
        let is_page = banner.is("html, body, main, article");
        if !is_page && banner.text().chars().count() <= MAX_BANNER_CHARS {
            banner.remove();
        }
    }
}

/// Words a cookie or consent notice uses.
const CONSENT_WORDS: [&str; 14] = [
    "cookie",
    "consent",
    "privacy",
    "gdpr",
    "accept",
    "partners",
    "personal data",
    "datenschutz",
    "zustimm",
    "consentement",
    "accepte",
    "partenaires",
    "vie privée",
    "données personnelles",
];

/// True for short text that reads like a cookie or consent notice.
fn reads_like_consent_notice(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words = lower.split_whitespace().count();
    let cues = CONSENT_WORDS.iter().filter(|w| lower.contains(*w)).count();
    words < 300 && cues >= 2
}

/// Whether the structured body should replace the extracted text: the extraction is a
/// consent notice, or holds less than half the structured body's words.
fn prefer_structured(extracted: &str, structured: &str) -> bool {
    let words = |text: &str| text.split_whitespace().count();
    reads_like_consent_notice(extracted) || words(extracted) * 2 < words(structured)
}

/// The longest article body the page declares in JSON-LD (`articleBody`, else `text`, of
/// an object whose `@type` is an article or a blog post), as paragraphs.
fn structured_body(dom: &Dom) -> Option<String> {
    dom.select("script[type*=\"ld+json\"]")
        .iter()
        .filter_map(|script| {
            // Pages put raw line breaks and tabs inside JSON strings; read them as spaces.
            let json: String = script
                .text()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            serde_json::from_str::<serde_json::Value>(&json).ok()
        })
        .flat_map(|value| article_bodies(&value))
        .max_by_key(|body| body.len())
        .map(|body| {
            let text = if body.contains('<') {
                Dom::from(format!("<div>{body}</div>").as_str())
                    .text()
                    .to_string()
            } else {
                body
            };
            paragraphs(&text)
        })
        .filter(|body| !body.is_empty())
}

/// The article bodies of a JSON-LD value: the object itself, the items of an array or of
/// an `@graph`.
fn article_bodies(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Array(items) => items.iter().flat_map(article_bodies).collect(),
        serde_json::Value::Object(object) => {
            let mut bodies = object.get("@graph").map(article_bodies).unwrap_or_default();
            let is_article = |kind: &serde_json::Value| {
                kind.as_str()
                    .is_some_and(|k| k.ends_with("Article") || k == "BlogPosting" || k == "Report")
            };
            let typed = object.get("@type").is_some_and(|kind| match kind {
                serde_json::Value::Array(kinds) => kinds.iter().any(is_article),
                kind => is_article(kind),
            });
            if typed {
                bodies.extend(
                    ["articleBody", "text"]
                        .iter()
                        .find_map(|key| object.get(*key).and_then(|b| b.as_str()))
                        .map(str::to_owned),
                );
            }
            bodies
        }
        _ => Vec::new(),
    }
}

fn with_dom_smoothie(dom: Dom, url: Option<&str>) -> HtmlArticle {
    let config = Config {
        text_mode: TextMode::Formatted,
        // Link density only for candidates scoring 10 or more (the crate suggests 5–10):
        // the same F1 on the ScrapingHub pages with fewer subtree walks.
        min_score_to_adjust: 10.0,
        ..Config::default()
    };
    let parsed = Readability::with_document(dom, url, Some(config)).and_then(|mut r| r.parse());
    match parsed {
        Ok(article) => HtmlArticle {
            title: Some(article.title.trim().to_owned()).filter(|t| !t.is_empty()),
            text: paragraphs(&article.text_content),
            captions: Vec::new(),
            published: article.published_time,
            site_name: article.site_name,
        },
        Err(_) => HtmlArticle::default(),
    }
}

#[cfg(feature = "trafilatura")]
fn with_trafilatura(html: &str) -> HtmlArticle {
    match trafilatura::extract(html, &trafilatura::Options::default()) {
        Ok(result) => HtmlArticle {
            title: Some(result.metadata.title.clone()).filter(|t| !t.is_empty()),
            text: paragraphs(&result.content_text),
            captions: Vec::new(),
            published: None,
            site_name: None,
        },
        Err(_) => HtmlArticle::default(),
    }
}

fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalises extracted text to one paragraph per non-empty line, blank-line separated.
fn paragraphs(text: &str) -> String {
    text.lines()
        .map(normalize_space)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "Des hommes armés ont attaqué mardi un poste de l'armée malienne près de Gao, \
        a indiqué une source sécuritaire. Le bilan n'est pas encore connu. L'armée a déployé des \
        renforts dans la région dans la soirée, selon des témoins joints par téléphone depuis Bamako.";

    #[test]
    fn the_json_ld_body_replaces_a_consent_notice() {
        let html = format!(
            r#"<html><head><script type="application/ld+json">
            {{"@context":"https://schema.org","@graph":[{{"@type":"WebPage"}},
              {{"@type":"NewsArticle","headline":"Attaque","articleBody":"{BODY}\n\nDeuxième paragraphe."}}]}}
            </script></head><body><div class="banner"><p>We and our partners use cookies to
            personalise content. By clicking accept you consent to our privacy policy.</p>
            <button>Accept</button></div><div id="app"></div></body></html>"#
        );
        let article = extract_html(&html, None, Extractor::DomSmoothie);
        assert!(
            article.text.starts_with("Des hommes armés ont attaqué"),
            "{}",
            article.text
        );
        assert!(article.text.ends_with("\n\nDeuxième paragraphe."));
        assert!(!article.text.contains("cookies"));
    }

    #[test]
    fn consent_banners_are_removed_and_a_full_page_keeps_its_own_text() {
        let html = format!(
            r#"<html><body><div id="cookie-consent"><p>Nous utilisons des cookies. Acceptez-vous ?</p></div>
            <article><h1>Attaque</h1><p>{BODY}</p><p>{BODY}</p></article>
            <script type="application/ld+json">{{"@type":"NewsArticle","articleBody":"Résumé court."}}</script>
            </body></html>"#
        );
        let article = extract_html(&html, None, Extractor::DomSmoothie);
        assert!(article.text.contains("Des hommes armés"));
        assert!(!article.text.contains("cookies"));
        assert!(!article.text.contains("Résumé court"));
    }

    #[test]
    fn extracts_body_and_keeps_captions_apart() {
        let html = r#"<html><head><title>Attaque à Gao</title>
            <meta property="article:published_time" content="2025-03-17T10:00:00Z"></head>
            <body><nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav>
            <article><h1>Attaque à Gao</h1>
            <figure><img src="a.jpg"><figcaption>Des soldats maliens à Gao. © AFP</figcaption></figure>
            <p>Des hommes armés ont attaqué mardi un poste de l'armée malienne près de Gao, a indiqué une source sécuritaire. Le bilan n'est pas encore connu.</p>
            <p>L'armée a déployé des renforts dans la région dans la soirée, selon des témoins joints par téléphone depuis Bamako.</p>
            </article><footer>© 2025 Journal</footer></body></html>"#;
        let article = extract_html(html, None, Extractor::DomSmoothie);
        assert!(article.text.contains("Des hommes armés ont attaqué mardi"));
        assert!(article.text.contains("\n\nL'armée a déployé"));
        assert!(!article.text.contains("Des soldats maliens à Gao"));
        assert!(!article.text.contains("Accueil"));
        assert_eq!(article.captions, ["Des soldats maliens à Gao. © AFP"]);
        assert_eq!(
            article.published.as_deref().map(|p| &p[..10]),
            Some("2025-03-17")
        );
    }
}
