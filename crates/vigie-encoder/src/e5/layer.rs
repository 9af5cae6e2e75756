//! One transformer layer of the encoder as plain f32 tensors, run with candle operations
//! that carry gradients: the form in which a layer is tuned for a task and then run on top
//! of the encoder's own layers (`vigie-heads`' event layer).
//!
//! The computation is the encoder's (post-LN self-attention and GELU feed-forward, see
//! [`super::model`]); only the arithmetic differs: f32 throughout, with candle's
//! differentiable softmax and LayerNorm instead of the fused kernels.

use candle_core::{D, Tensor};

/// A weight matrix \[out, in\] and its bias \[out\].
#[derive(Debug, Clone)]
pub struct Affine {
    /// \[out, in\].
    pub weight: Tensor,
    /// \[out\].
    pub bias: Tensor,
}

impl Affine {
    /// `x` \[tokens, in\] → \[tokens, out\].
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

/// A LayerNorm's gain and bias, \[width\] each.
#[derive(Debug, Clone)]
pub struct Norm {
    /// Gain.
    pub weight: Tensor,
    /// Bias.
    pub bias: Tensor,
}

/// The weights of one transformer layer.
#[derive(Debug, Clone)]
pub struct LayerWeights {
    /// Attention heads.
    pub heads: usize,
    /// LayerNorm epsilon.
    pub epsilon: f32,
    /// Queries \[hidden, hidden\].
    pub query: Affine,
    /// Keys \[hidden, hidden\].
    pub key: Affine,
    /// Values \[hidden, hidden\].
    pub value: Affine,
    /// Attention output \[hidden, hidden\].
    pub attention_out: Affine,
    /// After attention.
    pub attention_norm: Norm,
    /// Feed-forward in \[feed-forward, hidden\].
    pub feed_forward_in: Affine,
    /// Feed-forward out \[hidden, feed-forward\].
    pub feed_forward_out: Affine,
    /// After the feed-forward layer.
    pub output_norm: Norm,
}

impl LayerWeights {
    /// Every tensor with its name, in a fixed order (the names of the encoder file's
    /// layer tensors, without the layer number).
    pub fn named(&self) -> Vec<(&'static str, &Tensor)> {
        vec![
            ("q.w", &self.query.weight),
            ("q.b", &self.query.bias),
            ("k.w", &self.key.weight),
            ("k.b", &self.key.bias),
            ("v.w", &self.value.weight),
            ("v.b", &self.value.bias),
            ("ao.w", &self.attention_out.weight),
            ("ao.b", &self.attention_out.bias),
            ("aln.w", &self.attention_norm.weight),
            ("aln.b", &self.attention_norm.bias),
            ("fi.w", &self.feed_forward_in.weight),
            ("fi.b", &self.feed_forward_in.bias),
            ("fo.w", &self.feed_forward_out.weight),
            ("fo.b", &self.feed_forward_out.bias),
            ("oln.w", &self.output_norm.weight),
            ("oln.b", &self.output_norm.bias),
        ]
    }

    /// The layer whose tensors `tensor` gives by name (the names of [`named`](Self::named)).
    pub fn from_named(
        heads: usize,
        epsilon: f32,
        mut tensor: impl FnMut(&str) -> Result<Tensor, String>,
    ) -> Result<Self, String> {
        let mut affine = |name: &str| -> Result<Affine, String> {
            Ok(Affine {
                weight: tensor(&format!("{name}.w"))?,
                bias: tensor(&format!("{name}.b"))?,
            })
        };
        let (query, key, value, attention_out) =
            (affine("q")?, affine("k")?, affine("v")?, affine("ao")?);
        let attention_norm = affine("aln")?;
        let (feed_forward_in, feed_forward_out) = (affine("fi")?, affine("fo")?);
        let output_norm = affine("oln")?;
        Ok(LayerWeights {
            heads,
            epsilon,
            query,
            key,
            value,
            attention_out,
            attention_norm: Norm {
                weight: attention_norm.weight,
                bias: attention_norm.bias,
            },
            feed_forward_in,
            feed_forward_out,
            output_norm: Norm {
                weight: output_norm.weight,
                bias: output_norm.bias,
            },
        })
    }

