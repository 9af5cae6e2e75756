//! Dictionary cues: beside each word's encoder vector, the PLOVER type the CAMEO verb
//! dictionary ([`vigie_events::CameoVerbs`]) codes at that word. A head trained on the
//! corpus, where the dictionary fires on trigger words the encoder already knows and on
//! words used in other senses, learns how far to trust it; on a real sentence it then has
//! the dictionary's word for triggers no training item used.

use vigie_core::EventType;
use vigie_events::CameoVerbs;

use crate::words::WordVectors;

/// Floats of cues per word: one per PLOVER type, set where the dictionary codes it.
pub const CUE_WIDTH: usize = EventType::ALL.len();

/// Fingerprint of the dictionary the cues come from: the one embedded in the binary.
pub fn cue_fingerprint() -> u64 {
    CameoVerbs::embedded().fingerprint()
}

/// `words` (the vectors of the words of `text`, whose code-point spans are `spans`) with
/// each word's [`CUE_WIDTH`] cues appended.
pub fn with_cues(words: &WordVectors, text: &str, spans: &[(usize, usize)]) -> WordVectors {
    append_cues(words, &word_cues(text, spans))
}

/// The PLOVER type the dictionary codes at each word of `text` (code-point spans `spans`).
pub fn word_cues(text: &str, spans: &[(usize, usize)]) -> Vec<Option<EventType>> {
    CameoVerbs::embedded().word_types(text, spans)
}

/// `words` with a one-hot of each word's type in `types` (zeros for none) appended.
pub fn append_cues(words: &WordVectors, types: &[Option<EventType>]) -> WordVectors {
    let width = words.width + CUE_WIDTH;
    let mut values = Vec::with_capacity(words.len() * width);
    for (row, coded) in words.values.chunks_exact(words.width).zip(types) {
        values.extend_from_slice(row);
        let mut cues = [0.0f32; CUE_WIDTH];
        if let Some(kind) = coded.and_then(|t| EventType::ALL.iter().position(|x| *x == t)) {
            cues[kind] = 1.0;
        }
        values.extend_from_slice(&cues);
    }
    WordVectors { width, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_gets_a_one_hot_of_its_coded_type() {
        let words = WordVectors {
            width: 2,
            values: vec![1.0, 2.0, 3.0, 4.0],
        };
        let cued = append_cues(&words, &[None, Some(EventType::Protest)]);
        assert_eq!(cued.width, 2 + CUE_WIDTH);
        assert_eq!(cued.len(), 2);
        let row = |w: usize| &cued.values[w * cued.width..(w + 1) * cued.width];
        assert_eq!(row(0)[..2], [1.0, 2.0]);
        assert!(row(0)[2..].iter().all(|&v| v == 0.0));
        let protest = EventType::ALL
            .iter()
            .position(|t| *t == EventType::Protest)
            .unwrap();
        assert_eq!(row(1)[2 + protest], 1.0);
        assert_eq!(row(1)[2..].iter().sum::<f32>(), 1.0);
    }

    #[test]
    fn the_embedded_dictionary_codes_a_french_and_an_english_verb() {
        let words = |text: &str| -> Vec<(usize, usize)> {
            vigie_core::tokenize(text)
                .iter()
                .map(|t| (t.span.start, t.span.end))
                .collect()
        };
        for text in [
            "Les manifestants ont bloqué la route.",
            "Police arrested three protesters.",
        ] {
            let spans = words(text);
            let vectors = WordVectors {
                width: 1,
                values: vec![0.0; spans.len()],
            };
            let cued = with_cues(&vectors, text, &spans);
            assert!(cued.values.contains(&1.0), "no cue in {text:?}");
        }
    }
}
