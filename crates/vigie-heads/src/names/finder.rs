//! Names in running text: the encoder and the name head over Vigie's words.

use std::path::Path;

use vigie_core::{Span, tokenize};
use vigie_encoder::e5::MultilingualEncoder;

use super::{NameKind, NameTagger};
use crate::words::word_vectors;

/// The encoder and a name head, ready to read sentences.
#[derive(Debug)]
pub struct NameFinder {
    encoder: MultilingualEncoder,
    tagger: NameTagger,
}

impl NameFinder {
    /// Where the shipped head is, relative to the repository root.
    pub const DEFAULT_HEAD: &'static str = "data/models/names-head.bin";

    /// Pairs an encoder with a head.
    pub fn new(encoder: MultilingualEncoder, tagger: NameTagger) -> Self {
        NameFinder { encoder, tagger }
    }

    /// Loads the encoder from its folder and the head from its file; errors name the
    /// file and say how to build what is missing.
    pub fn load(encoder_dir: &Path, head: &Path) -> Result<Self, String> {
        let encoder = MultilingualEncoder::load(encoder_dir).map_err(|e| e.to_string())?;
        Ok(NameFinder {
            encoder,
            tagger: NameTagger::load(head)?,
        })
    }

    /// The names of `sentence`, as code-point spans of it and kinds. A sentence longer
    /// than the encoder's input is read in runs of [`RUN_WORDS`] words.
    pub fn find(&self, sentence: &str) -> Result<Vec<(Span, NameKind)>, String> {
        let tokens = tokenize(sentence);
        let mut found = Vec::new();
        for run in tokens.chunks(RUN_WORDS) {
            let (first, last) = (&run[0], &run[run.len() - 1]);
            let text = &sentence[first.byte_start..last.byte_end];
            let offset = first.span.start;
            let words: Vec<(usize, usize)> = run
                .iter()
                .map(|t| (t.span.start - offset, t.span.end - offset))
                .collect();
            let vectors = word_vectors(&self.encoder, text, &words, self.tagger.layers())?;
            for name in self.tagger.names(&vectors)? {
                let span = Span::new(
                    run[name.words.start].span.start,
                    run[name.words.end - 1].span.end,
                );
                found.push((span, name.kind));
            }
        }
        Ok(found)
    }
}

/// Words per encoder run: well within the encoder's 512 tokens.
pub const RUN_WORDS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_the_dictionaries_do_not_know_in_both_languages() {
        let head = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(NameFinder::DEFAULT_HEAD);
        let Some(encoder) = MultilingualEncoder::built_in_source_tree() else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let bytes = std::fs::read(&head).expect("the shipped name head");
        let finder = NameFinder::new(encoder, NameTagger::from_bytes(&bytes).unwrap());
        let names = |text: &str| -> Vec<(String, NameKind)> {
            finder
                .find(text)
                .unwrap()
                .into_iter()
                .map(|(span, kind)| {
                    (
                        text.chars()
                            .skip(span.start)
                            .take(span.end - span.start)
                            .collect(),
                        kind,
                    )
                })
                .collect()
        };
        let french = names(
            "Le porte-parole de l'Union des forces de progrès, Ousmane Diarrassouba, a démenti \
             lundi à Bouaké toute participation aux violences.",
        );
        assert!(
            french.contains(&("Ousmane Diarrassouba".into(), NameKind::Per)),
            "{french:?}"
        );
        assert!(
            french.contains(&("Bouaké".into(), NameKind::Loc)),
            "{french:?}"
        );
        let english = names(
            "Kwame Asante-Boateng, a spokesman for the Northern Farmers Union, said the \
             talks in Tamale had failed.",
        );
        assert!(
            english.contains(&("Kwame Asante-Boateng".into(), NameKind::Per)),
            "{english:?}"
        );
        assert!(
            english.iter().any(|(_, k)| *k == NameKind::Org),
            "{english:?}"
        );
        // A sentence longer than one run: names in every run, spans on the whole text.
        let long = format!(
            "{} Fatoumata Keïta a parlé.",
            "Il pleut beaucoup . ".repeat(80)
        );
        let found = names(&long);
        assert!(
            found.contains(&("Fatoumata Keïta".into(), NameKind::Per)),
            "{found:?}"
        );
    }
}
