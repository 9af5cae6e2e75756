//! The name index: an `fst` map from name keys to runs of entry numbers, readable in
//! place from bytes (no parsing when the gazetteer is embedded).

use std::borrow::Cow;

use fst::{Map, MapBuilder};

/// Name keys → entry numbers.
pub struct NameIndex {
    map: Map<Cow<'static, [u8]>>,
    postings: Cow<'static, [u8]>,
    longest_words: usize,
}

impl std::fmt::Debug for NameIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameIndex")
            .field("keys", &self.map.len())
            .finish()
    }
}

impl Default for NameIndex {
    fn default() -> Self {
        Self::build(Vec::new())
    }
}

/// Packs a run of postings (start, length) into an `fst` value.
fn pack(start: usize, len: usize) -> u64 {
    ((start as u64) << 16) | len as u64
}

impl NameIndex {
    /// Builds the index from (key, entry) pairs, in any order, duplicates allowed.
    pub fn build(mut pairs: Vec<(String, u32)>) -> Self {
        pairs.retain(|(key, _)| !key.is_empty());
        pairs.sort_unstable();
        pairs.dedup();
        let mut builder = MapBuilder::memory();
        let mut postings: Vec<u8> = Vec::with_capacity(pairs.len() * 4);
        let mut longest_words = 0;
        let mut i = 0;
        while i < pairs.len() {
            let key = &pairs[i].0;
            let start = postings.len() / 4;
            let mut j = i;
            while j < pairs.len() && pairs[j].0 == *key {
                postings.extend_from_slice(&pairs[j].1.to_le_bytes());
                j += 1;
            }
            longest_words = longest_words.max(key.split(' ').count());
            builder
                .insert(key, pack(start, (j - i).min(u16::MAX as usize)))
                .expect("keys are inserted in order");
            i = j;
        }
        let map = builder.into_inner().expect("an in-memory fst builds");
        Self {
            map: Map::new(Cow::Owned(map)).expect("a freshly built fst is valid"),
            postings: Cow::Owned(postings),
            longest_words,
        }
    }

    /// An index over bytes written by [`NameIndex::parts`].
    pub fn from_parts(
        map: Cow<'static, [u8]>,
        postings: Cow<'static, [u8]>,
        longest_words: usize,
    ) -> Result<Self, String> {
        let map = Map::new(map).map_err(|e| format!("bad name index: {e}"))?;
        Ok(Self {
            map,
            postings,
            longest_words,
        })
    }

    /// The bytes of the map and of the postings, and the longest key in words.
    pub fn parts(&self) -> (&[u8], &[u8], usize) {
        (
            self.map.as_fst().as_bytes(),
            &self.postings,
            self.longest_words,
        )
    }

    /// Entry numbers of a key.
    pub fn get(&self, key: &str) -> impl Iterator<Item = u32> + '_ {
        let (start, len) = self
            .map
            .get(key)
            .map_or((0, 0), |v| ((v >> 16) as usize, (v & 0xffff) as usize));
        (start..start + len).map(|i| {
            let bytes = &self.postings[i * 4..i * 4 + 4];
            u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
        })
    }

    /// True when the key is in the index.
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// True when some key starts with `prefix`.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        let fst = self.map.as_fst();
        let mut node = fst.root();
        for &byte in prefix.as_bytes() {
            match node.find_input(byte) {
                Some(i) => node = fst.node(node.transition(i).addr),
                None => return false,
            }
        }
        true
    }

    /// Number of words in the longest key.
    pub fn longest_words(&self) -> usize {
        self.longest_words
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_reads_back_from_bytes() {
        let index = NameIndex::build(vec![
            ("paris".into(), 7),
            ("anbar".into(), 1),
            ("paris".into(), 3),
            ("paris".into(), 7),
            ("deir ez zor".into(), 2),
        ]);
        assert_eq!(index.get("paris").collect::<Vec<_>>(), [3, 7]);
        assert_eq!(index.longest_words(), 3);
        let (map, postings, words) = index.parts();
        let copy = NameIndex::from_parts(
            Cow::Owned(map.to_vec()),
            Cow::Owned(postings.to_vec()),
            words,
        )
        .unwrap();
        assert_eq!(copy.get("anbar").collect::<Vec<_>>(), [1]);
        assert!(!copy.contains("london"));
        assert!(copy.has_prefix("deir ez"));
        assert!(copy.has_prefix("pari"));
        assert!(!copy.has_prefix("paris "));
        assert_eq!(copy.get("london").count(), 0);
    }
}
