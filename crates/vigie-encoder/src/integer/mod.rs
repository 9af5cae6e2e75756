//! Integer matrix products: 8-bit activations times 4- or 8-bit weights, on AMX, AVX-512
//! VNNI or AVX2.
//!
//! The weights are kept in blocks of 32 inputs of one output, each block with its own
//! scale: the encoder's 4-bit Q4_0 blocks exactly as stored, or a head's f32 weights
//! rounded to 8 bits. Each token's activations are rounded to 8 bits in blocks of the same
//! 32 inputs, each with its own scale (ggml's Q4_0 × Q8_0 scheme, which the encoder's own
//! engine uses). On AVX-512 VNNI one `vpdpbusd` multiplies 64 byte pairs and sums them four
//! by four into 16 lanes: four times the multiply-adds of an f32 FMA of the same width. Its
//! first operand is unsigned, so there the activations are stored plus 128 and the weights
//! signed, and each block's sums start from −128 times its weights' sum, computed once
//! when the layer is packed. On AVX2, `vpmaddubsw` gives sums of two for 16 lanes: 4-bit
//! weights (unsigned) add them up over a whole block in 16 bits, from a start that takes
//! off their zero point, before `vpmaddwd` widens them to the same sums as VNNI's; 8-bit
//! weights (signed) are multiplied by the activations' magnitudes after taking their
//! signs, as ggml does, and widened at once. AMX multiplies 16 tokens by 16 outputs per
//! instruction ([`amx`]). Within a
//! block the products are exact integers; the activations' rounding (half a step of 1/127
//! of the block's largest value) and, for f32 weights, theirs, separate the result from
//! the f32 product. Every kernel computes the same integers and then the same float
//! operations in the same order, so a model gives the same numbers on any of these CPUs.

mod amx;

use std::mem::MaybeUninit;

use std::arch::x86_64::{
    __m256, __m256i, __m512, __m512i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_cvtss_f32,
    _mm_hadd_epi32, _mm_max_ps, _mm_max_ss, _mm_movehl_ps, _mm_set1_epi8, _mm_shuffle_epi32,
    _mm_shuffle_ps, _mm_storeu_si128, _mm_xor_si128, _mm256_abs_epi8, _mm256_add_epi16,
    _mm256_add_epi32, _mm256_add_ps, _mm256_andnot_ps, _mm256_castps256_ps128,
    _mm256_castsi256_si128, _mm256_cvtepi32_ps, _mm256_cvtps_epi32, _mm256_extractf128_ps,
    _mm256_extracti128_si256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_loadu_si256,
    _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_max_ps, _mm256_mul_ps, _mm256_packs_epi16,
    _mm256_packs_epi32, _mm256_permutevar8x32_epi32, _mm256_set1_epi16, _mm256_set1_epi32,
    _mm256_set1_ps, _mm256_setr_epi32, _mm256_setzero_ps, _mm256_setzero_si256, _mm256_sign_epi8,
    _mm256_storeu_ps, _mm256_storeu_si256, _mm512_abs_ps, _mm512_add_ps, _mm512_cvtepi32_epi8,
    _mm512_cvtepi32_ps, _mm512_cvtps_epi32, _mm512_dpbusd_epi32, _mm512_fmadd_ps, _mm512_loadu_ps,
    _mm512_loadu_si512, _mm512_max_ps, _mm512_mul_ps, _mm512_reduce_max_ps, _mm512_set1_epi32,
    _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
};

/// Inputs sharing one scale, in a weight row as in a token's activations.
const BLOCK: usize = 32;
/// Bytes of a stored Q4_0 block: an f16 scale and 32 four-bit values.
const Q4_BLOCK_BYTES: usize = 18;
/// Inputs read by one `vpdpbusd` lane.
const GROUP: usize = 4;
/// Outputs computed together: two vectors of 16 lanes (four of 8 on AVX2).
const TILE_OUTPUTS: usize = 32;
/// Tokens computed together on AVX-512: 4 × 2 integer and 4 × 2 float accumulators, with
/// the block's offsets, weights and scales, stay within the 32 vector registers (at 6 the
/// compiler spilled the float sums to the stack every block; on Zen 4, 5 and 4 read 7–10%
/// more articles per second than 6, 4 a little more than 5).
const TILE_TOKENS: usize = 4;
/// Tokens computed together on AVX2: 2 × 4 integer accumulators (16-bit for 4-bit weights)
/// and 2 × 4 float ones.
const TILE_TOKENS_AVX2: usize = 2;
/// The zero point of a Q4_0 value: a stored `v` stands for `v − 8`.
const Q4_ZERO_POINT: i32 = 8;
/// The zero point of an 8-bit weight: a stored `v` stands for `v − 128`.
const Q8_ZERO_POINT: i32 = 128;

/// The vector instructions a product runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// AMX-INT8 tiles (`tdpbssd`, 8,192 byte pairs per instruction), with AVX-512 F and BW
    /// for the rest.
    Amx,
    /// AVX-512 F, BW and VNNI: `vpdpbusd`, 64 byte pairs per instruction.
    Avx512Vnni,
    /// AVX2 and FMA: `vpmaddubsw` and `vpmaddwd`, 32 byte pairs per two instructions
    /// (for 8-bit weights, the activations' magnitudes times the weights carrying the
    /// activations' signs, so that no 16-bit sum saturates).
    Avx2,
}

