//! Matrix products on AVX-512 VNNI with the model's 4-bit weights kept exactly as stored.
//!
//! The weights stay in their Q4_0 blocks (32 inputs of one output, each block with its own
//! scale); each token's activations are rounded to 8 bits in blocks of the same 32 inputs,
//! each with its own scale (ggml's Q4_0 × Q8_0 scheme, which the model's own engine uses).
//! One `vpdpbusd` then multiplies 64 byte pairs and sums them four by four into 16 lanes:
//! four times the multiply-adds of an f32 FMA of the same width. Within a block the
//! products are exact integers; only the activations' rounding (half a step of 1/127 of
//! the block's largest value) separates the result from the f32 product of the unpacked
//! weights.

use std::arch::x86_64::{
    __m512, __m512i, _mm_storeu_si128, _mm512_abs_ps, _mm512_add_epi32, _mm512_add_ps,
    _mm512_cvtepi32_epi8, _mm512_cvtepi32_ps, _mm512_cvtps_epi32, _mm512_dpbusd_epi32,
    _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_loadu_si512, _mm512_max_ps, _mm512_mul_ps,
    _mm512_reduce_add_epi32, _mm512_reduce_max_ps, _mm512_set1_epi32, _mm512_set1_ps,
    _mm512_setzero_ps, _mm512_setzero_si512, _mm512_storeu_ps, _mm512_sub_epi32,
};

/// Inputs sharing one scale, in a weight row as in a token's activations.
const BLOCK: usize = 32;
/// Bytes of a stored Q4_0 block: an f16 scale and 32 four-bit values.
const BLOCK_BYTES: usize = 18;
/// Inputs read by one `vpdpbusd` lane.
const GROUP: usize = 4;
/// Outputs computed together: two vectors of 16 lanes.
const TILE_OUTPUTS: usize = 32;
/// Tokens computed together: 6 × 2 integer and 6 × 2 float accumulators fill 24 of the 32
/// vector registers.
const TILE_TOKENS: usize = 6;
/// The zero point of a stored four-bit value: it stands for `value − 8`.
const ZERO_POINT: i32 = 8;

/// Whether this CPU runs [`PackedQ4`] products.
pub fn available() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vnni")
}

/// A weight matrix \[outputs, inputs\] of Q4_0 blocks, laid out for the kernel: for each
/// tile of 32 outputs, each block of 32 inputs and each group of 4 inputs, the 4 values of
/// each of the 32 outputs side by side (one unsigned byte each, 0–15).
#[derive(Debug)]
pub struct PackedQ4 {
    outputs: usize,
    inputs: usize,
    values: Vec<u8>,
    /// The block scales: for each tile and block, the 32 outputs' scales.
    scales: Vec<f32>,
}

/// A token's activations rounded to 8 bits in blocks of [`BLOCK`] inputs.
struct QuantizedTokens {
    values: Vec<i8>,
    /// For each token and block: the step of the block's values.
    scales: Vec<f32>,
    /// For each token and block: [`ZERO_POINT`] × the sum of its values, taken off the
    /// integer dot product so that the weights' zero point cancels.
    offsets: Vec<i32>,
}

impl PackedQ4 {
    /// Packs `blocks`, the stored Q4_0 bytes of an \[outputs, inputs\] matrix (row by row),
    /// or `None` when the CPU lacks AVX-512 VNNI or the shape does not fit the tiles.
    pub fn new(blocks: &[u8], outputs: usize, inputs: usize) -> Option<Self> {
        let blocks_per_row = inputs / BLOCK;
        if !available()
            || outputs % TILE_OUTPUTS != 0
            || inputs % BLOCK != 0
            || blocks.len() != outputs * blocks_per_row * BLOCK_BYTES
        {
            return None;
        }
        let mut values = vec![0u8; outputs * inputs];
        let mut scales = vec![0f32; outputs * blocks_per_row];
        for (output, row) in blocks
            .chunks_exact(blocks_per_row * BLOCK_BYTES)
            .enumerate()
        {
            let (tile, lane) = (output / TILE_OUTPUTS, output % TILE_OUTPUTS);
            for (block, stored) in row.chunks_exact(BLOCK_BYTES).enumerate() {
                let tile_block = tile * blocks_per_row + block;
                scales[tile_block * TILE_OUTPUTS + lane] =
                    super::model::f16_to_f32(u16::from_le_bytes([stored[0], stored[1]]));
                for (j, &byte) in stored[2..].iter().enumerate() {
                    for (input, value) in [(j, byte & 15), (j + BLOCK / 2, byte >> 4)] {
                        let (group, within) = (input / GROUP, input % GROUP);
                        let at = ((tile_block * (BLOCK / GROUP) + group) * TILE_OUTPUTS + lane)
                            * GROUP
                            + within;
                        values[at] = value;
                    }
                }
            }
        }
        Some(PackedQ4 {
            outputs,
            inputs,
            values,
            scales,
        })
    }

