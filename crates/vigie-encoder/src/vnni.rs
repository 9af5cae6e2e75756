//! Matrix products on AVX-512 VNNI: 8-bit activations times 4- or 8-bit weights.
//!
//! The weights are kept in blocks of 32 inputs of one output, each block with its own
//! scale: the encoder's 4-bit Q4_0 blocks exactly as stored, or a head's f32 weights
//! rounded to 8 bits. Each token's activations are rounded to 8 bits in blocks of the same
//! 32 inputs, each with its own scale (ggml's Q4_0 × Q8_0 scheme, which the encoder's own
//! engine uses). One `vpdpbusd` then multiplies 64 byte pairs and sums them four by four
//! into 16 lanes: four times the multiply-adds of an f32 FMA of the same width. Within a
//! block the products are exact integers; the activations' rounding (half a step of 1/127
//! of the block's largest value) and, for f32 weights, theirs, separate the result from
//! the f32 product.

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
const Q4_BLOCK_BYTES: usize = 18;
/// Inputs read by one `vpdpbusd` lane.
const GROUP: usize = 4;
/// Outputs computed together: two vectors of 16 lanes.
const TILE_OUTPUTS: usize = 32;
/// Tokens computed together: 6 × 2 integer and 6 × 2 float accumulators fill 24 of the 32
/// vector registers.
const TILE_TOKENS: usize = 6;
/// The zero point of a Q4_0 value: a stored `v` stands for `v − 8`.
const Q4_ZERO_POINT: i32 = 8;
/// The zero point of an 8-bit weight: a stored `v` stands for `v − 128`.
const Q8_ZERO_POINT: i32 = 128;

/// Whether this CPU runs [`PackedLinear`] products.
pub fn available() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vnni")
}

/// A linear layer — weights \[outputs, inputs\] and a bias — laid out for the kernel: for
/// each tile of 32 outputs, each block of 32 inputs and each group of 4 inputs, the 4
/// values of each of the 32 outputs side by side, one unsigned byte each. Inputs and
/// outputs are padded with zero weights to whole blocks and tiles.
#[derive(Debug, Clone)]
pub struct PackedLinear {
    outputs: usize,
    inputs: usize,
    /// Tiles of 32 outputs.
    tiles: usize,
    /// Blocks of 32 inputs.
    blocks: usize,
    values: Vec<u8>,
    /// The block scales: for each tile and block, the 32 outputs' scales.
    scales: Vec<f32>,
    /// The value a stored byte stands for is `byte − zero_point`.
    zero_point: i32,
    /// One per output, padded to whole tiles.
    bias: Vec<f32>,
}

/// A token's activations rounded to 8 bits in blocks of [`BLOCK`] inputs.
struct QuantizedTokens {
    values: Vec<i8>,
    /// For each token and block: the step of the block's values.
    scales: Vec<f32>,
    /// For each token and block: the sum of its values, times the weights' zero point
    /// taken off the integer dot product.
    sums: Vec<i32>,
}

impl PackedLinear {
    /// An empty layer of the given shape, `None` when the CPU lacks AVX-512 VNNI.
    fn zeroed(outputs: usize, inputs: usize, zero_point: i32, bias: &[f32]) -> Option<Self> {
        if !available() || bias.len() != outputs {
            return None;
        }
        let (tiles, blocks) = (outputs.div_ceil(TILE_OUTPUTS), inputs.div_ceil(BLOCK));
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(tiles * TILE_OUTPUTS, 0.0);
        Some(PackedLinear {
            outputs,
            inputs,
            tiles,
            blocks,
            values: vec![zero_point as u8; tiles * TILE_OUTPUTS * blocks * BLOCK],
            scales: vec![0.0; tiles * TILE_OUTPUTS * blocks],
            zero_point,
            bias: padded_bias,
        })
    }

    /// Sets the weight of `output` for `input` to the stored byte `value`.
    fn set(&mut self, output: usize, input: usize, value: u8) {
        let (tile, lane) = (output / TILE_OUTPUTS, output % TILE_OUTPUTS);
        let (block, group, within) = (input / BLOCK, input % BLOCK / GROUP, input % GROUP);
        let at = (((tile * self.blocks + block) * (BLOCK / GROUP) + group) * TILE_OUTPUTS + lane)
            * GROUP
            + within;
        self.values[at] = value;
    }