impl Kernel {
    /// The fastest kernel this CPU runs, if any.
    pub fn detect() -> Option<Kernel> {
        if amx::available() {
            Some(Kernel::Amx)
        } else if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vnni")
        {
            Some(Kernel::Avx512Vnni)
        } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            Some(Kernel::Avx2)
        } else {
            None
        }
    }
}

/// A linear layer — weights \[outputs, inputs\] and a bias — laid out for the kernels: for
/// each tile of 32 outputs, each block of 32 inputs and each group of 4 inputs, the 4
/// values of each of the 32 outputs side by side, one byte each: unsigned (the value plus
/// the zero point) for 4-bit weights on AVX2, signed otherwise. Inputs and outputs are
/// padded with zero weights to whole blocks and tiles.
#[derive(Debug, Clone)]
pub struct PackedLinear {
    kernel: Kernel,
    outputs: usize,
    inputs: usize,
    /// Tiles of 32 outputs.
    tiles: usize,
    /// Blocks of 32 inputs.
    blocks: usize,
    /// For 4-bit weights on AVX2, the stored bytes: each value plus the zero point (else
    /// empty).
    values: Vec<u8>,
    /// For 8-bit weights on AVX2, and on AVX-512 VNNI and AMX, the values themselves
    /// (else empty).
    signed: Vec<i8>,
    /// For AVX-512 VNNI, laid out as `scales`: −128 times the sum of each output's 32
    /// signed values in the block, which takes off what VNNI's unsigned activations (the
    /// value plus 128) add to the block's dot product (else empty).
    block_offsets: Vec<i32>,
    /// The block scales: for each tile and block, the 32 outputs' scales.
    scales: Vec<f32>,
    /// The value a stored byte stands for is `byte − zero_point`.
    zero_point: i32,
    /// One per output, padded to whole tiles.
    bias: Vec<f32>,
}

/// A token's activations rounded to 8 bits in blocks of [`BLOCK`] inputs.
struct QuantizedTokens {
    /// Token by token and block by block; for AMX block by block and token by token,
    /// so that a tile's rows lie side by side. For AVX-512 VNNI, whose products take
    /// unsigned activations, each byte is the value plus 128 read as unsigned.
    values: Vec<i8>,
    /// Whether `values` are the values plus 128 (AVX-512 VNNI).
    plus_128: bool,
    /// For AMX, the rows of each block in `values` (whole tiles of tokens).
    block_rows: Option<usize>,
    /// For each token and block: the step of the block's values.
    scales: Vec<f32>,
    /// For 4-bit weights on AVX2, for each token and block, where the kernel's 16-bit pair
    /// sums start: in the low half of a 32-bit lane, −8 (the weights' zero point) times
    /// the sum of the values at inputs 4g and 4g + 1, in the high half of those at 4g + 2
    /// and 4g + 3 ([`pair_start`]); else empty.
    pair_starts: Vec<i32>,
}

impl QuantizedTokens {
    /// Where in `values` the block `block` of `token` starts, of `blocks` per token.
    fn offset(&self, token: usize, block: usize, blocks: usize) -> usize {
        match self.block_rows {
            Some(rows) => (block * rows + token) * BLOCK,
            None => (token * blocks + block) * BLOCK,
        }
    }

    /// The rounded value at `index` of `values`.
    fn value(&self, index: usize) -> i8 {
        let byte = self.values[index];
        if self.plus_128 { byte ^ i8::MIN } else { byte }
    }
}

impl PackedLinear {
    /// An empty layer of the given shape, `None` when the CPU runs neither kernel.
    fn zeroed(outputs: usize, inputs: usize, zero_point: i32, bias: &[f32]) -> Option<Self> {
        let kernel = Kernel::detect()?;
        if bias.len() != outputs {
            return None;
        }
        let (tiles, blocks) = (outputs.div_ceil(TILE_OUTPUTS), inputs.div_ceil(BLOCK));
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(tiles * TILE_OUTPUTS, 0.0);
        Some(PackedLinear {
            kernel,
            outputs,
            inputs,
            tiles,
            blocks,
            values: vec![zero_point as u8; tiles * TILE_OUTPUTS * blocks * BLOCK],
            signed: Vec::new(),
            block_offsets: Vec::new(),
            scales: vec![0.0; tiles * TILE_OUTPUTS * blocks],
            zero_point,
            bias: padded_bias,
        })
    }

    /// Whether `kernel` reads this layer's weights unsigned: 4-bit weights on AVX2, whose
    /// `vpmaddubsw` takes them as its unsigned operand.
    fn reads_unsigned(&self, kernel: Kernel) -> bool {
        kernel == Kernel::Avx2 && self.zero_point == Q4_ZERO_POINT
    }

