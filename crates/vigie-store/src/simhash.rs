//! SimHash fingerprints of article bodies, to find near-duplicates: syndicated wire copy
//! and re-publications whose texts differ by a headline, a byline or a few edits.
//!
//! A fingerprint is 64 bits built from the word 3-shingles of the folded text; two
//! articles are near-duplicates when their fingerprints differ in at most
//! [`NEAR_DUPLICATE_BITS`] bits. To find candidates without comparing every pair, each
//! fingerprint is cut into four 16-bit bands: two fingerprints within 3 bits share at
//! least one band exactly (pigeonhole), so a lookup on the four bands finds them all.

use vigie_core::{fnv1a, fold_text, is_word_char};

/// Largest Hamming distance between the fingerprints of near-duplicates.
pub const NEAR_DUPLICATE_BITS: u32 = 3;

/// Number of 16-bit bands a fingerprint is indexed by.
pub const BANDS: usize = 4;

/// Words per shingle.
const SHINGLE_WORDS: usize = 3;

/// The SimHash fingerprint of a text.
pub fn fingerprint(text: &str) -> u64 {
    let folded = fold_text(text);
    let words: Vec<&str> = folded
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut weights = [0i32; 64];
    let shingles = words.windows(SHINGLE_WORDS.min(words.len().max(1)));
    for shingle in shingles {
        let hash = shingle_hash(shingle);
        for (bit, weight) in weights.iter_mut().enumerate() {
            *weight += 2 * i32::from(hash >> bit & 1 == 1) - 1;
        }
    }
    weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .fold(0u64, |fingerprint, (bit, _)| fingerprint | 1 << bit)
}

/// FNV-1a over the shingle's words, then a mixing step so that every output bit depends
/// on every input byte.
fn shingle_hash(words: &[&str]) -> u64 {
    // The words joined by single spaces, without building the joined string.
    let bytes = words
        .iter()
        .enumerate()
        .flat_map(|(index, word)| (index > 0).then_some(b' ').into_iter().chain(word.bytes()));
    let mut hash = fnv1a(bytes);
    // splitmix64 finaliser
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// The four 16-bit bands of a fingerprint.
pub fn bands(fingerprint: u64) -> [u16; BANDS] {
    std::array::from_fn(|band| (fingerprint >> (16 * band)) as u16)
}

/// True when two fingerprints are close enough to be near-duplicates.
pub fn near(a: u64, b: u64) -> bool {
    (a ^ b).count_ones() <= NEAR_DUPLICATE_BITS
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIRE: &str = "Des hommes armés ont enlevé trois soldats américains près du champ \
        pétrolier d'al-Omar, dans la province de Deir ez-Zor, ont indiqué mardi des sources \
        locales. Les ravisseurs ont pris la fuite vers le désert. La coalition n'a pas \
        commenté l'information. Les forces kurdes ont bouclé la zone et lancé des recherches \
        dans les villages voisins, selon les mêmes sources. Aucune revendication n'a été \
        publiée. L'incident survient après une série d'attaques contre des convois \
        logistiques dans l'est de la Syrie au cours des dernières semaines.";

    #[test]
    fn republished_copy_is_near_and_another_story_is_not() {
        let republished = format!("{WIRE} (avec AFP)");
        let other = "Le parlement a adopté mardi le budget de l'État pour l'année prochaine \
            après trois semaines de débats. L'opposition a voté contre le texte, jugeant les \
            hausses d'impôts injustes pour les ménages modestes et les petites entreprises.";
        let original = fingerprint(WIRE);
        assert!(near(original, fingerprint(&republished)));
        assert!(!near(original, fingerprint(other)));
        assert_eq!(fingerprint(WIRE), original, "deterministic");
    }

    #[test]
    fn near_fingerprints_share_a_band() {
        let a = 0x0123_4567_89ab_cdef_u64;
        let b = a ^ (1 << 3) ^ (1 << 20) ^ (1 << 40);
        assert!(near(a, b));
        assert!(bands(a).iter().zip(bands(b)).any(|(x, y)| *x == y));
    }
}
