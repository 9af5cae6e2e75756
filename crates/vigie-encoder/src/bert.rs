//! The forward pass of a BERT encoder (one sequence, no padding) over the tensor names of
//! the Hugging Face export: embeddings, then self-attention and feed-forward layers,
//! each followed by a residual connection and layer normalisation.

use std::collections::HashMap;

use crate::safetensors::Tensor;

/// A dense layer `y = x Wᵀ + b` with `W` stored `outputs × inputs`, row-major.
#[derive(Debug, Clone)]
struct Linear {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Linear {
    /// Applies the layer to `rows` row-major input vectors.
    fn apply(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let mut y: Vec<f32> = self.bias.repeat(rows);
        let transposed = (1, self.inputs as isize);
        multiply_add(
            x,
            (rows, self.inputs),
            &self.weight,
            transposed,
            self.outputs,
            &mut y,
        );
        y
    }
}

/// Layer normalisation with a learnt scale and shift.
#[derive(Debug, Clone)]
struct LayerNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    epsilon: f32,
}

impl LayerNorm {
    fn apply(&self, x: &mut [f32]) {
        for row in x.chunks_exact_mut(self.weight.len()) {
            let n = row.len() as f32;
            let mean = row.iter().sum::<f32>() / n;
            let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
            let scale = 1.0 / (variance + self.epsilon).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *v = (*v - mean) * scale * w + b;
            }
        }
    }
}

/// One transformer layer.
#[derive(Debug, Clone)]
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_output: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// A BERT encoder's weights and shape.
#[derive(Debug, Clone)]
pub struct Bert {
    word_embeddings: Vec<f32>,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    vocabulary: usize,
    max_positions: usize,
}

impl Bert {
    /// Builds the encoder from its tensors; `heads` and `epsilon` come from its config.
    pub fn from_tensors(
        mut tensors: HashMap<String, Tensor>,
        heads: usize,
        epsilon: f32,
    ) -> Result<Self, String> {
        let tensors = &mut tensors;
        let words = take(tensors, "embeddings.word_embeddings.weight")?;
        let [vocabulary, hidden] = words.shape[..] else {
            return Err("word embeddings are not a matrix".to_owned());
        };
        if heads == 0 || hidden % heads != 0 {
            return Err(format!(
                "{hidden} hidden units do not split into {heads} heads"
            ));
        }
        let positions = take(tensors, "embeddings.position_embeddings.weight")?;
        let max_positions = positions.shape.first().copied().unwrap_or(0);
        let token_types = take(tensors, "embeddings.token_type_embeddings.weight")?;
        let embedding_norm = layer_norm(tensors, "embeddings.LayerNorm", hidden, epsilon)?;
        let mut layers = Vec::new();
        while tensors.contains_key(&format!(
            "encoder.layer.{}.attention.self.query.weight",
            layers.len()
        )) {
            let prefix = format!("encoder.layer.{}", layers.len());
            let layer = Layer {
                query: linear(tensors, &format!("{prefix}.attention.self.query"))?,
                key: linear(tensors, &format!("{prefix}.attention.self.key"))?,
                value: linear(tensors, &format!("{prefix}.attention.self.value"))?,
                attention_output: linear(tensors, &format!("{prefix}.attention.output.dense"))?,
                attention_norm: layer_norm(
                    tensors,
                    &format!("{prefix}.attention.output.LayerNorm"),
                    hidden,
                    epsilon,
                )?,
                intermediate: linear(tensors, &format!("{prefix}.intermediate.dense"))?,
                output: linear(tensors, &format!("{prefix}.output.dense"))?,
                output_norm: layer_norm(
                    tensors,
                    &format!("{prefix}.output.LayerNorm"),
                    hidden,
                    epsilon,
                )?,
            };
            let square = [
                &layer.query,
                &layer.key,
                &layer.value,
                &layer.attention_output,
            ]
            .iter()
            .all(|l| l.inputs == hidden && l.outputs == hidden);
            if !square
                || layer.intermediate.inputs != hidden
                || layer.output.inputs != layer.intermediate.outputs
                || layer.output.outputs != hidden
            {
                return Err(format!("{prefix}: shapes do not fit {hidden} hidden units"));
            }
            layers.push(layer);
        }
        if layers.is_empty() {
            return Err("no encoder layers".to_owned());
        }
        Ok(Self {
            word_embeddings: words.values,
            position_embeddings: checked(positions, &[max_positions, hidden])?.values,
            token_type_embedding: token_types
                .values
                .get(..hidden)
                .ok_or("no token type embedding")?
                .to_vec(),
            embedding_norm,
            layers,
            hidden,
            heads,
            vocabulary,
            max_positions,
        })
    }

