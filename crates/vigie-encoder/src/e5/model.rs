//! The XLM-RoBERTa encoder of multilingual-e5-small on candle. The weight matrices are
//! multiplied in one of two [`Arithmetic`]s: their 4-bit blocks as stored, against
//! activations rounded to 8 bits, on CPUs with AVX-512 VNNI or AVX2 (see [`crate::integer`]); or
//! unpacked to f32 when loaded (85 MB for the 12 layers) and multiplied by candle's f32
//! matmul. The 250,037-row word-embedding table stays in its 4-bit blocks and rows are
//! unpacked when looked up.
//!
//! Per token: word embedding + position + token type, LayerNorm; then per layer
//! self-attention (12 heads) and a GELU feed-forward layer, each added back and
//! normalised (post-LN, as BERT).

use std::borrow::Cow;

use candle_core::quantized::{GgmlDType, QMatMul, QStorage, QTensor};
use candle_core::{Device, Module, Tensor};

use super::file::{Header, ModelFile, TensorEntry, TensorType};
use super::layer::{Affine, LayerWeights, Norm};
use crate::layer_norm::LayerNorm;

/// How the encoder multiplies by its weight matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arithmetic {
    /// f32 products of the unpacked 4-bit weights: any CPU.
    Float,
    /// The 4-bit weights as stored times activations rounded to 8 bits, in blocks of 32
    /// (ggml's Q4_0 × Q8_0): CPUs with AVX-512 VNNI or AVX2; elsewhere the encoder falls back to
    /// [`Arithmetic::Float`].
    Integer,
}

/// A weight matrix \[out, in\] in the form its products use.
#[derive(Debug)]
enum Product {
    /// Unpacked to f32.
    Float(QMatMul),
    /// The stored blocks, packed for the integer kernels.
    #[cfg(target_arch = "x86_64")]
    Integer(crate::integer::PackedLinear),
}

/// A linear layer: 4-bit weights \[out, in\] and an f32 bias.
#[derive(Debug)]
struct Linear {
    product: Product,
    bias: Tensor,
}

impl Linear {
    /// `x` \[tokens, in\] times the weights, plus the bias: \[tokens, out\].
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.product {
            Product::Float(weight) => weight.forward(x)?.broadcast_add(&self.bias),
            #[cfg(target_arch = "x86_64")]
            Product::Integer(packed) => {
                let out = with_values(x, |values| packed.forward(values))?;
                Tensor::from_vec(out, (x.dim(0)?, packed.outputs()), x.device())
            }
        }
    }

    /// [`forward`](Self::forward)'s values, row by row.
    fn forward_values(&self, x: &Tensor) -> candle_core::Result<Vec<f32>> {
        match &self.product {
            #[cfg(target_arch = "x86_64")]
            Product::Integer(packed) => with_values(x, |values| packed.forward(values)),
            Product::Float(_) => self.forward(x)?.flatten_all()?.to_vec1(),
        }
    }

    /// [`forward`](Self::forward) followed by GELU.
    fn forward_gelu(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (tokens, outputs, mut out) = match &self.product {
            Product::Float(weight) => {
                let out = weight.forward(x)?.broadcast_add(&self.bias)?;
                let (tokens, outputs) = out.dims2()?;
                (tokens, outputs, out.flatten_all()?.to_vec1::<f32>()?)
            }
            #[cfg(target_arch = "x86_64")]
            Product::Integer(packed) => (
                x.dim(0)?,
                packed.outputs(),
                with_values(x, |values| packed.forward(values))?,
            ),
        };
        crate::gelu::gelu_in_place(&mut out);
        Tensor::from_vec(out, (tokens, outputs), x.device())
    }

    fn arithmetic(&self) -> Arithmetic {
        match self.product {
            Product::Float(_) => Arithmetic::Float,
            #[cfg(target_arch = "x86_64")]
            Product::Integer(_) => Arithmetic::Integer,
        }
    }
}

/// `read` applied to the values of the f32 tensor `x`, row by row: in place when they lie
/// contiguous in CPU memory, else from a copy.
fn with_values<T>(x: &Tensor, read: impl FnOnce(&[f32]) -> T) -> candle_core::Result<T> {
    let (storage, layout) = x.storage_and_layout();
    if let (candle_core::Storage::Cpu(cpu), Some((start, end))) =
        (&*storage, layout.contiguous_offsets())
    {
        return Ok(read(&cpu.as_slice::<f32>()?[start..end]));
    }
    drop(storage);
    Ok(read(&x.flatten_all()?.to_vec1::<f32>()?))
}