    /// The packed layer laid out for `kernel`: unsigned weights for 4-bit ones on AVX2,
    /// signed ones otherwise (and, for AVX-512 VNNI, each block's offset).
    fn for_kernel(mut self, kernel: Kernel) -> Self {
        let zero_point = self.zero_point;
        self.kernel = kernel;
        if self.reads_unsigned(kernel) {
            if self.values.is_empty() {
                self.values = (self.signed.iter())
                    .map(|&value| (i32::from(value) + zero_point) as u8)
                    .collect();
            }
            self.signed = Vec::new();
            self.block_offsets = Vec::new();
            return self;
        }
        if self.signed.is_empty() {
            self.signed = (self.values.iter())
                .map(|&value| (i32::from(value) - zero_point) as i8)
                .collect();
        }
        self.values = Vec::new();
        self.block_offsets = Vec::new();
        if kernel == Kernel::Avx512Vnni {
            let mut offsets = vec![0; self.scales.len()];
            for output in 0..self.tiles * TILE_OUTPUTS {
                for input in 0..self.blocks * BLOCK {
                    let value = i32::from(self.signed[self.value_index(output, input)]);
                    offsets[self.scale_index(output, input / BLOCK)] -= 128 * value;
                }
            }
            self.block_offsets = offsets;
        }
        self
    }

    /// Where the weight of `output` for `input` lies in `values` or `signed`.
    fn value_index(&self, output: usize, input: usize) -> usize {
        let (tile, lane) = (output / TILE_OUTPUTS, output % TILE_OUTPUTS);
        let (block, group, within) = (input / BLOCK, input % BLOCK / GROUP, input % GROUP);
        (((tile * self.blocks + block) * (BLOCK / GROUP) + group) * TILE_OUTPUTS + lane) * GROUP
            + within
    }

    /// Where the scale of `output`'s block `block` lies in `scales` (and its offset in
    /// `block_offsets`).
    fn scale_index(&self, output: usize, block: usize) -> usize {
        let (tile, lane) = (output / TILE_OUTPUTS, output % TILE_OUTPUTS);
        (tile * self.blocks + block) * TILE_OUTPUTS + lane
    }

    /// Sets the weight of `output` for `input` to the stored byte `value`.
    fn set(&mut self, output: usize, input: usize, value: u8) {
        let at = self.value_index(output, input);
        self.values[at] = value;
    }

    /// Sets the scale of `output`'s block `block`.
    fn set_scale(&mut self, output: usize, block: usize, scale: f32) {
        let at = self.scale_index(output, block);
        self.scales[at] = scale;
    }