    /// Number of outputs (rows of the weight matrix).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `x` (\[tokens, inputs\], row by row) times the transposed weights, plus `bias`:
    /// \[tokens, outputs\], row by row.
    pub fn product(&self, x: &[f32], bias: &[f32]) -> Vec<f32> {
        assert_eq!(x.len() % self.inputs, 0, "activations are whole rows");
        assert_eq!(bias.len(), self.outputs, "one bias per output");
        let tokens = x.len() / self.inputs;
        let quantized = quantize(x, self.inputs);
        let mut out = vec![0f32; tokens * self.outputs];
        // SAFETY: `new` built this matrix only on a CPU with AVX-512 F, BW and VNNI, and
        // the slices' lengths were checked above and by `quantize`.
        unsafe { self.product_avx512(&quantized, tokens, bias, &mut out) };
        out
    }

    /// Every tile of outputs against every tile of tokens.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn product_avx512(
        &self,
        tokens: &QuantizedTokens,
        count: usize,
        bias: &[f32],
        out: &mut [f32],
    ) {
        for tile in 0..self.outputs / TILE_OUTPUTS {
            let mut first = 0;
            while first + TILE_TOKENS <= count {
                // SAFETY (here and below): rows `first..first + R` exist.
                unsafe { self.tile::<TILE_TOKENS>(tokens, first, tile, bias, out) };
                first += TILE_TOKENS;
            }
            // SAFETY: as above.
            unsafe {
                match count - first {
                    1 => self.tile::<1>(tokens, first, tile, bias, out),
                    2 => self.tile::<2>(tokens, first, tile, bias, out),
                    3 => self.tile::<3>(tokens, first, tile, bias, out),
                    4 => self.tile::<4>(tokens, first, tile, bias, out),
                    5 => self.tile::<5>(tokens, first, tile, bias, out),
                    _ => {}
                }
            }
        }
    }

    /// Outputs `tile × 32 .. tile × 32 + 32` of tokens `first .. first + R`.
    ///
    /// # Safety
    /// The CPU has AVX-512 F, BW and VNNI; `tokens` holds at least `first + R` rows of
    /// this matrix's inputs and `out` as many rows of its outputs.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    #[inline]
    unsafe fn tile<const R: usize>(
        &self,
        tokens: &QuantizedTokens,
        first: usize,
        tile: usize,
        bias: &[f32],
        out: &mut [f32],
    ) {
        let blocks = self.inputs / BLOCK;
        let mut sums: [[__m512; 2]; R] = [[_mm512_setzero_ps(); 2]; R];
        let tile_values = self.values[tile * blocks * BLOCK * TILE_OUTPUTS..].as_ptr();
        let tile_scales = &self.scales[tile * blocks * TILE_OUTPUTS..];
        let token_values = tokens.values[first * self.inputs..].as_ptr();
        for block in 0..blocks {
            let mut dots: [[__m512i; 2]; R] = [[_mm512_setzero_si512(); 2]; R];
            for group in 0..BLOCK / GROUP {
                let at = (block * (BLOCK / GROUP) + group) * TILE_OUTPUTS * GROUP;
                // SAFETY: the tile holds `blocks` blocks of 8 groups of 128 bytes.
                let (low, high) = unsafe {
                    (
                        _mm512_loadu_si512(tile_values.add(at).cast()),
                        _mm512_loadu_si512(tile_values.add(at + 64).cast()),
                    )
                };
                for (r, dot) in dots.iter_mut().enumerate() {
                    let input = r * self.inputs + block * BLOCK + group * GROUP;
                    // SAFETY: row `first + r` has `inputs` values.
                    let four = unsafe { token_values.add(input).cast::<i32>().read_unaligned() };
                    let broadcast = _mm512_set1_epi32(four);
                    dot[0] = _mm512_dpbusd_epi32(dot[0], low, broadcast);
                    dot[1] = _mm512_dpbusd_epi32(dot[1], high, broadcast);
                }
            }
            let scale_at = block * TILE_OUTPUTS;
            // SAFETY: 32 scales per block of the tile.
            let (scale_low, scale_high) = unsafe {
                (
                    _mm512_loadu_ps(tile_scales[scale_at..].as_ptr()),
                    _mm512_loadu_ps(tile_scales[scale_at + 16..].as_ptr()),
                )
            };
            for (r, (sum, dot)) in sums.iter_mut().zip(&dots).enumerate() {
                let at = (first + r) * blocks + block;
                let offset = _mm512_set1_epi32(tokens.offsets[at]);
                let step = _mm512_set1_ps(tokens.scales[at]);
                sum[0] = _mm512_fmadd_ps(
                    _mm512_cvtepi32_ps(_mm512_sub_epi32(dot[0], offset)),
                    _mm512_mul_ps(scale_low, step),
                    sum[0],
                );
                sum[1] = _mm512_fmadd_ps(
                    _mm512_cvtepi32_ps(_mm512_sub_epi32(dot[1], offset)),
                    _mm512_mul_ps(scale_high, step),
                    sum[1],
                );
            }
        }
        let bias = &bias[tile * TILE_OUTPUTS..];
        // SAFETY: 32 biases from the tile's first output.
        let (bias_low, bias_high) = unsafe {
            (
                _mm512_loadu_ps(bias.as_ptr()),
                _mm512_loadu_ps(bias[16..].as_ptr()),
            )
        };
        for (r, sum) in sums.iter().enumerate() {
            let row = &mut out[(first + r) * self.outputs + tile * TILE_OUTPUTS..];
            // SAFETY: the row has 32 outputs from the tile's first.
            unsafe {
                _mm512_storeu_ps(row.as_mut_ptr(), _mm512_add_ps(sum[0], bias_low));
                _mm512_storeu_ps(row[16..].as_mut_ptr(), _mm512_add_ps(sum[1], bias_high));
            }
        }
    }
}