/// `norm` applied to each row of the f32 tensor `x`.
fn normalised(norm: &LayerNorm, x: &Tensor) -> candle_core::Result<Tensor> {
    Tensor::from_vec(with_values(x, |x| norm.forward(x))?, x.shape(), x.device())
}

/// One transformer layer.
#[derive(Debug)]
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    feed_forward_in: Linear,
    feed_forward_out: Linear,
    output_norm: LayerNorm,
}

impl Layer {
    /// The layer over token vectors `x` \[tokens, hidden\] of sequences of `lengths`
    /// tokens laid end to end, with `heads` attention heads.
    fn forward(&self, x: &Tensor, lengths: &[usize], heads: usize) -> candle_core::Result<Tensor> {
        let context = Tensor::from_vec(
            crate::attention::attend(
                &self.query.forward_values(x)?,
                &self.key.forward_values(x)?,
                &self.value.forward_values(x)?,
                lengths,
                heads,
            ),
            x.shape(),
            x.device(),
        )?;
        let attended = self.attention_out.forward(&context)?;
        let x = normalised(&self.attention_norm, &x.add(&attended)?)?;
        let inner = self.feed_forward_in.forward_gelu(&x)?;
        let out = self.feed_forward_out.forward(&inner)?;
        normalised(&self.output_norm, &x.add(&out)?)
    }

    /// A layer of f32 `weights`, multiplying in `arithmetic` where the CPU can.
    fn of_weights(weights: &LayerWeights, arithmetic: Arithmetic) -> candle_core::Result<Self> {
        let linear = |affine: &Affine| -> candle_core::Result<Linear> {
            let (rows, columns) = affine.weight.dims2()?;
            #[cfg(target_arch = "x86_64")]
            if arithmetic == Arithmetic::Integer
                && let Some(packed) = crate::integer::PackedLinear::from_rows(
                    &affine.weight.flatten_all()?.to_vec1::<f32>()?,
                    &affine.bias.to_vec1::<f32>()?,
                    rows,
                    columns,
                )
            {
                return Ok(Linear {
                    product: Product::Integer(packed),
                    bias: affine.bias.clone(),
                });
            }
            let _ = (rows, columns, arithmetic);
            Ok(Linear {
                product: Product::Float(QMatMul::Tensor(affine.weight.clone())),
                bias: affine.bias.clone(),
            })
        };
        let norm = |norm: &Norm| -> candle_core::Result<LayerNorm> {
            Ok(LayerNorm::new(
                norm.weight.to_vec1()?,
                norm.bias.to_vec1()?,
                weights.epsilon,
            ))
        };
        Ok(Layer {
            query: linear(&weights.query)?,
            key: linear(&weights.key)?,
            value: linear(&weights.value)?,
            attention_out: linear(&weights.attention_out)?,
            attention_norm: norm(&weights.attention_norm)?,
            feed_forward_in: linear(&weights.feed_forward_in)?,
            feed_forward_out: linear(&weights.feed_forward_out)?,
            output_norm: norm(&weights.output_norm)?,
        })
    }
}

/// A transformer layer given as f32 weights ([`LayerWeights`]), run as the encoder runs
/// its own: its matrices packed for integer products where the arithmetic asks for them
/// and the CPU runs them, the fused softmax and LayerNorm. For a tuned layer run
/// after the encoder; it carries no gradients ([`LayerWeights::forward`] does).
#[derive(Debug)]
pub struct PackedLayer {
    layer: Layer,
    heads: usize,
}

impl PackedLayer {
    /// Packs `weights` for `arithmetic`.
    pub fn new(weights: &LayerWeights, arithmetic: Arithmetic) -> candle_core::Result<Self> {
        Ok(PackedLayer {
            layer: Layer::of_weights(weights, arithmetic)?,
            heads: weights.heads,
        })
    }

    /// The layer over token vectors `x` \[tokens, hidden\] of sequences of `lengths`
    /// tokens laid end to end (attention stays within each).
    pub fn forward(&self, x: &Tensor, lengths: &[usize]) -> candle_core::Result<Tensor> {
        self.layer.forward(x, lengths, self.heads)
    }
}

/// The word-embedding table, kept in its 4-bit blocks: rows are unpacked when looked up.
#[derive(Debug)]
struct Embeddings {
    blocks: Vec<u8>,
    width: usize,
}