    /// Packs `blocks`, the stored Q4_0 bytes of an \[outputs, inputs\] matrix (row by
    /// row), with `bias`; `None` when the CPU runs neither kernel or the sizes disagree.
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
        let kernel = packed.kernel;
        Some(packed.for_kernel(kernel))
    }

    /// Packs f32 weights \[outputs, inputs\] (row by row), rounded to 8 bits in blocks of
    /// 32 inputs as activations are ([`quantize`](Self::quantize)), with `bias`; `None`
    /// when the CPU runs neither kernel, the sizes disagree, or a block has no rounding
    /// that every kernel shares: a weight that is not finite, or a block so small that
    /// its inverse step overflows (AVX2 rounds such values to −128, which its sign trick
    /// cannot negate; AVX-512 truncates them to 0).
    pub fn from_rows(weights: &[f32], bias: &[f32], outputs: usize, inputs: usize) -> Option<Self> {
        if weights.len() != outputs * inputs {
            return None;
        }
        let mut blocks = weights
            .chunks(inputs.max(1))
            .flat_map(|row| row.chunks(BLOCK));
        if !blocks.all(rounds_within_127) {
            return None;
        }
        let mut packed = Self::zeroed(outputs, inputs, Q8_ZERO_POINT, bias)?;
        let rounded = packed.quantize(weights);
        for output in 0..outputs {
            for block in 0..packed.blocks {
                packed.set_scale(
                    output,
                    block,
                    rounded.scales[output * packed.blocks + block],
                );
                let offset = rounded.offset(output, block, packed.blocks);
                for j in 0..BLOCK {
                    packed.set(
                        output,
                        block * BLOCK + j,
                        (i32::from(rounded.value(offset + j)) + Q8_ZERO_POINT) as u8,
                    );
                }
            }
        }
        let kernel = packed.kernel;
        Some(packed.for_kernel(kernel))
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
        let quantized = self.quantize(x);
        let width = self.tiles * TILE_OUTPUTS;
        // Every kernel writes every output of every token: the buffer is not zeroed first.
        let mut out = Vec::with_capacity(tokens * width);
        let unwritten = &mut out.spare_capacity_mut()[..tokens * width];
        // SAFETY: `zeroed` chose the kernel the CPU runs; `quantize` gave `tokens` rows of
        // `blocks` blocks, `unwritten` has `tokens` rows of whole tiles, and the kernels
        // write all of it before `set_len`.
        unsafe {
            match self.kernel {
                Kernel::Amx => self.product_amx(&quantized, tokens, unwritten),
                Kernel::Avx512Vnni => self.product_avx512(&quantized, tokens, unwritten),
                Kernel::Avx2 if self.reads_unsigned(Kernel::Avx2) => {
                    self.product_avx2::<false>(&quantized, tokens, unwritten)
                }
                Kernel::Avx2 => self.product_avx2::<true>(&quantized, tokens, unwritten),
            }
            out.set_len(tokens * width);
        };
        if width != self.outputs {
            out = out
                .chunks_exact(width)
                .flat_map(|row| &row[..self.outputs])
                .copied()
                .collect();
        }
        out
    }

    /// What a kernel's tile reads: the bytes of the tile's packed weights (unsigned or
    /// signed, as the kernel keeps them) and its block scales, and the rounded activations
    /// from token `first`.
    fn tile_inputs<'a>(
        &'a self,
        tokens: &'a QuantizedTokens,
        first: usize,
        tile: usize,
    ) -> (*const u8, &'a [f32], *const i8) {
        let blocks = self.blocks;
        let weights = if self.reads_unsigned(self.kernel) {
            self.values.as_ptr()
        } else {
            self.signed.as_ptr().cast()
        };
        (
            // SAFETY: the tile's weights lie within the kept array.
            unsafe { weights.add(tile * blocks * BLOCK * TILE_OUTPUTS) },
            &self.scales[tile * blocks * TILE_OUTPUTS..],
            tokens.values[first * blocks * BLOCK..].as_ptr(),
        )
    }

    /// Every tile of outputs against every tile of tokens.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn product_avx512(
        &self,
        tokens: &QuantizedTokens,
        count: usize,
        out: &mut [MaybeUninit<f32>],
    ) {
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
                    _ => {}
                }
            }
        }
    }

    /// Outputs `tile × 32 .. tile × 32 + 32` of tokens `first .. first + R`: unsigned
    /// activations (the values plus 128) times signed weights, each block's dot products
    /// started from its offsets.
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
        out: &mut [MaybeUninit<f32>],
    ) {
        let (blocks, width) = (self.blocks, self.tiles * TILE_OUTPUTS);
        let mut sums: [[__m512; 2]; R] = [[_mm512_setzero_ps(); 2]; R];
        let (tile_values, tile_scales, token_values) = self.tile_inputs(tokens, first, tile);
        let tile_offsets = &self.block_offsets[tile * blocks * TILE_OUTPUTS..];
        for block in 0..blocks {
            let offset_at = block * TILE_OUTPUTS;
            // The dot products start from the block's offsets: what the activations' 128
            // adds is taken off before the first product.
            // SAFETY: 32 offsets per block of the tile.
            let start = unsafe {
                [
                    _mm512_loadu_si512(tile_offsets[offset_at..].as_ptr().cast()),
                    _mm512_loadu_si512(tile_offsets[offset_at + 16..].as_ptr().cast()),
                ]
            };
            let mut dots: [[__m512i; 2]; R] = [start; R];
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
                    dot[0] = _mm512_dpbusd_epi32(dot[0], broadcast, low);
                    dot[1] = _mm512_dpbusd_epi32(dot[1], broadcast, high);
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
                let step = _mm512_set1_ps(tokens.scales[(first + r) * blocks + block]);
                sum[0] = _mm512_fmadd_ps(
                    _mm512_cvtepi32_ps(dot[0]),
                    _mm512_mul_ps(scale_low, step),
                    sum[0],
                );
                sum[1] = _mm512_fmadd_ps(
                    _mm512_cvtepi32_ps(dot[1]),
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
                _mm512_storeu_ps(row.as_mut_ptr().cast(), _mm512_add_ps(sum[0], bias_low));
                _mm512_storeu_ps(
                    row[16..].as_mut_ptr().cast(),
                    _mm512_add_ps(sum[1], bias_high),
                );
            }
        }
    }

    /// Every tile of outputs against every tile of tokens, on AVX2; `EIGHT_BIT` when the
    /// weights are 8-bit and kept signed (else 4-bit, kept unsigned).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn product_avx2<const EIGHT_BIT: bool>(
        &self,
        tokens: &QuantizedTokens,
        count: usize,
        out: &mut [MaybeUninit<f32>],
    ) {
        for tile in 0..self.tiles {
            let mut first = 0;
            while first + TILE_TOKENS_AVX2 <= count {
                // SAFETY (here and below): rows `first..first + R` exist.
                unsafe { self.tile_avx2::<TILE_TOKENS_AVX2, EIGHT_BIT>(tokens, first, tile, out) };
                first += TILE_TOKENS_AVX2;
            }
            if first < count {
                // SAFETY: as above.
                unsafe { self.tile_avx2::<1, EIGHT_BIT>(tokens, first, tile, out) };
            }
        }
    }

    /// [`tile`](Self::tile) on AVX2: the same integer sums of four products per output,
    /// then the same float operations in the same order.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA; `tokens` holds at least `first + R` rows of this layer's
    /// blocks and `out` as many rows of its tiles.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn tile_avx2<const R: usize, const EIGHT_BIT: bool>(
        &self,
        tokens: &QuantizedTokens,
        first: usize,
        tile: usize,
        out: &mut [MaybeUninit<f32>],
    ) {
        let (blocks, width) = (self.blocks, self.tiles * TILE_OUTPUTS);
        let mut sums: [[__m256; 4]; R] = [[_mm256_setzero_ps(); 4]; R];
        let (tile_values, tile_scales, token_values) = self.tile_inputs(tokens, first, tile);
        let ones = _mm256_set1_epi16(1);
        for block in 0..blocks {
            let mut dots: [[__m256i; 4]; R] = [[_mm256_setzero_si256(); 4]; R];
            // 4-bit weights: the pair sums of a whole block are added in 16 bits, from
            // where the zero point takes them ([`pair_start`]), and widened once.
            let mut pairs: [[__m256i; 4]; R] = std::array::from_fn(|r| {
                if EIGHT_BIT {
                    [_mm256_setzero_si256(); 4]
                } else {
                    [_mm256_set1_epi32(tokens.pair_starts[(first + r) * blocks + block]); 4]
                }
            });
            // The group count is hidden from LLVM so that it keeps this loop rolled:
            // unrolled, it hoists later groups' weights ahead and spills them (AVX2 has 16
            // vector registers; in the loop, 8 pair or dot sums, 4 weight vectors, the
            // activations and a temporary or two, while the float sums wait in memory).
            for group in 0..std::hint::black_box(BLOCK / GROUP) {
                let at = (block * (BLOCK / GROUP) + group) * TILE_OUTPUTS * GROUP;
                // SAFETY: the tile holds `blocks` blocks of 8 groups of 128 bytes.
                let weights: [__m256i; 4] = std::array::from_fn(|quarter| unsafe {
                    _mm256_loadu_si256(tile_values.add(at + 32 * quarter).cast())
                });
                for (r, (dot, pair)) in dots.iter_mut().zip(&mut pairs).enumerate() {
                    let input = (r * blocks + block) * BLOCK + group * GROUP;
                    // SAFETY: row `first + r` has `blocks` blocks.
                    let four = unsafe { token_values.add(input).cast::<i32>().read_unaligned() };
                    let broadcast = _mm256_set1_epi32(four);
                    for ((dot, pair), &weights) in dot.iter_mut().zip(pair).zip(&weights) {
                        if EIGHT_BIT {
                            // Signed 8-bit weights: the activations' magnitudes (unsigned)
                            // times the weights with the activations' signs give the same
                            // products, and a pair sum stays within 2 × 128 × 127.
                            let magnitudes = _mm256_abs_epi8(broadcast);
                            let signed = _mm256_sign_epi8(weights, broadcast);
                            let products = _mm256_maddubs_epi16(magnitudes, signed);
                            *dot = _mm256_add_epi32(*dot, _mm256_madd_epi16(products, ones));
                        } else {
                            *pair =
                                _mm256_add_epi16(*pair, _mm256_maddubs_epi16(weights, broadcast));
                        }
                    }
                }
            }
            if !EIGHT_BIT {
                for (dot, pair) in dots.iter_mut().zip(&pairs) {
                    for (dot, &pair) in dot.iter_mut().zip(pair) {
                        *dot = _mm256_madd_epi16(pair, ones);
                    }
                }
            }
            let scale_at = block * TILE_OUTPUTS;
            // SAFETY: 32 scales per block of the tile.
            let scales: [__m256; 4] = std::array::from_fn(|quarter| unsafe {
                _mm256_loadu_ps(tile_scales[scale_at + 8 * quarter..].as_ptr())
            });
            for (r, (sum, dot)) in sums.iter_mut().zip(&dots).enumerate() {
                let at = (first + r) * blocks + block;
                let step = _mm256_set1_ps(tokens.scales[at]);
                for ((sum, &dot), &scale) in sum.iter_mut().zip(dot).zip(&scales) {
                    *sum =
                        _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(scale, step), *sum);
                }
            }
        }
        let bias = &self.bias[tile * TILE_OUTPUTS..];
        for (r, sum) in sums.iter().enumerate() {
            let row = &mut out[(first + r) * width + tile * TILE_OUTPUTS..];
            for (quarter, &sum) in sum.iter().enumerate() {
                // SAFETY: the row and the bias have 32 outputs from the tile's first.
                unsafe {
                    let bias = _mm256_loadu_ps(bias[8 * quarter..].as_ptr());
                    _mm256_storeu_ps(
                        row[8 * quarter..].as_mut_ptr().cast(),
                        _mm256_add_ps(sum, bias),
                    );
                }
            }
        }
    }
}