    /// Sets the scale of `output`'s block `block`.
    fn set_scale(&mut self, output: usize, block: usize, scale: f32) {
        let (tile, lane) = (output / TILE_OUTPUTS, output % TILE_OUTPUTS);
        self.scales[(tile * self.blocks + block) * TILE_OUTPUTS + lane] = scale;
    }

    /// Packs `blocks`, the stored Q4_0 bytes of an \[outputs, inputs\] matrix (row by
    /// row), with `bias`; `None` when the CPU lacks AVX-512 VNNI or the sizes disagree.
    pub fn from_q4_0(blocks: &[u8], bias: &[f32], outputs: usize, inputs: usize) -> Option<Self> {
        if !inputs.is_multiple_of(BLOCK)
            || blocks.len() != outputs * inputs / BLOCK * Q4_BLOCK_BYTES
        {
            return None;
        }
        let mut packed = Self::zeroed(outputs, inputs, Q4_ZERO_POINT, bias)?;
        let row_bytes = inputs / BLOCK * Q4_BLOCK_BYTES;
        for (output, row) in blocks.chunks_exact(row_bytes).enumerate() {
            for (block, stored) in row.chunks_exact(Q4_BLOCK_BYTES).enumerate() {
                let scale =
                    crate::e5::model::f16_to_f32(u16::from_le_bytes([stored[0], stored[1]]));
                packed.set_scale(output, block, scale);
                for (j, &byte) in stored[2..].iter().enumerate() {
                    packed.set(output, block * BLOCK + j, byte & 15);
                    packed.set(output, block * BLOCK + j + BLOCK / 2, byte >> 4);
                }
            }
        }
        Some(packed)
    }

    /// Packs f32 weights \[outputs, inputs\] (row by row), rounded to 8 bits in blocks of
    /// 32 inputs as activations are ([`quantize`]), with `bias`; `None` when the CPU lacks
    /// AVX-512 VNNI or the sizes disagree.
    pub fn from_rows(weights: &[f32], bias: &[f32], outputs: usize, inputs: usize) -> Option<Self> {
        if weights.len() != outputs * inputs {
            return None;
        }
        let mut packed = Self::zeroed(outputs, inputs, Q8_ZERO_POINT, bias)?;
        let rounded = quantize(weights, inputs, packed.blocks);
        for output in 0..outputs {
            for block in 0..packed.blocks {
                let at = output * packed.blocks + block;
                packed.set_scale(output, block, rounded.scales[at]);
                for (j, &value) in rounded.values[at * BLOCK..(at + 1) * BLOCK]
                    .iter()
                    .enumerate()
                {
                    packed.set(
                        output,
                        block * BLOCK + j,
                        (i32::from(value) + Q8_ZERO_POINT) as u8,
                    );
                }
            }
        }
        Some(packed)
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `x` (\[tokens, inputs\], row by row) times the transposed weights, plus the bias:
    /// \[tokens, outputs\], row by row.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        assert_eq!(
            x.len() % self.inputs.max(1),
            0,
            "activations are whole rows"
        );
        let tokens = x.len() / self.inputs.max(1);
        let quantized = quantize(x, self.inputs, self.blocks);
        let width = self.tiles * TILE_OUTPUTS;
        let mut out = vec![0f32; tokens * width];
        // SAFETY: `zeroed` made this layer only on a CPU with AVX-512 F, BW and VNNI;
        // `quantize` gave `tokens` rows of `blocks` blocks, `out` has `tokens` rows of
        // whole tiles.
        unsafe { self.product_avx512(&quantized, tokens, &mut out) };
        if width != self.outputs {
            out = out
                .chunks_exact(width)
                .flat_map(|row| &row[..self.outputs])
                .copied()
                .collect();
        }
        out
    }

    /// Every tile of outputs against every tile of tokens.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn product_avx512(&self, tokens: &QuantizedTokens, count: usize, out: &mut [f32]) {
        for tile in 0..self.tiles {
            let mut first = 0;
            while first + TILE_TOKENS <= count {
                // SAFETY (here and below): rows `first..first + R` exist.
                unsafe { self.tile::<TILE_TOKENS>(tokens, first, tile, out) };
                first += TILE_TOKENS;
            }
            // SAFETY: as above.
            unsafe {
                match count - first {
                    1 => self.tile::<1>(tokens, first, tile, out),
                    2 => self.tile::<2>(tokens, first, tile, out),
                    3 => self.tile::<3>(tokens, first, tile, out),
                    4 => self.tile::<4>(tokens, first, tile, out),
                    5 => self.tile::<5>(tokens, first, tile, out),
                    _ => {}
                }
            }
        }
    }

    /// Outputs `tile × 32 .. tile × 32 + 32` of tokens `first .. first + R`.
    ///
    /// # Safety
    /// The CPU has AVX-512 F, BW and VNNI; `tokens` holds at least `first + R` rows of
    /// this layer's blocks and `out` as many rows of its tiles.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    #[inline]
    unsafe fn tile<const R: usize>(
        &self,
        tokens: &QuantizedTokens,
        first: usize,
        tile: usize,
        out: &mut [f32],
    ) {
        let (blocks, width) = (self.blocks, self.tiles * TILE_OUTPUTS);
        let mut sums: [[__m512; 2]; R] = [[_mm512_setzero_ps(); 2]; R];
        let tile_values = self.values[tile * blocks * BLOCK * TILE_OUTPUTS..].as_ptr();
        let tile_scales = &self.scales[tile * blocks * TILE_OUTPUTS..];
        let token_values = tokens.values[first * blocks * BLOCK..].as_ptr();
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
                    let input = (r * blocks + block) * BLOCK + group * GROUP;
                    // SAFETY: row `first + r` has `blocks` blocks.
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
                let offset = _mm512_set1_epi32(tokens.sums[at] * self.zero_point);
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
        let bias = &self.bias[tile * TILE_OUTPUTS..];
        // SAFETY: 32 biases from the tile's first output.
        let (bias_low, bias_high) = unsafe {
            (
                _mm512_loadu_ps(bias.as_ptr()),
                _mm512_loadu_ps(bias[16..].as_ptr()),
            )
        };
        for (r, sum) in sums.iter().enumerate() {
            let row = &mut out[(first + r) * width + tile * TILE_OUTPUTS..];
            // SAFETY: the row has 32 outputs from the tile's first.
            unsafe {
                _mm512_storeu_ps(row.as_mut_ptr(), _mm512_add_ps(sum[0], bias_low));
                _mm512_storeu_ps(row[16..].as_mut_ptr(), _mm512_add_ps(sum[1], bias_high));
            }
        }
    }
}