    /// The same layer with every tensor passed through `map` (say, into trainable
    /// variables), in the order of [`named`](Self::named).
    pub fn map(
        &self,
        mut map: impl FnMut(&str, &Tensor) -> candle_core::Result<Tensor>,
    ) -> candle_core::Result<Self> {
        let named = self.named();
        let mapped: Vec<(&str, Tensor)> = named
            .iter()
            .map(|(name, tensor)| Ok((*name, map(name, tensor)?)))
            .collect::<candle_core::Result<_>>()?;
        Self::from_named(self.heads, self.epsilon, |name| {
            mapped
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| format!("tensor {name} missing"))
        })
        .map_err(candle_core::Error::msg)
    }

    /// The layer over token vectors `x` \[tokens, hidden\] of sequences of `lengths`
    /// tokens laid end to end (attention stays within each): \[tokens, hidden\].
    pub fn forward(&self, x: &Tensor, lengths: &[usize]) -> candle_core::Result<Tensor> {
        let (queries, keys, values) = (
            self.query.forward(x)?,
            self.key.forward(x)?,
            self.value.forward(x)?,
        );
        let hidden = x.dim(1)?;
        let head_width = hidden / self.heads;
        let scale = 1.0 / (head_width as f64).sqrt();
        let mut contexts = Vec::with_capacity(lengths.len());
        let mut start = 0;
        for &n in lengths {
            let split = |t: &Tensor| {
                t.narrow(0, start, n)?
                    .reshape((n, self.heads, head_width))?
                    .transpose(0, 1)?
                    .contiguous()
            };
            let (q, k, v) = (split(&queries)?, split(&keys)?, split(&values)?);
            let scores = (q.matmul(&k.t()?)? * scale)?;
            let weights = candle_nn::ops::softmax(&scores, D::Minus1)?;
            contexts.push(weights.matmul(&v)?.transpose(0, 1)?.reshape((n, hidden))?);
            start += n;
        }
        let context = Tensor::cat(&contexts, 0)?;
        let x = self.norm(
            &x.add(&self.attention_out.forward(&context)?)?,
            &self.attention_norm,
        )?;
        let inner = self.feed_forward_in.forward(&x)?.gelu_erf()?;
        self.norm(
            &x.add(&self.feed_forward_out.forward(&inner)?)?,
            &self.output_norm,
        )
    }

    fn norm(&self, x: &Tensor, norm: &Norm) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm_slow(x, &norm.weight, &norm.bias, self.epsilon)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use candle_core::Device;

    use super::*;
    use crate::e5::model::PackedLayer;
    use crate::e5::{Arithmetic, MultilingualEncoder, Role};

    #[test]
    fn the_last_layer_as_tensors_gives_the_encoders_own_states() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(MultilingualEncoder::DEFAULT_DIR);
        let Ok(encoder) = MultilingualEncoder::load_with(&dir, Arithmetic::Float) else {
            eprintln!("skipped: the encoder is not built (scripts/build-encoder)");
            return;
        };
        let depth = encoder.depth();
        let layer = MultilingualEncoder::read_layer(&dir, depth).unwrap();
        // Two sequences run together: attention must stay within each.
        let texts = [
            "Les forces irakiennes ont repris Mossoul.",
            "Police fired tear gas at protesters in Nairobi on Monday.",
        ];
        let encoded = encoder
            .token_layers_many(&texts, Role::Passage, &[depth - 1, depth])
            .unwrap();
        let lengths: Vec<usize> = encoded.iter().map(|(t, _)| t.ids.len()).collect();
        let below: Vec<f32> = encoded.iter().flat_map(|(_, s)| s[0].clone()).collect();
        let expected: Vec<f32> = encoded.iter().flat_map(|(_, s)| s[1].clone()).collect();
        let x = Tensor::from_vec(
            below,
            (lengths.iter().sum::<usize>(), encoder.width()),
            &Device::Cpu,
        )
        .unwrap();
        // The largest difference between a layer's output and the encoder's own.
        let largest_difference = |out: candle_core::Result<Tensor>| {
            let got = out
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            assert_eq!(got.len(), expected.len());
            got.iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max)
        };
        let worst = largest_difference(layer.forward(&x, &lengths));
        assert!(worst < 1e-3, "largest difference {worst}");
        // Run as the encoder runs its own layers: the same in f32, close in integers.
        for (arithmetic, tolerance) in [(Arithmetic::Float, 1e-3), (Arithmetic::Integer, 0.25)] {
            let packed = PackedLayer::new(&layer, arithmetic).unwrap();
            let worst = largest_difference(packed.forward(&x, &lengths));
            assert!(
                worst < tolerance,
                "{arithmetic:?}: largest difference {worst}"
            );
        }
        assert!(MultilingualEncoder::read_layer(&dir, depth + 1).is_err());
    }
}