impl Embeddings {
    /// Bytes of one row: 18 per block of 32 values.
    fn row_bytes(&self) -> usize {
        self.width / 32 * 18
    }

    /// The rows of `ids`, as \[ids, width\] floats.
    fn rows(&self, ids: &[u32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(ids.len() * self.width);
        for &id in ids {
            let start = id as usize * self.row_bytes();
            for block in self.blocks[start..start + self.row_bytes()].chunks_exact(18) {
                let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
                let quants = &block[2..];
                let low = quants
                    .iter()
                    .map(|q| f32::from(i16::from(q & 15) as i8 - 8) * scale);
                let high = quants
                    .iter()
                    .map(|q| f32::from(i16::from(q >> 4) as i8 - 8) * scale);
                out.extend(low);
                out.extend(high);
            }
        }
        out
    }
}

/// IEEE half-precision to single.
pub(crate) fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from((bits >> 10) & 0x1f);
    let mantissa = u32::from(bits & 0x3ff);
    let value = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: normalise it.
            let shift = m.leading_zeros() - 21;
            sign | ((113 - shift) << 23) | (((m << shift) & 0x3ff) << 13)
        }
        (31, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(value)
}

/// The encoder with its weights.
#[derive(Debug)]
pub struct Encoder {
    header: Header,
    words: Embeddings,
    positions: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
}

/// Reads the tensors of `file` out of `bytes`.
struct Weights<'a> {
    file: &'a ModelFile,
    bytes: &'a [u8],
    arithmetic: Arithmetic,
}

