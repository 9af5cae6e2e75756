//! Caption mismatch: a photo caption whose names, places and years appear nowhere in
//! the body is probably a stock or recycled photo unrelated to the story.

use std::collections::HashSet;

use vigie_core::lexicon::is_calendar_word;
use vigie_core::{Document, Signal, SignalKind, fold_text, is_word_char, tokenize};

/// Capitalised words that say nothing about what a caption shows (folded).
const GENERIC: &[&str] = &[
    "afp",
    "reuters",
    "ap",
    "epa",
    "getty",
    "images",
    "photo",
    "photos",
    "file",
    "archives",
    "credit",
    "the",
    "a",
    "an",
    "and",
    "of",
    "on",
    "in",
    "at",
    "during",
    "with",
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "de",
    "du",
    "en",
    "au",
    "aux",
    "et",
    "speaker",
    "house",
    "rep",
    "sen",
    "president",
    "minister",
    "ministre",
    "people",
    "act",
    "steps",
    "east",
    "west",
    "north",
    "south",
    "l",
    "d",
];

/// Names (capitalised words of three letters or more) and years in a caption, folded.
fn clues(caption: &str) -> Vec<String> {
    tokenize(caption)
        .iter()
        .map(|t| t.text(caption))
        .filter(|w| {
            let prefixed = ["al-", "el-"]
                .iter()
                .any(|p| w.starts_with(p) && w[p.len()..].starts_with(char::is_uppercase));
            let capitalised = (prefixed || w.chars().next().is_some_and(char::is_uppercase))
                && w.chars().count() >= 3;
            let year = w.len() == 4
                && w.chars().all(|c| c.is_ascii_digit())
                && (w.starts_with("19") || w.starts_with("20"));
            capitalised || year
        })
        .map(|w| fold_text(w.trim_end_matches("'s").trim_end_matches("’s")))
        .filter(|w| !GENERIC.contains(&w.as_str()) && !is_calendar_word(w))
        .collect()
}

/// One signal per caption that shares (almost) none of its names, places and years with
/// the body or the headline.
/// `folded_body` is `doc.text` folded.
pub fn signals(doc: &Document, folded_body: &str) -> Vec<Signal> {
    if doc.captions.is_empty() {
        return Vec::new();
    }
    let body_words: HashSet<&str> = folded_body
        .split(|c: char| !is_word_char(c) && c != '\'' && c != '-')
        .flat_map(|w| std::iter::once(w).chain(w.split(['-', '\''])))
        .collect();
    let title = doc.title.as_deref().map(fold_text).unwrap_or_default();
    doc.captions
        .iter()
        .filter_map(|caption| {
            let clues = clues(&caption.text);
            if clues.len() < 2 {
                return None;
            }
            let shared: Vec<&String> = clues.iter().filter(|c| body_words.contains(c.as_str()) || title.contains(c.as_str())).collect();
            // One shared word in five can be chance ("Omar" the congresswoman, "al-Omar" the
            // oil field); a shared year alone does not tie a photo to the story.
            let shared_names = shared
                .iter()
                .filter(|c| !c.chars().all(|ch| ch.is_ascii_digit()))
                .count();
            if shared_names * 5 > clues.len() {
                return None;
            }
            Some(Signal {
                kind: SignalKind::CaptionMismatch,
                span: None,
                detail: format!(
                    "caption shares {} of its {} names, places and years with the article ({}): “{}”",
                    shared.len(),
                    clues.len(),
                    clues.join(", "),
                    caption.text
                ),
                score: 0.8,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::Caption;

    fn doc_with_caption(body: &str, caption: &str) -> Document {
        let mut doc = Document::new("d", body);
        doc.captions.push(Caption {
            text: caption.into(),
            credit: None,
            entities: Vec::new(),
        });
        doc
    }

    #[test]
    fn flags_unrelated_caption() {
        let doc = doc_with_caption(
            "Les forces irakiennes ont découvert trois tunnels à Salaheddine et au champ d'al-Omar.",
            "Rep. Ilhan Omar talks with Speaker Nancy Pelosi on March 8, 2019 in Washington. (AFP photo)",
        );
        let signals = signals(&doc, &fold_text(&doc.text));
        assert_eq!(signals.len(), 1);
        assert!(signals[0].detail.contains("pelosi"));
    }

    #[test]
    fn a_shared_year_alone_does_not_tie_a_caption_to_the_story() {
        let doc = doc_with_caption(
            "Les combattants du JNIM ont attaqué un convoi près de Tombouctou, comme en 2023.",
            "Des soldats nigériens à Ouallam, dans la région de Tillabéri, au Niger, en 2023. ©AFP",
        );
        let signals = signals(&doc, &fold_text(&doc.text));
        assert_eq!(signals.len(), 1, "{signals:?}");
        assert!(signals[0].detail.contains("shares 1 of its"));
    }

    #[test]
    fn keeps_related_caption() {
        let doc = doc_with_caption(
            "Des soldats sont arrivés à al-Anbar mardi, avec les GI's.",
            "Un GI's à al-Anbar en train de manier un dispositif de communication. ©AFP",
        );
        assert!(signals(&doc, &fold_text(&doc.text)).is_empty());
    }
}
