//! The product on Intel AMX (Sapphire Rapids and later): one `tdpbssd` multiplies a tile of
//! 16 tokens' 32 rounded activations (one block) by 16 outputs' 32 weights, 8,192 byte
//! pairs summed four by four into 16 × 16 integers. The weights are kept signed (the stored
//! byte less its zero point), so a block's integer dot product comes out with the zero
//! point's share already taken off; the float operations that follow are those of the
//! other kernels, in the same order, so the results are the same to the bit.
//!
//! The tile registers belong to no Rust variable: each product loads its configuration,
//! uses them only inside `asm!` blocks, and releases them before it returns.

use std::arch::asm;
use std::arch::x86_64::{
    _mm512_add_ps, _mm512_cvtepi32_ps, _mm512_fmadd_ps, _mm512_load_si512, _mm512_loadu_ps,
    _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
};
use std::mem::MaybeUninit;
use std::sync::OnceLock;

use super::{BLOCK, GROUP, PackedLinear, QuantizedTokens, TILE_OUTPUTS};

/// Tokens in one tile: the rows of the activation and product tiles.
const TILE_ROWS: usize = 16;
/// Tokens computed together: two tiles of activations.
pub(super) const TILE_TOKENS_AMX: usize = 2 * TILE_ROWS;
/// Outputs in one product tile (16 lanes of 32 bits): half a tile of the packed layout.
const HALF_TILE: usize = TILE_OUTPUTS / 2;
/// Blocks whose integer products are computed before their float sums, so that the tile
/// unit can run ahead of the vector unit (16 KiB of products; 1, 2 and 8 were slower).
const CHUNK_BLOCKS: usize = 4;

/// The `ldtilecfg` operand (palette 1): 64 bytes, rows and bytes per row of each tile.
#[repr(C, align(64))]
struct TileConfig {
    palette: u8,
    start_row: u8,
    reserved: [u8; 14],
    bytes_per_row: [u16; 16],
    rows: [u8; 16],
    reserved_end: [u8; 16],
}

/// tmm0 and tmm1: two tiles of 16 tokens' activations (32 bytes each, one block); tmm2 and
/// tmm3: the two halves of a tile's weights (8 groups of 4 inputs × 16 outputs × 4 bytes);
/// tmm4 to tmm7: their four products (16 tokens × 16 outputs × 4 bytes).
static CONFIG: TileConfig = {
    let activations = (TILE_ROWS as u8, BLOCK as u16);
    let weights = ((BLOCK / GROUP) as u8, (HALF_TILE * GROUP) as u16);
    let products = (TILE_ROWS as u8, (HALF_TILE * 4) as u16);
    let tiles = [
        activations,
        activations,
        weights,
        weights,
        products,
        products,
        products,
        products,
    ];
    let mut rows = [0u8; 16];
    let mut bytes_per_row = [0u16; 16];
    let mut tile = 0;
    while tile < tiles.len() {
        rows[tile] = tiles[tile].0;
        bytes_per_row[tile] = tiles[tile].1;
        tile += 1;
    }
    TileConfig {
        palette: 1,
        start_row: 0,
        reserved: [0; 14],
        bytes_per_row,
        rows,
        reserved_end: [0; 16],
    }
};

/// One block's integer products: for each tile of 16 tokens and each half tile of
/// outputs, 16 tokens × 16 outputs.
type BlockProducts = [[[[i32; HALF_TILE]; TILE_ROWS]; 2]; 2];

/// A chunk's integer products, 64-byte aligned as `tilestored` writes them best.
#[repr(C, align(64))]
struct Products([BlockProducts; CHUNK_BLOCKS]);

/// Whether the CPU has AMX-INT8 and the operating system lets this process use its tiles
/// (asked once; Linux grants the tile data to a process on request).
pub(super) fn available() -> bool {
    static GRANTED: OnceLock<bool> = OnceLock::new();
    *GRANTED.get_or_init(|| {
        // CPUID leaf 7: EDX bit 24 is AMX-TILE, bit 25 AMX-INT8.
        let features = std::arch::x86_64::__cpuid_count(7, 0).edx;
        features & (3 << 24) == 3 << 24
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && request_tile_data()
    })
}