impl Weights<'_> {
    fn entry(&self, name: &str, kind: TensorType) -> Result<&TensorEntry, String> {
        let entry = self
            .file
            .tensors
            .get(name)
            .ok_or_else(|| format!("tensor {name} missing"))?;
        if entry.kind != kind {
            return Err(format!(
                "tensor {name}: stored as {:?}, expected {kind:?}",
                entry.kind
            ));
        }
        Ok(entry)
    }

    fn f32(&self, name: &str, shape: &[usize]) -> Result<Tensor, String> {
        Tensor::from_vec(self.f32_values(name, shape)?, shape, &Device::Cpu)
            .map_err(|e| format!("tensor {name}: {e}"))
    }

    /// The values of the f32 tensor `name` of `shape`, in order.
    fn f32_values(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let entry = self.entry(name, TensorType::F32)?;
        if entry.elements != shape.iter().product::<usize>() {
            return Err(format!(
                "tensor {name}: {} values, expected {shape:?}",
                entry.elements
            ));
        }
        Ok(self.bytes[entry.bytes.clone()]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The entry of the 4-bit matrix `name`, checked to hold \[rows, columns\].
    fn matrix_entry(
        &self,
        name: &str,
        rows: usize,
        columns: usize,
    ) -> Result<&TensorEntry, String> {
        let entry = self.entry(name, TensorType::Q4_0)?;
        if entry.elements != rows * columns {
            return Err(format!(
                "tensor {name}: {} values, expected {rows}×{columns}",
                entry.elements
            ));
        }
        Ok(entry)
    }

    /// The weight matrix `name`, packed for integer products with `bias` where the
    /// arithmetic asks for them and the CPU runs them.
    fn q4(
        &self,
        name: &str,
        bias: &Tensor,
        rows: usize,
        columns: usize,
    ) -> Result<Product, String> {
        let entry = self.matrix_entry(name, rows, columns)?;
        let stored = &self.bytes[entry.bytes.clone()];
        #[cfg(target_arch = "x86_64")]
        if self.arithmetic == Arithmetic::Integer
            && let Some(packed) = crate::integer::PackedLinear::from_q4_0(
                stored,
                &bias.to_vec1::<f32>().map_err(|e| e.to_string())?,
                rows,
                columns,
            )
        {
            return Ok(Product::Integer(packed));
        }
        // Unpacked to f32 once: candle's f32 matmul picks the CPU's vector instructions at
        // run time, its 4-bit one only when the build targets them.
        Ok(Product::Float(QMatMul::Tensor(
            self.unpacked(name, rows, columns)?,
        )))
    }

    /// The weight matrix `name` unpacked to f32 \[rows, columns\].
    fn unpacked(&self, name: &str, rows: usize, columns: usize) -> Result<Tensor, String> {
        let entry = self.matrix_entry(name, rows, columns)?;
        let storage = QStorage::from_data(
            Cow::Borrowed(&self.bytes[entry.bytes.clone()]),
            &Device::Cpu,
            GgmlDType::Q4_0,
        )
        .map_err(|e| format!("tensor {name}: {e}"))?;
        QTensor::new(storage, (rows, columns))
            .and_then(|tensor| tensor.dequantize(&Device::Cpu))
            .map_err(|e| format!("tensor {name}: {e}"))
    }

    fn linear(&self, prefix: &str, rows: usize, columns: usize) -> Result<Linear, String> {
        let bias = self.f32(&format!("{prefix}.b"), &[rows])?;
        Ok(Linear {
            product: self.q4(&format!("{prefix}.w"), &bias, rows, columns)?,
            bias,
        })
    }

    fn norm(&self, prefix: &str, width: usize, epsilon: f32) -> Result<LayerNorm, String> {
        Ok(LayerNorm::new(
            self.f32_values(&format!("{prefix}.w"), &[width])?,
            self.f32_values(&format!("{prefix}.b"), &[width])?,
            epsilon,
        ))
    }
}

/// Transformer layer `layer` (1 = the first) of a parsed model file whose bytes are
/// `bytes`, its matrices unpacked to f32.
pub(crate) fn layer_weights(
    file: &ModelFile,
    bytes: &[u8],
    layer: usize,
) -> Result<LayerWeights, String> {
    let header = file.header;
    if layer == 0 || layer > header.layers {
        return Err(format!(
            "layer {layer} asked of a {}-layer encoder",
            header.layers
        ));
    }
    let weights = Weights {
        file,
        bytes,
        arithmetic: Arithmetic::Float,
    };
    let (h, ff) = (header.hidden, header.feed_forward);
    LayerWeights::from_named(header.heads, header.epsilon, |part| {
        let name = format!("l{}.{part}", layer - 1);
        let (rows, columns) = match part {
            "fi.w" => (ff, h),
            "fo.w" => (h, ff),
            "fi.b" => (ff, 0),
            _ if part.ends_with(".w") && !part.contains("ln") => (h, h),
            _ => (h, 0),
        };
        if columns == 0 {
            weights.f32(&name, &[rows])
        } else {
            weights.unpacked(&name, rows, columns)
        }
    })
}

impl Encoder {
    /// The encoder of a parsed model file whose bytes are `bytes`, multiplying in
    /// `arithmetic` where the CPU can.
    pub fn new(file: &ModelFile, bytes: &[u8], arithmetic: Arithmetic) -> Result<Self, String> {
        let header = file.header;
        let (h, ff, eps) = (header.hidden, header.feed_forward, header.epsilon);
        let weights = Weights {
            file,
            bytes,
            arithmetic,
        };
        let words = weights.entry("emb.word", TensorType::Q4_0)?;
        if words.elements != header.embedding_rows * h {
            return Err("tensor emb.word: wrong size".into());
        }
        let layers = (0..header.layers)
            .map(|l| {
                let name = |part: &str| format!("l{l}.{part}");
                Ok(Layer {
                    query: weights.linear(&name("q"), h, h)?,
                    key: weights.linear(&name("k"), h, h)?,
                    value: weights.linear(&name("v"), h, h)?,
                    attention_out: weights.linear(&name("ao"), h, h)?,
                    attention_norm: weights.norm(&name("aln"), h, eps)?,
                    feed_forward_in: weights.linear(&name("fi"), ff, h)?,
                    feed_forward_out: weights.linear(&name("fo"), h, ff)?,
                    output_norm: weights.norm(&name("oln"), h, eps)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Encoder {
            header,
            words: Embeddings {
                blocks: bytes[words.bytes.clone()].to_vec(),
                width: h,
            },
            positions: weights.f32("emb.pos", &[header.max_positions, h])?,
            token_type: weights
                .f32("emb.type", &[2, h])?
                .get(0)
                .map_err(|e| e.to_string())?,
            embedding_norm: weights.norm("emb.ln", h, eps)?,
            layers,
        })
    }

    /// The arithmetic the weight products run in: [`Arithmetic::Integer`] only where every
    /// matrix was packed for it.
    pub fn arithmetic(&self) -> Arithmetic {
        let packed = self.layers.iter().all(|layer| {
            [
                &layer.query,
                &layer.key,
                &layer.value,
                &layer.attention_out,
                &layer.feed_forward_in,
                &layer.feed_forward_out,
            ]
            .iter()
            .all(|linear| linear.arithmetic() == Arithmetic::Integer)
        });
        if packed {
            Arithmetic::Integer
        } else {
            Arithmetic::Float
        }
    }

    /// Longest input, in tokens (`<s>` and `</s>` included).
    pub fn max_tokens(&self) -> usize {
        self.header.max_positions
    }

    /// Width of the token vectors.
    pub fn width(&self) -> usize {
        self.header.hidden
    }

    /// The last layer's vector of each token, as \[tokens, width\].
    pub fn forward(&self, ids: &[u32]) -> candle_core::Result<Tensor> {
        let last = self.header.layers;
        Ok(self.hidden_states(ids, &[last])?.remove(0))
    }

    /// Number of transformer layers.
    pub fn depth(&self) -> usize {
        self.header.layers
    }

    /// The token vectors after each of `layers` (1 = after the first transformer layer,
    /// 0 = the embeddings), as \[tokens, width\] each, in the order asked. Layers above the
    /// deepest one asked are not run.
    pub fn hidden_states(&self, ids: &[u32], layers: &[usize]) -> candle_core::Result<Vec<Tensor>> {
        let mut states = self.hidden_states_many(&[ids], layers)?;
        Ok(states.remove(0))
    }

    /// [`hidden_states`](Self::hidden_states) of several sequences in one pass: their
    /// tokens share every matrix product, and attention stays within each sequence. The
    /// result has one entry per sequence, in order.
    pub fn hidden_states_many(
        &self,
        sequences: &[&[u32]],
        layers: &[usize],
    ) -> candle_core::Result<Vec<Vec<Tensor>>> {
        let depth = layers.iter().copied().max().unwrap_or(0);
        if depth > self.header.layers {
            candle_core::bail!(
                "layer {depth} asked of a {}-layer encoder",
                self.header.layers
            );
        }
        let lengths: Vec<usize> = sequences.iter().map(|ids| ids.len()).collect();
        let (n, h) = (lengths.iter().sum::<usize>(), self.header.hidden);
        if n == 0 {
            return Ok(vec![Vec::new(); sequences.len()]);
        }
        let words = Tensor::from_vec(self.words.rows(&sequences.concat()), (n, h), &Device::Cpu)?;
        let positions = lengths
            .iter()
            .map(|&length| self.positions.narrow(0, 0, length))
            .collect::<candle_core::Result<Vec<_>>>()?;
        let positions = Tensor::cat(&positions, 0)?;
        let mut x = normalised(
            &self.embedding_norm,
            &words.add(&positions)?.broadcast_add(&self.token_type)?,
        )?;
        let mut kept = vec![None; layers.len()];
        let mut keep = |depth: usize, x: &Tensor| {
            for (state, _) in kept.iter_mut().zip(layers).filter(|(_, l)| **l == depth) {
                *state = Some(x.clone());
            }
        };
        keep(0, &x);
        for (index, layer) in self.layers.iter().take(depth).enumerate() {
            x = layer.forward(&x, &lengths, self.header.heads)?;
            keep(index + 1, &x);
        }
        let mut start = 0;
        lengths
            .iter()
            .map(|&length| {
                let states = kept
                    .iter()
                    .flatten()
                    .map(|state| state.narrow(0, start, length))
                    .collect::<candle_core::Result<Vec<_>>>();
                start += length;
                states
            })
            .collect()
    }

    /// The mean of the token vectors of `ids`, at unit length (E5's sentence vector).
    pub fn sentence_vector(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let mean = self.forward(ids)?.mean(0)?;
        let norm = mean.sqr()?.sum_all()?.sqrt()?.to_scalar::<f32>()?.max(1e-6);
        (mean / f64::from(norm))?.to_vec1::<f32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_converts_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x0000), 0.0);
    }

    #[test]
    fn embedding_rows_unpack_q4_0_blocks() {
        // One row of 32 values: scale 0.5, low nibbles 0..15, high nibbles 15..0.
        let mut block = vec![0x00, 0x38];
        block.extend((0u8..16).map(|j| j | ((15 - j) << 4)));
        let table = Embeddings {
            blocks: block,
            width: 32,
        };
        let row = table.rows(&[0]);
        assert_eq!(row[0], -4.0);
        assert_eq!(row[15], 3.5);
        assert_eq!(row[16], 3.5);
        assert_eq!(row[31], -4.0);
    }
}