/// Rounds each token's activations to 8 bits, block by block: a block's step is its
/// largest magnitude / 127; values round to the nearest step, ties to even.
fn quantize(x: &[f32], inputs: usize) -> QuantizedTokens {
    debug_assert_eq!(inputs % BLOCK, 0);
    let blocks = x.len() / BLOCK;
    let mut quantized = QuantizedTokens {
        values: vec![0; blocks * BLOCK],
        scales: vec![0.0; blocks],
        offsets: vec![0; blocks],
    };
    // SAFETY: `PackedQ4::new` is the only way to a product, and it checked the CPU.
    unsafe { quantize_avx512(x, &mut quantized) };
    quantized
}

/// [`quantize`] on AVX-512: a block is two vectors.
#[target_feature(enable = "avx512f,avx512bw")]
fn quantize_avx512(x: &[f32], quantized: &mut QuantizedTokens) {
    for (((block, values), scale), offset) in x
        .chunks_exact(BLOCK)
        .zip(quantized.values.chunks_exact_mut(BLOCK))
        .zip(&mut quantized.scales)
        .zip(&mut quantized.offsets)
    {
        // SAFETY: a block is 32 floats in and 32 bytes out.
        let (low, high) = unsafe {
            (
                _mm512_loadu_ps(block.as_ptr()),
                _mm512_loadu_ps(block[16..].as_ptr()),
            )
        };
        let largest = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(low), _mm512_abs_ps(high)));
        let inverse = _mm512_set1_ps(if largest > 0.0 { 127.0 / largest } else { 0.0 });
        // Rounded to the nearest integer (the default rounding mode), within ±127.
        let low = _mm512_cvtps_epi32(_mm512_mul_ps(low, inverse));
        let high = _mm512_cvtps_epi32(_mm512_mul_ps(high, inverse));
        // SAFETY: as above.
        unsafe {
            _mm_storeu_si128(values.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(low));
            _mm_storeu_si128(values[16..].as_mut_ptr().cast(), _mm512_cvtepi32_epi8(high));
        }
        *scale = largest / 127.0;
        *offset = ZERO_POINT * _mm512_reduce_add_epi32(_mm512_add_epi32(low, high));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [−1, 1).
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

    /// Q4_0 blocks of a random \[outputs, inputs\] matrix and its unpacked values.
    fn random_q4(outputs: usize, inputs: usize) -> (Vec<u8>, Vec<f32>) {
        let nibbles = noise(7, outputs * inputs);
        let scales = noise(11, outputs * inputs / BLOCK);
        let mut bytes = Vec::new();
        let mut unpacked = vec![0f32; outputs * inputs];
        for (b, scale) in scales.iter().enumerate() {
            // Half-precision scales in [1/16, 1/8).
            let bits = 0x2c00 | ((scale.abs() * 1023.0) as u16 & 0x3ff);
            let d = crate::e5::model::f16_to_f32(bits);
            bytes.extend(bits.to_le_bytes());
            let q: Vec<u8> = nibbles[b * BLOCK..(b + 1) * BLOCK]
                .iter()
                .map(|v| ((v + 1.0) * 8.0) as u8 & 15)
                .collect();
            for j in 0..BLOCK / 2 {
                bytes.push(q[j] | (q[j + BLOCK / 2] << 4));
            }
            for (j, &value) in q.iter().enumerate() {
                unpacked[b * BLOCK + j] = (i32::from(value) - ZERO_POINT) as f32 * d;
            }
        }
        (bytes, unpacked)
    }

    #[test]
    fn product_matches_the_float_product_within_activation_rounding() {
        let (outputs, inputs) = (64, 96);
        let (bytes, weights) = random_q4(outputs, inputs);
        let Some(packed) = PackedQ4::new(&bytes, outputs, inputs) else {
            eprintln!("skipped: this CPU has no AVX-512 VNNI");
            return;
        };
        let bias = noise(3, outputs);
        // 13 tokens: two full tiles of 6 and a remainder of 1; one token of zeros.
        let mut x = noise(5, 13 * inputs);
        x[4 * inputs..5 * inputs].fill(0.0);
        let product = packed.product(&x, &bias);
        let quantized = quantize(&x, inputs);
        let blocks = inputs / BLOCK;
        for token in 0..13 {
            let row = &x[token * inputs..(token + 1) * inputs];
            for output in 0..outputs {
                let weights = &weights[output * inputs..(output + 1) * inputs];
                let got = product[token * outputs + output];
                // The scheme computed plainly: rounded activations times exact weights.
                let scheme: f64 = f64::from(bias[output])
                    + (0..inputs)
                        .map(|i| {
                            let step = quantized.scales[token * blocks + i / BLOCK];
                            let value = quantized.values[token * inputs + i];
                            f64::from(value) * f64::from(step) * f64::from(weights[i])
                        })
                        .sum::<f64>();
                assert!(
                    (f64::from(got) - scheme).abs() < 1e-4,
                    "token {token}, output {output}: {got} against {scheme}"
                );
                // Against the float product: each activation is off by at most half a
                // step (1/254 of its block's largest, here < 1), each weight is < 1.
                let float: f32 =
                    bias[output] + row.iter().zip(weights).map(|(a, w)| a * w).sum::<f32>();
                assert!((got - float).abs() <= 0.5 / 127.0 * inputs as f32);
            }
        }
        assert_eq!(&product[4 * outputs..5 * outputs], bias.as_slice());
    }

    #[test]
    fn shapes_outside_the_tiles_are_refused() {
        let (bytes, _) = random_q4(16, 64);
        assert!(PackedQ4::new(&bytes, 16, 64).is_none());
        assert!(PackedQ4::new(&bytes[1..], 16, 64).is_none());
    }
}