/// Asks Linux for the tile data state: `arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`.
#[cfg(target_os = "linux")]
fn request_tile_data() -> bool {
    const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
    const XFEATURE_XTILEDATA: libc::c_long = 18;
    // SAFETY: the call changes only which register states this process may use.
    unsafe {
        libc::syscall(
            libc::SYS_arch_prctl,
            ARCH_REQ_XCOMP_PERM,
            XFEATURE_XTILEDATA,
        ) == 0
    }
}

/// Other systems are not asked.
#[cfg(not(target_os = "linux"))]
fn request_tile_data() -> bool {
    false
}

impl PackedLinear {
    /// Every tile of outputs against every 32 tokens (`tokens` holds whole such groups,
    /// its rows past `count` zero).
    ///
    /// # Safety
    /// [`available`] holds; `self.signed` holds the signed weights; `out` has `count`
    /// rows of this layer's tiles.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn product_amx(
        &self,
        tokens: &QuantizedTokens,
        count: usize,
        out: &mut [MaybeUninit<f32>],
    ) {
        let (blocks, width) = (self.blocks, self.tiles * TILE_OUTPUTS);
        // Two chunks' products: the tiles compute the next chunk while the vector unit
        // sums the last, so that no load waits on the tile stores just before it.
        let mut products: [Products; 2] = std::array::from_fn(|_| {
            Products([[[[[0; HALF_TILE]; TILE_ROWS]; 2]; 2]; CHUNK_BLOCKS])
        });
        let chunks = blocks.div_ceil(CHUNK_BLOCKS);
        // SAFETY: `available` saw AMX and got the tile data; the configuration is 64 bytes.
        unsafe { asm!("ldtilecfg [{}]", in(reg) &CONFIG, options(nostack, readonly)) };
        // For each tile of tokens and half tile of outputs, 16 tokens' sums, kept from one
        // chunk of blocks to the next (the first chunk starts them from zero).
        let mut sums = [[[_mm512_setzero_ps(); TILE_ROWS]; 2]; 2];
        for tile in 0..self.tiles {
            let weights = self.signed[tile * blocks * BLOCK * TILE_OUTPUTS..].as_ptr();
            let scales = &self.scales[tile * blocks * TILE_OUTPUTS..];
            for first in (0..count).step_by(TILE_TOKENS_AMX) {
                let multiply_chunk = |chunk: usize, products: &mut Products| {
                    for block in chunk..(chunk + CHUNK_BLOCKS).min(blocks) {
                        // SAFETY: 32 rows of the block from token `first` (whole groups of
                        // tokens), 8 groups of the block's weights, one block's products.
                        unsafe {
                            multiply_block(
                                tokens.values[tokens.offset(first, block, blocks)..].as_ptr(),
                                BLOCK,
                                weights.add(block * (BLOCK / GROUP) * TILE_OUTPUTS * GROUP),
                                &mut products.0[block - chunk],
                            )
                        };
                    }
                };
                multiply_chunk(0, &mut products[0]);
                for index in 0..chunks {
                    if index + 1 < chunks {
                        multiply_chunk((index + 1) * CHUNK_BLOCKS, &mut products[(index + 1) % 2]);
                    }
                    let (chunk, products) = (index * CHUNK_BLOCKS, &products[index % 2]);
                    let end = (chunk + CHUNK_BLOCKS).min(blocks);
                    for (rows, sums) in sums.iter_mut().enumerate() {
                        // SAFETY: rows `first + 16 × rows ..` exist (whole groups of tokens).
                        let steps = unsafe {
                            tokens
                                .scales
                                .as_ptr()
                                .add((first + rows * TILE_ROWS) * blocks)
                        };
                        for (half, kept) in sums.iter_mut().enumerate() {
                            let mut sums = if chunk == 0 {
                                [_mm512_setzero_ps(); TILE_ROWS]
                            } else {
                                *kept
                            };
                            for block in chunk..end {
                                // SAFETY: 16 scales of the half tile for each block.
                                let scale = unsafe {
                                    _mm512_loadu_ps(
                                        scales[block * TILE_OUTPUTS + half * HALF_TILE..].as_ptr(),
                                    )
                                };
                                let block_products = &products.0[block - chunk][rows][half];
                                for (r, sum) in sums.iter_mut().enumerate() {
                                    // SAFETY: a row of the products, 64-byte aligned; the
                                    // step of row `r`'s block.
                                    let (dot, step) = unsafe {
                                        (
                                            _mm512_load_si512(block_products[r].as_ptr().cast()),
                                            *steps.add(r * blocks + block),
                                        )
                                    };
                                    *sum = _mm512_fmadd_ps(
                                        _mm512_cvtepi32_ps(dot),
                                        _mm512_mul_ps(scale, _mm512_set1_ps(step)),
                                        *sum,
                                    );
                                }
                            }
                            *kept = sums;
                        }
                    }
                }
                for (rows, sums) in sums.iter().enumerate() {
                    for (half, sums) in sums.iter().enumerate() {
                        let column = tile * TILE_OUTPUTS + half * HALF_TILE;
                        // SAFETY: 16 biases from the half tile's first output.
                        let bias = unsafe { _mm512_loadu_ps(self.bias[column..].as_ptr()) };
                        let first_row = first + rows * TILE_ROWS;
                        let valid = count.saturating_sub(first_row).min(TILE_ROWS);
                        for (r, sum) in sums.iter().enumerate().take(valid) {
                            let row = &mut out[(first_row + r) * width + column..];
                            // SAFETY: the row has 16 outputs from the half tile's first.
                            unsafe {
                                _mm512_storeu_ps(row.as_mut_ptr().cast(), _mm512_add_ps(*sum, bias))
                            };
                        }
                    }
                }
            }
        }
        // SAFETY: the tiles were configured above.
        unsafe { asm!("tilerelease", options(nostack, nomem)) };
    }
}