/// Rounds each token's activations to 8 bits, block by block (a token's last block padded
/// with zeros): a block's step is its largest magnitude / 127; values round to the
/// nearest step, ties to even.
fn quantize(x: &[f32], inputs: usize, blocks: usize) -> QuantizedTokens {
    let tokens = x.len() / inputs.max(1);
    let mut quantized = QuantizedTokens {
        values: vec![0; tokens * blocks * BLOCK],
        scales: vec![0.0; tokens * blocks],
        sums: vec![0; tokens * blocks],
    };
    let mut padded = [0f32; BLOCK];
    for (token, row) in x.chunks_exact(inputs.max(1)).enumerate() {
        for (block, values) in row.chunks(BLOCK).enumerate() {
            let values = if values.len() == BLOCK {
                values
            } else {
                padded[..values.len()].copy_from_slice(values);
                padded[values.len()..].fill(0.0);
                &padded
            };
            let at = token * blocks + block;
            // SAFETY: `PackedLinear::zeroed`, the only way to a product, checked the CPU.
            let (scale, sum) = unsafe {
                quantize_block(values, &mut quantized.values[at * BLOCK..(at + 1) * BLOCK])
            };
            quantized.scales[at] = scale;
            quantized.sums[at] = sum;
        }
    }
    quantized
}