impl PackedLinear {
    /// Rounds each token's activations `x` to 8 bits for this layer, block by block (a
    /// token's last block padded with zeros): a block's step is its largest magnitude /
    /// 127; values round to the nearest step, ties to even, within ±127 (values that are not
    /// finite, and every value of a block whose inverse step overflows, round to −128 on
    /// AVX2 and to 0 on AVX-512 and AMX).
    fn quantize(&self, x: &[f32]) -> QuantizedTokens {
        let (inputs, blocks, kernel) = (self.inputs, self.blocks, self.kernel);
        let tokens = x.len() / inputs.max(1);
        // AMX reads whole tiles of tokens: the rows past the last are zero.
        let rows = match kernel {
            Kernel::Amx => tokens.next_multiple_of(amx::TILE_TOKENS_AMX),
            Kernel::Avx512Vnni | Kernel::Avx2 => tokens,
        };
        let mut quantized = QuantizedTokens {
            values: vec![0; rows * blocks * BLOCK],
            plus_128: kernel == Kernel::Avx512Vnni,
            block_rows: (kernel == Kernel::Amx).then_some(rows),
            scales: vec![0.0; rows * blocks],
            pair_starts: if self.reads_unsigned(kernel) {
                vec![0; rows * blocks]
            } else {
                Vec::new()
            },
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
                let offset = quantized.offset(token, block, blocks);
                let out = &mut quantized.values[offset..offset + BLOCK];
                // SAFETY: `PackedLinear::zeroed`, the only way to a product, chose a kernel
                // the CPU runs.
                quantized.scales[at] = unsafe {
                    match kernel {
                        Kernel::Amx => quantize_block::<false>(values, out),
                        Kernel::Avx512Vnni => quantize_block::<true>(values, out),
                        Kernel::Avx2 => {
                            let (scale, halves) = quantize_block_avx2(values, out);
                            if self.reads_unsigned(kernel) {
                                quantized.pair_starts[at] = pair_start(halves);
                            }
                            scale
                        }
                    }
                };
            }
        }
        quantized
    }
}

