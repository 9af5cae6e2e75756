//! Demonyms and place adjectives ("irakienne", "Iraqi", "Sri Lankan"), linked to their
//! place as a separate kind of place mention.

use vigie_core::{FoldedText, Language, Place, PlaceKind, Span, Token};

use crate::gazetteer::{Gazetteer, GazetteerEntry};

/// Demonyms in `text` (folded: `folded`) outside the `taken` spans, over its tokens
/// prepared by [`crate::recognize::prepare_tokens`]. English demonyms are capitalised;
/// French ones are not ("l'armée irakienne", "les Irakiens").
pub fn find_demonyms(
    text: &str,
    folded: &FoldedText,
    tokens: &[Token],
    gazetteer: &Gazetteer,
    language: Option<Language>,
    taken: &[Span],
) -> Vec<Place> {
    let longest = gazetteer.longest_demonym_words().max(1);
    let folded: Vec<&str> = tokens.iter().map(|t| folded.slice(t.span)).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !tokens[i].is_word
            || !gazetteer.starts_demonym(folded[i])
            || taken.iter().any(|s| s.overlaps(tokens[i].span))
        {
            i += 1;
            continue;
        }
        let hit = (1..=longest.min(tokens.len() - i)).rev().find_map(|n| {
            let run = &tokens[i..i + n];
            if !run.iter().all(|t| t.is_word)
                || run
                    .windows(2)
                    .any(|w| &text[w[0].byte_end..w[1].byte_start] != " ")
            {
                return None;
            }
            let surface = &text[run[0].byte_start..run[n - 1].byte_end];
            let key = folded[i..i + n].join(" ");
            let entry = gazetteer.demonym(&key, language)?;
            let english = gazetteer.demonym(&key, Some(Language::En)).is_some();
            let capitalised = surface.starts_with(char::is_uppercase);
            // "Americans", "Nigerians" name people, not a place; French plurals are
            // adjectives too ("les forces irakiennes") and stay.
            let people = english
                && surface.ends_with('s')
                && gazetteer
                    .demonym(&key[..key.len() - 1], Some(Language::En))
                    .is_some();
            (!english || capitalised)
                .then_some((n, surface, entry))
                .filter(|_| !people)
        });
        match hit {
            Some((n, surface, entry)) => {
                let span = Span::new(tokens[i].span.start, tokens[i + n - 1].span.end);
                found.push(demonym_place(surface, span, entry));
                i += n;
            }
            None => i += 1,
        }
    }
    found
}

/// The place a demonym at `span` points to.
pub(crate) fn demonym_place(surface: &str, span: Span, entry: &GazetteerEntry) -> Place {
    entry.place(surface, span, PlaceKind::Demonym, 0.9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::tests::SAMPLE;
    use crate::recognize::prepare_tokens;
    use vigie_core::tokenize;

    #[test]
    fn finds_french_and_english_demonyms() {
        let mut gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        gazetteer
            .add_demonyms("demonym\tlang\tgeonameid\tnote\nirakienne\tfr\t99237\t\nIraqi\ten\t99237\t\nSyrian\ten\t163843\t\n")
            .unwrap();
        let text = "L'armée irakienne et des officiels Iraqi; syrian.";
        let found = find_demonyms(
            text,
            &FoldedText::new(text),
            &prepare_tokens(text, &tokenize(text), &gazetteer),
            &gazetteer,
            None,
            &[],
        );
        let names: Vec<(&str, &str)> = found
            .iter()
            .map(|p| (p.text.as_str(), p.country_code.as_str()))
            .collect();
        assert_eq!(
            names,
            [("irakienne", "IQ"), ("Iraqi", "IQ")],
            "English demonyms must be capitalised"
        );
        assert!(
            find_demonyms(
                text,
                &FoldedText::new(text),
                &prepare_tokens(text, &tokenize(text), &gazetteer),
                &gazetteer,
                Some(Language::En),
                &[],
            )
            .iter()
            .all(|p| p.text != "irakienne")
        );
    }
}