/// One block's products of 32 tokens by 32 outputs into `products`: two tiles of
/// activations by the two halves of the weights.
///
/// # Safety
/// The tiles are configured as [`CONFIG`]; `activations` starts 32 rows of 32 bytes,
/// `stride` bytes apart; `weights` starts 8 rows of 128 bytes.
#[inline(always)]
unsafe fn multiply_block(
    activations: *const i8,
    stride: usize,
    weights: *const i8,
    products: &mut BlockProducts,
) {
    let [[first_low, first_high], [second_low, second_high]] = products;
    // SAFETY: the caller's; the tiles are read and written only here.
    unsafe {
        asm!(
            "tileloadd tmm0, [{first} + {stride} * 1]",
            "tileloadd tmm1, [{second} + {stride} * 1]",
            "tileloadd tmm2, [{weights} + {weight_stride} * 1]",
            "tileloadd tmm3, [{weights_high} + {weight_stride} * 1]",
            "tilezero tmm4",
            "tilezero tmm5",
            "tilezero tmm6",
            "tilezero tmm7",
            "tdpbssd tmm4, tmm0, tmm2",
            "tdpbssd tmm5, tmm0, tmm3",
            "tdpbssd tmm6, tmm1, tmm2",
            "tdpbssd tmm7, tmm1, tmm3",
            "tilestored [{first_low} + {product_stride} * 1], tmm4",
            "tilestored [{first_high} + {product_stride} * 1], tmm5",
            "tilestored [{second_low} + {product_stride} * 1], tmm6",
            "tilestored [{second_high} + {product_stride} * 1], tmm7",
            first = in(reg) activations,
            second = in(reg) activations.add(TILE_ROWS * stride),
            stride = in(reg) stride,
            weights = in(reg) weights,
            weights_high = in(reg) weights.add(HALF_TILE * GROUP),
            weight_stride = in(reg) TILE_OUTPUTS * GROUP,
            first_low = in(reg) first_low.as_mut_ptr(),
            first_high = in(reg) first_high.as_mut_ptr(),
            second_low = in(reg) second_low.as_mut_ptr(),
            second_high = in(reg) second_high.as_mut_ptr(),
            product_stride = in(reg) HALF_TILE * 4,
            options(nostack),
        );
    }
}