    /// Width of the hidden states.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Longest sequence the position embeddings cover.
    pub fn max_positions(&self) -> usize {
        self.max_positions
    }

    /// Hidden states of the last layer, `ids.len() × hidden`, row-major. Ids outside the
    /// vocabulary and positions past the last are clamped.
    pub fn hidden_states(&self, ids: &[u32]) -> Vec<f32> {
        let (n, hidden) = (ids.len(), self.hidden);
        let mut x = Vec::with_capacity(n * hidden);
        for (position, &id) in ids.iter().enumerate() {
            let word = (id as usize).min(self.vocabulary - 1) * hidden;
            let place = position.min(self.max_positions - 1) * hidden;
            x.extend((0..hidden).map(|i| {
                self.word_embeddings[word + i]
                    + self.position_embeddings[place + i]
                    + self.token_type_embedding[i]
            }));
        }
        self.embedding_norm.apply(&mut x);
        for layer in &self.layers {
            let attended = layer
                .attention_output
                .apply(&self.attention(layer, &x, n), n);
            x.iter_mut().zip(&attended).for_each(|(v, a)| *v += a);
            layer.attention_norm.apply(&mut x);
            let mut inner = layer.intermediate.apply(&x, n);
            inner.iter_mut().for_each(|v| *v = gelu(*v));
            let output = layer.output.apply(&inner, n);
            x.iter_mut().zip(&output).for_each(|(v, o)| *v += o);
            layer.output_norm.apply(&mut x);
        }
        x
    }

    /// Multi-head scaled dot-product self-attention: the context vectors, `n × hidden`.
    fn attention(&self, layer: &Layer, x: &[f32], n: usize) -> Vec<f32> {
        let (hidden, width) = (self.hidden, self.hidden / self.heads);
        let (query, key, value) = (
            layer.query.apply(x, n),
            layer.key.apply(x, n),
            layer.value.apply(x, n),
        );
        let head_of = |states: &[f32], head: usize| -> Vec<f32> {
            states
                .chunks_exact(hidden)
                .flat_map(|row| &row[head * width..(head + 1) * width])
                .copied()
                .collect()
        };
        let scale = 1.0 / (width as f32).sqrt();
        let mut context = vec![0.0; n * hidden];
        let mut scores = vec![0.0; n * n];
        let mut head_context = vec![0.0; n * width];
        for head in 0..self.heads {
            let (q, k, v) = (
                head_of(&query, head),
                head_of(&key, head),
                head_of(&value, head),
            );
            scores.fill(0.0);
            multiply_add(&q, (n, width), &k, (1, width as isize), n, &mut scores);
            for row in scores.chunks_exact_mut(n) {
                let max = row.iter().fold(f32::NEG_INFINITY, |m, s| m.max(*s * scale));
                let mut total = 0.0;
                for s in row.iter_mut() {
                    *s = (*s * scale - max).exp();
                    total += *s;
                }
                row.iter_mut().for_each(|s| *s /= total);
            }
            head_context.fill(0.0);
            multiply_add(
                &scores,
                (n, n),
                &v,
                (width as isize, 1),
                width,
                &mut head_context,
            );
            for (row, values) in context
                .chunks_exact_mut(hidden)
                .zip(head_context.chunks_exact(width))
            {
                row[head * width..(head + 1) * width].copy_from_slice(values);
            }
        }
        context
    }
}

/// Removes a tensor by name.
fn take(tensors: &mut HashMap<String, Tensor>, name: &str) -> Result<Tensor, String> {
    tensors
        .remove(name)
        .ok_or_else(|| format!("no tensor {name}"))
}