/// One block of [`quantize`] on AVX-512 (two vectors): its values written to `out`, its
/// step and the sum of its values returned.
#[target_feature(enable = "avx512f,avx512bw")]
fn quantize_block(block: &[f32], out: &mut [i8]) -> (f32, i32) {
    assert!(block.len() == BLOCK && out.len() == BLOCK);
    // SAFETY: 32 floats in, 32 bytes out (checked above).
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
        _mm_storeu_si128(out.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(low));
        _mm_storeu_si128(out[16..].as_mut_ptr().cast(), _mm512_cvtepi32_epi8(high));
    }
    (
        largest / 127.0,
        _mm512_reduce_add_epi32(_mm512_add_epi32(low, high)),
    )
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
                unpacked[b * BLOCK + j] = (i32::from(value) - Q4_ZERO_POINT) as f32 * d;
            }
        }
        (bytes, unpacked)
    }

    impl PackedLinear {
        /// The weight of `output` for `input`, as the kernel reads it.
        fn weight(&self, output: usize, input: usize) -> f32 {
            let (tile, lane) = (output / TILE_OUTPUTS, output % TILE_OUTPUTS);
            let (block, group, within) = (input / BLOCK, input % BLOCK / GROUP, input % GROUP);
            let tile_block = tile * self.blocks + block;
            let at =
                ((tile_block * (BLOCK / GROUP) + group) * TILE_OUTPUTS + lane) * GROUP + within;
            (i32::from(self.values[at]) - self.zero_point) as f32
                * self.scales[tile_block * TILE_OUTPUTS + lane]
        }
    }

    /// Checks `packed.forward(x)` against the scheme computed plainly (rounded activations
    /// times the weights as packed) and against the f32 product with `weights`, within
    /// `bound`.
    fn check(packed: &PackedLinear, weights: &[f32], bias: &[f32], x: &[f32], bound: f32) {
        let (outputs, inputs) = (packed.outputs, packed.inputs);
        let product = packed.forward(x);
        let quantized = quantize(x, inputs, packed.blocks);
        let tokens = x.len() / inputs;
        assert_eq!(product.len(), tokens * outputs);
        for token in 0..tokens {
            let row = &x[token * inputs..(token + 1) * inputs];
            for output in 0..outputs {
                let got = product[token * outputs + output];
                let scheme: f64 = f64::from(bias[output])
                    + (0..inputs)
                        .map(|i| {
                            let at = token * packed.blocks + i / BLOCK;
                            let value = quantized.values[at * BLOCK + i % BLOCK];
                            f64::from(value)
                                * f64::from(quantized.scales[at])
                                * f64::from(packed.weight(output, i))
                        })
                        .sum::<f64>();
                assert!(
                    (f64::from(got) - scheme).abs() < 1e-4,
                    "token {token}, output {output}: {got} against {scheme}"
                );
                let weights = &weights[output * inputs..(output + 1) * inputs];
                let float: f32 =
                    bias[output] + row.iter().zip(weights).map(|(a, w)| a * w).sum::<f32>();
                assert!((got - float).abs() <= bound, "{got} against {float}");
            }
        }
    }

    #[test]
    fn four_bit_products_match_the_float_product_within_activation_rounding() {
        let (outputs, inputs) = (64, 96);
        let (bytes, weights) = random_q4(outputs, inputs);
        let bias = noise(3, outputs);
        let Some(packed) = PackedLinear::from_q4_0(&bytes, &bias, outputs, inputs) else {
            eprintln!("skipped: this CPU has no AVX-512 VNNI");
            return;
        };
        for (output, row) in weights.chunks_exact(inputs).enumerate() {
            for (input, &w) in row.iter().enumerate() {
                assert_eq!(packed.weight(output, input), w, "kept exactly as stored");
            }
        }
        // 13 tokens: two full tiles of 6 and a remainder of 1; one token of zeros.
        let mut x = noise(5, 13 * inputs);
        x[4 * inputs..5 * inputs].fill(0.0);
        // Each activation is off by at most half a step (1/254 of its block's largest,
        // here < 1), each weight is < 1.
        check(&packed, &weights, &bias, &x, 0.5 / 127.0 * inputs as f32);
        assert_eq!(
            &packed.forward(&x)[4 * outputs..5 * outputs],
            bias.as_slice()
        );
    }

    #[test]
    fn eight_bit_products_of_any_shape_match_the_float_product_within_rounding() {
        // Neither shape fills whole tiles or blocks: 40 outputs, 70 inputs.
        let (outputs, inputs) = (40, 70);
        let weights = noise(13, outputs * inputs);
        let bias = noise(17, outputs);
        let Some(packed) = PackedLinear::from_rows(&weights, &bias, outputs, inputs) else {
            eprintln!("skipped: this CPU has no AVX-512 VNNI");
            return;
        };
        // Activations and weights (both < 1) are each off by at most half a step.
        check(
            &packed,
            &weights,
            &bias,
            &noise(19, 7 * inputs),
            1.0 / 127.0 * inputs as f32,
        );
    }

    #[test]
    fn sizes_that_disagree_are_refused() {
        let (bytes, _) = random_q4(16, 64);
        assert!(PackedLinear::from_q4_0(&bytes[1..], &[0.0; 16], 16, 64).is_none());
        assert!(PackedLinear::from_q4_0(&bytes, &[0.0; 15], 16, 64).is_none());
        assert!(PackedLinear::from_rows(&[0.0; 10], &[0.0; 2], 2, 4).is_none());
    }
}