/// One block of [`PackedLinear::quantize`] on AVX-512 (two vectors): its values written to `out` (plus
/// 128, read as unsigned, when `PLUS_128`), its step returned.
#[target_feature(enable = "avx512f,avx512bw")]
fn quantize_block<const PLUS_128: bool>(block: &[f32], out: &mut [i8]) -> f32 {
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
    // Flipping a byte's sign bit adds 128 to it, read as unsigned.
    let bytes = |values| {
        let bytes = _mm512_cvtepi32_epi8(values);
        if PLUS_128 {
            _mm_xor_si128(bytes, _mm_set1_epi8(i8::MIN))
        } else {
            bytes
        }
    };
    // SAFETY: as above.
    unsafe {
        _mm_storeu_si128(out.as_mut_ptr().cast(), bytes(low));
        _mm_storeu_si128(out[16..].as_mut_ptr().cast(), bytes(high));
    }
    largest / 127.0
}

/// Whether [`PackedLinear::quantize`] rounds `block` within ±127 on every kernel: its
/// values are finite, and either all zero (a step of 0) or such that 127 over the largest
/// magnitude is finite.
fn rounds_within_127(block: &[f32]) -> bool {
    let largest = block.iter().map(|value| value.abs()).fold(0.0, f32::max);
    block.iter().all(|value| value.is_finite()) && (largest == 0.0 || (127.0 / largest).is_finite())
}

/// Where the AVX2 kernel's pair sums of 4-bit weights start, from a block's `halves`
/// (the sums of its values at inputs 4g and 4g + 1, and at 4g + 2 and 4g + 3): −8 times
/// each, in the low and the high 16 bits. Each 16-bit lane of a `vpmaddubsw` pair sum
/// then ends, wrapping as `vpaddw` does, at the dot product of its 16 values with the
/// weights less their zero point, within 16 × 128 × 8 and so exact: the zero point is
/// taken off with no instruction of its own.
fn pair_start([low, high]: [i32; 2]) -> i32 {
    let half = |sum: i32| (-Q4_ZERO_POINT * sum) as u16 as u32;
    (half(low) | half(high) << 16) as i32
}