/// The dense layer stored under `prefix`.
fn linear(tensors: &mut HashMap<String, Tensor>, prefix: &str) -> Result<Linear, String> {
    let weight = take(tensors, &format!("{prefix}.weight"))?;
    let [outputs, inputs] = weight.shape[..] else {
        return Err(format!("{prefix}: not a matrix"));
    };
    let bias = checked(take(tensors, &format!("{prefix}.bias"))?, &[outputs])?;
    Ok(Linear {
        weight: weight.values,
        bias: bias.values,
        inputs,
        outputs,
    })
}

/// The layer normalisation stored under `prefix`.
fn layer_norm(
    tensors: &mut HashMap<String, Tensor>,
    prefix: &str,
    hidden: usize,
    epsilon: f32,
) -> Result<LayerNorm, String> {
    Ok(LayerNorm {
        weight: checked(take(tensors, &format!("{prefix}.weight"))?, &[hidden])?.values,
        bias: checked(take(tensors, &format!("{prefix}.bias"))?, &[hidden])?.values,
        epsilon,
    })
}

/// Checks a tensor's shape.
fn checked(tensor: Tensor, shape: &[usize]) -> Result<Tensor, String> {
    if tensor.shape == shape {
        Ok(tensor)
    } else {
        Err(format!(
            "tensor of shape {:?}, expected {shape:?}",
            tensor.shape
        ))
    }
}

/// `c += a · b`, for `a` row-major `m × k` and `b` a `k × n` matrix read through its
/// (row, column) strides, so a transposed matrix needs no copy.
fn multiply_add(
    a: &[f32],
    (m, k): (usize, usize),
    b: &[f32],
    (row_stride, column_stride): (isize, isize),
    n: usize,
    c: &mut [f32],
) {
    assert!(a.len() >= m * k && c.len() >= m * n, "matrix sizes");
    if m == 0 || k == 0 || n == 0 {
        return;
    }
    let last = (k as isize - 1) * row_stride + (n as isize - 1) * column_stride;
    assert!(
        row_stride > 0 && column_stride > 0 && (last as usize) < b.len(),
        "b is read inside its bounds"
    );
    // SAFETY: every index read from `a`, `b` and written in `c` is inside the slices,
    // checked above from the dimensions and strides; `c` does not alias `a` or `b`.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            row_stride,
            column_stride,
            1.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// The Gaussian error linear unit, `x Φ(x)`, as BERT computes it (with `erf`).
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x / std::f32::consts::SQRT_2))
}

/// The error function (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7).
fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let polynomial = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let magnitude = 1.0 - polynomial * (-x * x).exp();
    magnitude.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplies_plain_and_transposed_matrices() {
        // a = [[1, 2], [3, 4]], b = [[5, 6], [7, 8]]: a·b = [[19, 22], [43, 50]].
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
        let mut c = [0.0; 4];
        multiply_add(&a, (2, 2), &b, (2, 1), 2, &mut c);
        assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
        // a·bᵀ = [[17, 23], [39, 53]].
        let mut c = [0.0; 4];
        multiply_add(&a, (2, 2), &b, (1, 2), 2, &mut c);
        assert_eq!(c, [17.0, 23.0, 39.0, 53.0]);
    }

    #[test]
    fn gelu_matches_known_values() {
        for (x, expected) in [
            (0.0, 0.0),
            (1.0, 0.841_344_7),
            (-1.0, -0.158_655_3),
            (3.0, 2.995_950_5),
        ] {
            assert!((gelu(x) - expected).abs() < 1e-6, "gelu({x}) = {}", gelu(x));
        }
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let norm = LayerNorm {
            weight: vec![1.0; 4],
            bias: vec![0.5; 4],
            epsilon: 1e-12,
        };
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        norm.apply(&mut x);
        let mean = x.iter().sum::<f32>() / 4.0;
        let variance = x.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 4.0;
        assert!((mean - 0.5).abs() < 1e-6 && (variance - 1.0).abs() < 1e-5);
    }
}
