//! Layer normalisation of token vectors, with candle's numbers to the bit.
//!
//! candle-nn's fused `layer_norm` sums each row's values and their squares in one serial
//! loop, so a row of 384 floats costs two chains of 384 dependent additions: the time of
//! the additions' latency, not their throughput. The same sums, in the same order for each
//! row, are computed here for eight rows at once, whose sixteen chains the CPU runs side
//! by side. Each result is computed by the same operations as candle's, so it is the same.

/// Rows whose sums run side by side.
const ROWS: usize = 8;

/// Layer normalisation with a learned scale and shift, of rows of `weight.len()` values.
#[derive(Debug, Clone)]
pub(crate) struct LayerNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    epsilon: f32,
}

impl LayerNorm {
    /// A normalisation scaling by `weight` and shifting by `bias` (as long as a row), with
    /// `epsilon` added to the variance.
    pub(crate) fn new(weight: Vec<f32>, bias: Vec<f32>, epsilon: f32) -> Self {
        assert_eq!(
            weight.len(),
            bias.len(),
            "one scale and one shift per value"
        );
        LayerNorm {
            weight,
            bias,
            epsilon,
        }
    }

    /// Each row of `x` (whole rows, one after the other) normalised: less its mean, over
    /// the square root of its variance plus epsilon, times the scale, plus the shift.
    pub(crate) fn forward(&self, x: &[f32]) -> Vec<f32> {
        let width = self.weight.len();
        assert!(
            width > 0 && x.len().is_multiple_of(width),
            "layer norm of whole rows"
        );
        let mut out = Vec::with_capacity(x.len());
        let mut groups = x.chunks_exact(ROWS * width);
        for group in groups.by_ref() {
            for (row, moments) in group.chunks_exact(width).zip(moments::<ROWS>(group, width)) {
                self.normalise(row, moments, &mut out);
            }
        }
        for row in groups.remainder().chunks_exact(width) {
            self.normalise(row, moments::<1>(row, width)[0], &mut out);
        }
        out
    }

    /// `row` normalised by its `(sum, sum of squares)`, appended to `out`.
    fn normalise(&self, row: &[f32], (sum, squares): (f32, f32), out: &mut Vec<f32>) {
        let width = row.len() as f32;
        let mean = sum / width;
        let variance = squares / width - mean * mean;
        let inverse = (variance + self.epsilon).sqrt().recip();
        out.extend(
            row.iter()
                .zip(self.weight.iter().zip(&self.bias))
                .map(|(&value, (&weight, &bias))| (value - mean) * inverse * weight + bias),
        );
    }
}

/// Each of the `R` rows of `rows` (of `width` values): the sum of its values and the sum
/// of their squares, each added value by value from the first, as candle adds them.
fn moments<const R: usize>(rows: &[f32], width: usize) -> [(f32, f32); R] {
    let mut sums = [0f32; R];
    let mut squares = [0f32; R];
    for column in 0..width {
        for row in 0..R {
            let value = rows[row * width + column];
            sums[row] += value;
            squares[row] += value * value;
        }
    }
    std::array::from_fn(|row| (sums[row], squares[row]))
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Module, Tensor};

    use super::*;

    /// Deterministic values in [−4, 4), one row in three shifted by 100.
    fn values(seed: u64, rows: usize, width: usize) -> Vec<f32> {
        let mut state = seed;
        (0..rows * width)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
                let shift = if (i / width).is_multiple_of(3) {
                    100.0
                } else {
                    0.0
                };
                (unit - 0.5) * 8.0 + shift
            })
            .collect()
    }

    #[test]
    fn rows_normalise_as_candle_normalises_them() {
        let width = 384;
        let (weight, bias) = (values(1, 1, width), values(2, 1, width));
        let norm = LayerNorm::new(weight.clone(), bias.clone(), 1e-12);
        let reference = candle_nn::LayerNorm::new(
            Tensor::new(weight, &Device::Cpu).unwrap(),
            Tensor::new(bias, &Device::Cpu).unwrap(),
            1e-12,
        );
        // Whole groups of eight rows and a remainder, and a group alone.
        for rows in [19, 8, 1] {
            let x = values(3 + rows as u64, rows, width);
            let expected = reference
                .forward(&Tensor::from_vec(x.clone(), (rows, width), &Device::Cpu).unwrap())
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&norm.forward(&x)), bits(&expected), "{rows} rows");
        }
    }
}