/// One block of [`PackedLinear::quantize`] on AVX2, with the values and step of
/// [`quantize_block`] (signed), and the sums of the values at inputs 4g and 4g + 1 and at
/// 4g + 2 and 4g + 3: the largest magnitude is the same whatever the order, and rounding
/// to the nearest integer, ties to even, is what `vcvtps2dq` does in the default rounding
/// mode.
#[target_feature(enable = "avx2,fma")]
fn quantize_block_avx2(block: &[f32], out: &mut [i8]) -> (f32, [i32; 2]) {
    assert!(block.len() == BLOCK && out.len() == BLOCK);
    // SAFETY: 32 floats in (checked above).
    let values: [__m256; 4] =
        std::array::from_fn(|quarter| unsafe { _mm256_loadu_ps(block[8 * quarter..].as_ptr()) });
    let sign = _mm256_set1_ps(-0.0);
    let magnitudes = values.map(|v| _mm256_andnot_ps(sign, v));
    let eight = _mm256_max_ps(
        _mm256_max_ps(magnitudes[0], magnitudes[1]),
        _mm256_max_ps(magnitudes[2], magnitudes[3]),
    );
    let four = _mm_max_ps(
        _mm256_castps256_ps128(eight),
        _mm256_extractf128_ps(eight, 1),
    );
    let two = _mm_max_ps(four, _mm_movehl_ps(four, four));
    let largest = _mm_cvtss_f32(_mm_max_ss(two, _mm_shuffle_ps(two, two, 1)));
    let inverse = _mm256_set1_ps(if largest > 0.0 { 127.0 / largest } else { 0.0 });
    // Rounded to the nearest integer (the default rounding mode), within ±127.
    let rounded = values.map(|v| _mm256_cvtps_epi32(_mm256_mul_ps(v, inverse)));
    // The packs work within each 128-bit half: the bytes come out in groups of four
    // values in the order 0, 4, 1, 5, 2, 6, 3, 7, which the permutation undoes.
    let bytes = _mm256_permutevar8x32_epi32(
        _mm256_packs_epi16(
            _mm256_packs_epi32(rounded[0], rounded[1]),
            _mm256_packs_epi32(rounded[2], rounded[3]),
        ),
        _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7),
    );
    // SAFETY: 32 bytes out (checked above).
    unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), bytes) };
    let total = _mm256_add_epi32(
        _mm256_add_epi32(rounded[0], rounded[1]),
        _mm256_add_epi32(rounded[2], rounded[3]),
    );
    let four = _mm_add_epi32(
        _mm256_castsi256_si128(total),
        _mm256_extracti128_si256(total, 1),
    );
    // Lane k of `four` sums the values at inputs 4g + k.
    let halves = _mm_hadd_epi32(four, four);
    (
        largest / 127.0,
        [
            _mm_cvtsi128_si32(halves),
            _mm_cvtsi128_si32(_mm_shuffle_epi32(halves, 1)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise;

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
        /// The value at `index` of the kept weights, signed or unsigned.
        fn value_at(&self, index: usize) -> i32 {
            match self.signed.get(index) {
                Some(&value) => i32::from(value),
                None => i32::from(self.values[index]) - self.zero_point,
            }
        }

        /// The weight of `output` for `input`, as the kernel reads it.
        fn weight(&self, output: usize, input: usize) -> f32 {
            self.value_at(self.value_index(output, input)) as f32
                * self.scales[self.scale_index(output, input / BLOCK)]
        }
    }

    /// Checks `packed.forward(x)` against the scheme computed plainly (rounded activations
    /// times the weights as packed) and against the f32 product with `weights`, within
    /// `bound`.
    fn check(packed: &PackedLinear, weights: &[f32], bias: &[f32], x: &[f32], bound: f32) {
        let (outputs, inputs) = (packed.outputs, packed.inputs);
        let product = packed.forward(x);
        let quantized = packed.quantize(x);
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
                            let value = quantized.value(
                                quantized.offset(token, i / BLOCK, packed.blocks) + i % BLOCK,
                            );
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
            eprintln!("skipped: this CPU has neither AVX-512 VNNI nor AVX2");
            return;
        };
        for (output, row) in weights.chunks_exact(inputs).enumerate() {
            for (input, &w) in row.iter().enumerate() {
                assert_eq!(packed.weight(output, input), w, "kept exactly as stored");
            }
        }
        // 13 tokens: three full tiles of 4 and a remainder of 1; one token of zeros.
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
            eprintln!("skipped: this CPU has neither AVX-512 VNNI nor AVX2");
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

    /// The kernels this CPU runs.
    fn kernels() -> Vec<Kernel> {
        match Kernel::detect() {
            Some(Kernel::Amx) => vec![Kernel::Amx, Kernel::Avx512Vnni, Kernel::Avx2],
            Some(Kernel::Avx512Vnni) => vec![Kernel::Avx512Vnni, Kernel::Avx2],
            Some(Kernel::Avx2) => vec![Kernel::Avx2],
            None => Vec::new(),
        }
    }

    /// The scheme computed one output at a time with the kernels' float operations in
    /// their order: per block, the integer dot product of the signed values, times the
    /// product of the weight's and the activation's steps, added by a fused
    /// multiply-add; the bias last.
    fn scheme(packed: &PackedLinear, x: &[f32]) -> Vec<f32> {
        let quantized = packed.quantize(x);
        let tokens = x.len() / packed.inputs;
        let mut out = Vec::with_capacity(tokens * packed.outputs);
        for token in 0..tokens {
            for output in 0..packed.outputs {
                let mut sum = 0f32;
                for block in 0..packed.blocks {
                    let at = token * packed.blocks + block;
                    let dot: i32 = (0..BLOCK)
                        .map(|j| {
                            packed.value_at(packed.value_index(output, block * BLOCK + j))
                                * i32::from(
                                    quantized
                                        .value(quantized.offset(token, block, packed.blocks) + j),
                                )
                        })
                        .sum();
                    let scale = packed.scales[packed.scale_index(output, block)];
                    sum = (dot as f32).mul_add(scale * quantized.scales[at], sum);
                }
                out.push(sum + packed.bias[output]);
            }
        }
        out
    }

    #[test]
    fn every_kernel_gives_the_scheme_to_the_bit() {
        // 10 blocks of inputs: more than one chunk of AMX's.
        let (bytes, _) = random_q4(64, 320);
        let four_bit = PackedLinear::from_q4_0(&bytes, &noise(3, 64), 64, 320);
        let eight_bit = PackedLinear::from_rows(&noise(13, 40 * 70), &noise(17, 40), 40, 70);
        // Weights of ±1 round to ±127, as do the activations of ±1 below: the largest
        // products a kernel meets.
        let signs = |values: Vec<f32>| values.iter().map(|v| v.signum()).collect::<Vec<_>>();
        let extreme = PackedLinear::from_rows(&signs(noise(31, 40 * 70)), &[0.0; 40], 40, 70);
        // 4-bit values of −8 and 7 only (stored 0 and 15).
        let extreme_blocks: Vec<u8> = (noise(37, 64 * 10 * 17).chunks_exact(17))
            .flat_map(|block| {
                let nibble = |v: f32| if v < 0.0 { 0 } else { 15 };
                let values = block[1..]
                    .iter()
                    .map(move |&v| nibble(v) | nibble((v * 1000.0).fract().abs() - 0.5) << 4);
                [0x00, 0x2c].into_iter().chain(values)
            })
            .collect();
        let extreme_four_bit = PackedLinear::from_q4_0(&extreme_blocks, &[0.0; 64], 64, 320);
        let (Some(four_bit), Some(eight_bit), Some(extreme), Some(extreme_four_bit)) =
            (four_bit, eight_bit, extreme, extreme_four_bit)
        else {
            eprintln!("skipped: this CPU has neither AVX-512 VNNI nor AVX2");
            return;
        };
        for kernel in kernels() {
            for (packed, extremes) in [
                (&four_bit, false),
                (&eight_bit, false),
                (&extreme, true),
                (&extreme_four_bit, true),
            ] {
                let packed = packed.clone().for_kernel(kernel);
                // 37 to 39 tokens: whole tiles of tokens and every remainder of AVX-512's
                // tiles of 4, a remainder for the other kernels.
                for tokens in 37..40 {
                    let mut x = noise(5, tokens * packed.inputs);
                    if extremes {
                        x = signs(x);
                    }
                    let bits =
                        |values: Vec<f32>| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(packed.forward(&x)),
                        bits(scheme(&packed, &x)),
                        "{kernel:?}, zero point {}, {tokens} tokens",
                        packed.zero_point
                    );
                }
            }
        }
    }

    #[test]
    fn activations_round_the_same_on_every_kernel() {
        // The scheme's rounding, one value at a time: step = largest magnitude / 127,
        // each value to the nearest step, ties to even.
        let reference = |block: &[f32]| {
            let largest = block.iter().fold(0f32, |largest, v| largest.max(v.abs()));
            let inverse = if largest > 0.0 { 127.0 / largest } else { 0.0 };
            let values: Vec<i8> = block
                .iter()
                .map(|v| (v * inverse).round_ties_even() as i8)
                .collect();
            let mut halves = [0; 2];
            for (j, &v) in values.iter().enumerate() {
                halves[j % 4 / 2] += i32::from(v);
            }
            (values, largest / 127.0, halves)
        };
        let mut ties = [0f32; BLOCK];
        for (j, value) in ties.iter_mut().enumerate() {
            // Halfway between steps, both signs, and the largest value last.
            *value = (j as f32 - 15.5) / 127.0 * 3.0;
        }
        ties[BLOCK - 1] = 3.0;
        let blocks = [
            noise(23, BLOCK),
            noise(29, BLOCK),
            ties.to_vec(),
            vec![0.0; BLOCK],
        ];
        for kernel in kernels() {
            for block in &blocks {
                let (values, step, halves) = reference(block);
                let mut out = [0i8; BLOCK];
                // SAFETY: `kernels` lists only what this CPU runs.
                unsafe {
                    match kernel {
                        Kernel::Amx => {
                            assert_eq!(quantize_block::<false>(block, &mut out), step);
                            assert_eq!(out.to_vec(), values);
                        }
                        Kernel::Avx512Vnni => {
                            assert_eq!(quantize_block::<true>(block, &mut out), step);
                            let unsigned: Vec<i32> =
                                out.iter().map(|&b| i32::from(b as u8)).collect();
                            let plus_128: Vec<i32> =
                                values.iter().map(|&v| i32::from(v) + 128).collect();
                            assert_eq!(unsigned, plus_128);
                        }
                        Kernel::Avx2 => {
                            assert_eq!(quantize_block_avx2(block, &mut out), (step, halves));
                            assert_eq!(out.to_vec(), values);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn sizes_that_disagree_are_refused() {
        let (bytes, _) = random_q4(16, 64);
        assert!(PackedLinear::from_q4_0(&bytes[1..], &[0.0; 16], 16, 64).is_none());
        assert!(PackedLinear::from_q4_0(&bytes, &[0.0; 15], 16, 64).is_none());
        assert!(PackedLinear::from_rows(&[0.0; 10], &[0.0; 2], 2, 4).is_none());
    }

    #[test]
    fn blocks_round_within_127_when_finite_with_a_finite_inverse_step() {
        assert!(rounds_within_127(&[0.0; 32]));
        assert!(rounds_within_127(&[0.5, -0.25, 0.0]));
        assert!(rounds_within_127(&[1e-30; 32]));
        assert!(!rounds_within_127(&[1e-38; 32]));
        assert!(!rounds_within_127(&[f32::from_bits(1), 0.0]));
        for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
            assert!(!rounds_within_127(&[0.5, bad]));
        }
    }

    #[test]
    fn weights_without_a_rounding_every_kernel_shares_are_refused() {
        if Kernel::detect().is_none() {
            eprintln!("skipped: this CPU has neither AVX-512 VNNI nor AVX2");
            return;
        }
        let mut weights = noise(41, 2 * 32);
        assert!(PackedLinear::from_rows(&weights, &[0.0; 2], 2, 32).is_some());
        weights[32..].fill(0.0);
        assert!(PackedLinear::from_rows(&weights, &[0.0; 2], 2, 32).is_some());
        // A block so small that 127 over its largest value overflows.
        weights[32..].fill(1e-38);
        assert!(PackedLinear::from_rows(&weights, &[0.0; 2], 2, 32).is_none());
        weights[32..].fill(0.5);
        weights[3] = f32::NAN;
        assert!(PackedLinear::from_rows(&weights, &[0.0; 2], 2, 32).is_none());
        // Rows of 40 inputs: the second block of a row holds its last 8.
        let mut ragged = noise(43, 2 * 40);
        assert!(PackedLinear::from_rows(&ragged, &[0.0; 2], 2, 40).is_some());
        ragged[35] = f32::INFINITY;
        assert!(PackedLinear::from_rows(&ragged, &[0.0; 2], 2, 40).is_none());
    }
}
