//! The attention's softmax: each row of scores scaled, then candle's `softmax_last_dim`,
//! with the same numbers to the bit but the exponentials computed 16 (AVX-512) or 8 (AVX2)
//! at a time.
//!
//! Candle scales the scores with `affine` (`v × scale + 0`), takes each row's largest,
//! calls `f32::exp` on each difference, sums the row with its own vector sum and divides.
//! Scaling and softmax are one pass here, and the sum is candle's own function. `f32::exp`
//! is the C library's `expf`: in glibc (and musl) the algorithm of Arm's
//! optimized-routines, in double precision — x·32/ln 2 split into an integer k and a rest
//! r, 2^(k/32) from a table of 32 doubles, 2^(r/32) from a cubic — whose FMA build fuses
//! four of the multiply-adds. The AVX-512 path repeats those operations on 8 doubles per
//! vector, the AVX2 path on 4, fused the same way, so each lane rounds to the float `expf`
//! returns; the few arguments that take `expf`'s special path (|x| ≥ 88 or NaN) are handed
//! to `f32::exp` itself. A test checks them against it, bit for bit, on every 61st float of
//! [−105, 0] and on every float near the edges of `expf`'s paths.

use candle_core::cpu::kernels::VecOps;

/// `scores` (rows of `width`) times `scale`, then the softmax of each row.
pub(crate) fn scaled_softmax(scores: &[f32], width: usize, scale: f32) -> Vec<f32> {
    let mut out = Vec::with_capacity(scores.len());
    if width == 0 {
        return out;
    }
    let exponentials = Exponentials::detect();
    for row in scores.chunks_exact(width) {
        let start = out.len();
        // Candle's `affine`: `v × mul + add` with `add` zero (which turns −0 into +0).
        out.extend(row.iter().map(|&v| v * scale + 0.0));
        let values = &mut out[start..];
        let candles_largest = |values: &[f32]| {
            let mut largest = f32::NEG_INFINITY;
            // SAFETY: `values` holds `width` > 0 floats.
            unsafe { <f32 as VecOps>::vec_reduce_max(values.as_ptr(), &mut largest, width) };
            largest
        };
        match exponentials {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX-512 F and DQ.
            Exponentials::Avx512 => unsafe { avx512::exp_below(values, avx512::largest(values)) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX2 and FMA.
            Exponentials::Avx2 => unsafe { avx2::exp_below(values, candles_largest(values)) },
            Exponentials::OneByOne => {
                let largest = candles_largest(values);
                for value in values.iter_mut() {
                    *value = (*value - largest).exp();
                }
            }
        }
        let mut sum = 0f32;
        // SAFETY: as above.
        unsafe { <f32 as VecOps>::vec_reduce_sum(values.as_ptr(), &mut sum, width) };
        for value in values.iter_mut() {
            *value /= sum;
        }
    }
    out
}

/// How the exponentials are computed: all give `f32::exp`'s bits.
#[derive(Debug, Clone, Copy)]
enum Exponentials {
    /// 16 at a time, on AVX-512 F and DQ.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// 8 at a time, on AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// `f32::exp` on each.
    OneByOne,
}

impl Exponentials {
    /// The widest this CPU runs.
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq") {
            return Exponentials::Avx512;
        } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Exponentials::Avx2;
        }
        Exponentials::OneByOne
    }
}

/// What `expf`'s main path shares on every vector width.
#[cfg(target_arch = "x86_64")]
mod expf {
    /// 2^(i/32) rounded to a double, less `i << 47` (which the exponent adds back): the
    /// table of optimized-routines' `exp2f_data`.
    pub(super) const POWERS: [u64; 32] = [
        0x3ff0000000000000,
        0x3fefd9b0d3158574,
        0x3fefb5586cf9890f,
        0x3fef9301d0125b51,
        0x3fef72b83c7d517b,
        0x3fef54873168b9aa,
        0x3fef387a6e756238,
        0x3fef1e9df51fdee1,
        0x3fef06fe0a31b715,
        0x3feef1a7373aa9cb,
        0x3feedea64c123422,
        0x3feece086061892d,
        0x3feebfdad5362a27,
        0x3feeb42b569d4f82,
        0x3feeab07dd485429,
        0x3feea47eb03a5585,
        0x3feea09e667f3bcd,
        0x3fee9f75e8ec5f74,
        0x3feea11473eb0187,
        0x3feea589994cce13,
        0x3feeace5422aa0db,
        0x3feeb737b0cdc5e5,
        0x3feec49182a3f090,
        0x3feed503b23e255d,
        0x3feee89f995ad3ad,
        0x3feeff76f2fb5e47,
        0x3fef199bdd85529c,
        0x3fef3720dcef9069,
        0x3fef5818dcfba487,
        0x3fef7c97337b9b5f,
        0x3fefa4afa2a490da,
        0x3fefd0765b6e4540,
    ];
    /// 32 / ln 2.
    pub(super) const INVERSE_LN2_SCALED: f64 = f64::from_bits(0x40471547652b82fe);
    /// 1.5 × 2^52: added and taken off again, it rounds to an integer (ties to even).
    pub(super) const SHIFT: f64 = f64::from_bits(0x4338000000000000);
    /// The cubic for 2^(r/32): coefficients of r³, r² and r.
    pub(super) const CUBIC: [f64; 3] = [
        f64::from_bits(0x3ebc6af84b912394),
        f64::from_bits(0x3f2ebfce50fac4f3),
        f64::from_bits(0x3f962e42ff0c52d6),
    ];
    /// The top 12 bits of |x| from which `expf` takes its special path (|x| ≥ 88, NaN).
    pub(super) const SPECIAL_TOP: i32 = 0x42b;
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256d, _mm_storeu_ps, _mm256_add_epi64, _mm256_and_si256, _mm256_castpd_si256,
        _mm256_castps_si256, _mm256_castps256_ps128, _mm256_castsi256_pd, _mm256_castsi256_ps,
        _mm256_cmpgt_epi32, _mm256_cvtpd_ps, _mm256_cvtps_pd, _mm256_extractf128_ps,
        _mm256_fmadd_pd, _mm256_fmsub_pd, _mm256_i64gather_epi64, _mm256_loadu_ps,
        _mm256_movemask_ps, _mm256_mul_pd, _mm256_set1_epi32, _mm256_set1_epi64x, _mm256_set1_pd,
        _mm256_set1_ps, _mm256_slli_epi64, _mm256_srli_epi32, _mm256_storeu_ps, _mm256_sub_pd,
        _mm256_sub_ps,
    };

    use super::expf::{CUBIC, INVERSE_LN2_SCALED, POWERS, SHIFT, SPECIAL_TOP};

    /// Replaces each value `v` by `f32::exp(v − largest)`, 8 values per step and the last
    /// few one by one.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn exp_below(values: &mut [f32], largest: f32) {
        let mut chunks = values.chunks_exact_mut(8);
        for chunk in &mut chunks {
            // SAFETY: 8 floats in and out.
            let x = _mm256_sub_ps(
                unsafe { _mm256_loadu_ps(chunk.as_ptr()) },
                _mm256_set1_ps(largest),
            );
            let top = _mm256_and_si256(
                _mm256_srli_epi32(_mm256_castps_si256(x), 20),
                _mm256_set1_epi32(0x7ff),
            );
            let special = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(
                top,
                _mm256_set1_epi32(SPECIAL_TOP - 1),
            )));
            let low = _mm256_cvtpd_ps(exp_lanes(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
            let high = _mm256_cvtpd_ps(exp_lanes(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));
            let mut arguments = [0f32; 8];
            // SAFETY: 8 floats out, 4 and 4.
            unsafe {
                _mm256_storeu_ps(arguments.as_mut_ptr(), x);
                _mm_storeu_ps(chunk.as_mut_ptr(), low);
                _mm_storeu_ps(chunk[4..].as_mut_ptr(), high);
            }
            if special != 0 {
                for (lane, &argument) in arguments.iter().enumerate() {
                    if special >> lane & 1 == 1 {
                        chunk[lane] = argument.exp();
                    }
                }
            }
        }
        for value in chunks.into_remainder() {
            *value = (*value - largest).exp();
        }
    }

    /// `expf`'s main path on 4 lanes: `x` (a float widened) to exp(x) in double.
    #[target_feature(enable = "avx2,fma")]
    fn exp_lanes(x: __m256d) -> __m256d {
        let shifted = _mm256_fmadd_pd(_mm256_set1_pd(INVERSE_LN2_SCALED), x, _mm256_set1_pd(SHIFT));
        let k = _mm256_castpd_si256(shifted);
        let rest = _mm256_fmsub_pd(
            _mm256_set1_pd(INVERSE_LN2_SCALED),
            x,
            _mm256_sub_pd(shifted, _mm256_set1_pd(SHIFT)),
        );
        // SAFETY: the indices are below 32, the table's length.
        let entry = unsafe {
            _mm256_i64gather_epi64::<8>(
                POWERS.as_ptr().cast(),
                _mm256_and_si256(k, _mm256_set1_epi64x(31)),
            )
        };
        let power = _mm256_castsi256_pd(_mm256_add_epi64(entry, _mm256_slli_epi64(k, 47)));
        let cubic_high = _mm256_fmadd_pd(rest, _mm256_set1_pd(CUBIC[0]), _mm256_set1_pd(CUBIC[1]));
        let square = _mm256_mul_pd(rest, rest);
        let linear = _mm256_fmadd_pd(rest, _mm256_set1_pd(CUBIC[2]), _mm256_set1_pd(1.0));
        _mm256_mul_pd(_mm256_fmadd_pd(cubic_high, square, linear), power)
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512d, __m512i, _mm512_add_epi64, _mm512_and_si512, _mm512_castpd_si512,
        _mm512_castps_si512, _mm512_castps256_ps512, _mm512_castps512_ps256, _mm512_castsi512_pd,
        _mm512_cmpge_epu32_mask, _mm512_cvtpd_ps, _mm512_cvtps_pd, _mm512_extractf32x8_ps,
        _mm512_fmadd_pd, _mm512_fmsub_pd, _mm512_insertf32x8, _mm512_mask_blend_epi64,
        _mm512_mask_loadu_ps, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_max_ps,
        _mm512_mul_pd, _mm512_permutex2var_epi64, _mm512_reduce_max_ps, _mm512_set1_epi32,
        _mm512_set1_epi64, _mm512_set1_pd, _mm512_set1_ps, _mm512_setr_epi64, _mm512_slli_epi64,
        _mm512_srli_epi32, _mm512_storeu_ps, _mm512_sub_pd, _mm512_sub_ps, _mm512_test_epi64_mask,
    };

    use super::expf::{CUBIC, INVERSE_LN2_SCALED, POWERS, SHIFT, SPECIAL_TOP};

    /// The largest of `values` (not empty): the value candle's sequential `f32::max`
    /// finds, but for which zero it returns when +0 and −0 tie, and exp(x − 0) is the
    /// same for either zero.
    ///
    /// # Safety
    /// The CPU has AVX-512 F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn largest(values: &[f32]) -> f32 {
        let lowest = _mm512_set1_ps(f32::NEG_INFINITY);
        let mut largest = lowest;
        for start in (0..values.len()).step_by(16) {
            // SAFETY: the mask reads only the row's floats.
            let chunk = unsafe {
                _mm512_mask_loadu_ps(
                    lowest,
                    lanes_from(values.len(), start),
                    values.as_ptr().add(start),
                )
            };
            largest = _mm512_max_ps(largest, chunk);
        }
        _mm512_reduce_max_ps(largest)
    }

    /// The lanes of a vector from `start` that lie within `len` values.
    fn lanes_from(len: usize, start: usize) -> u16 {
        let count = (len - start).min(16);
        ((1u32 << count) - 1) as u16
    }

    /// Replaces each value `v` by `f32::exp(v − largest)`, 16 values per step.
    ///
    /// # Safety
    /// The CPU has AVX-512 F and DQ.
    #[target_feature(enable = "avx512f,avx512dq")]
    pub(super) unsafe fn exp_below(values: &mut [f32], largest: f32) {
        for start in (0..values.len()).step_by(16) {
            let lanes = lanes_from(values.len(), start);
            let at = values[start..].as_mut_ptr();
            // SAFETY: the mask reads only the row's floats.
            let x = _mm512_sub_ps(
                unsafe { _mm512_maskz_loadu_ps(lanes, at) },
                _mm512_set1_ps(largest),
            );
            let top = _mm512_and_si512(
                _mm512_srli_epi32(_mm512_castps_si512(x), 20),
                _mm512_set1_epi32(0x7ff),
            );
            let special = lanes & _mm512_cmpge_epu32_mask(top, _mm512_set1_epi32(SPECIAL_TOP));
            let low = _mm512_cvtpd_ps(exp_lanes(_mm512_cvtps_pd(_mm512_castps512_ps256(x))));
            let high = _mm512_cvtpd_ps(exp_lanes(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1))));
            let mut arguments = [0f32; 16];
            // SAFETY: 16 floats out; the mask writes only the row's floats.
            unsafe {
                _mm512_storeu_ps(arguments.as_mut_ptr(), x);
                _mm512_mask_storeu_ps(
                    at,
                    lanes,
                    _mm512_insertf32x8(_mm512_castps256_ps512(low), high, 1),
                );
            }
            if special != 0 {
                for (lane, &argument) in arguments.iter().enumerate() {
                    if special >> lane & 1 == 1 {
                        values[start + lane] = argument.exp();
                    }
                }
            }
        }
    }

    /// `expf`'s main path on 8 lanes: `x` (a float widened) to exp(x) in double.
    #[target_feature(enable = "avx512f,avx512dq")]
    fn exp_lanes(x: __m512d) -> __m512d {
        let shifted = _mm512_fmadd_pd(_mm512_set1_pd(INVERSE_LN2_SCALED), x, _mm512_set1_pd(SHIFT));
        let k: __m512i = _mm512_castpd_si512(shifted);
        let rest = _mm512_fmsub_pd(
            _mm512_set1_pd(INVERSE_LN2_SCALED),
            x,
            _mm512_sub_pd(shifted, _mm512_set1_pd(SHIFT)),
        );
        // The table entry k mod 32: bits 0–3 pick one of 16 in two registers, bit 4 the
        // pair.
        let table = |at: usize| {
            _mm512_setr_epi64(
                POWERS[at] as i64,
                POWERS[at + 1] as i64,
                POWERS[at + 2] as i64,
                POWERS[at + 3] as i64,
                POWERS[at + 4] as i64,
                POWERS[at + 5] as i64,
                POWERS[at + 6] as i64,
                POWERS[at + 7] as i64,
            )
        };
        let first = _mm512_permutex2var_epi64(table(0), k, table(8));
        let second = _mm512_permutex2var_epi64(table(16), k, table(24));
        let entry = _mm512_mask_blend_epi64(
            _mm512_test_epi64_mask(k, _mm512_set1_epi64(16)),
            first,
            second,
        );
        let power = _mm512_castsi512_pd(_mm512_add_epi64(entry, _mm512_slli_epi64(k, 47)));
        let cubic_high = _mm512_fmadd_pd(rest, _mm512_set1_pd(CUBIC[0]), _mm512_set1_pd(CUBIC[1]));
        let square = _mm512_mul_pd(rest, rest);
        let linear = _mm512_fmadd_pd(rest, _mm512_set1_pd(CUBIC[2]), _mm512_set1_pd(1.0));
        _mm512_mul_pd(_mm512_fmadd_pd(cubic_high, square, linear), power)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn exponentials_are_those_of_f32_exp() {
        // Every float from 0 down to below −104 (where `expf` is zero), one in 61, then
        // the neighbourhood of zero and of the special path's edges in full, and −∞, NaN.
        let mut arguments: Vec<f32> = (0..=105f32.to_bits())
            .step_by(61)
            .map(|bits| f32::from_bits(bits | 1 << 31))
            .collect();
        for edge in [0f32, -88.0, -103.28, -103.97] {
            let bits = edge.to_bits();
            arguments.extend((bits.saturating_sub(20_000)..bits + 20_000).map(f32::from_bits));
        }
        arguments.extend([f32::NEG_INFINITY, f32::NAN, 0.0, -0.0, 1.0, 30.0]);
        let check = |values: &[f32]| {
            for (argument, value) in arguments.iter().zip(values) {
                let expected = argument.exp();
                assert!(
                    value.to_bits() == expected.to_bits() || (value.is_nan() && expected.is_nan()),
                    "exp({argument:e}) = {expected:e}, got {value:e}"
                );
            }
        };
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            let mut values = arguments.clone();
            // SAFETY: checked above.
            unsafe { avx2::exp_below(&mut values, 0.0) };
            check(&values);
        }
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq") {
            let mut values = arguments.clone();
            // SAFETY: checked above.
            unsafe { avx512::exp_below(&mut values, 0.0) };
            check(&values);
        }
    }

    #[test]
    fn rows_match_candles_softmax_of_scaled_scores() {
        use candle_core::{Device, Tensor};
        // 3 rows of 37: whole vectors and a remainder; a wide spread so that some
        // differences pass −88.
        let scores: Vec<f32> = (0..3 * 37)
            .map(|i| ((i * 7_919 % 1_000) as f32 - 500.0) * 0.61)
            .collect();
        let scale = 1.0 / 8f64.sqrt();
        let tensor = Tensor::from_vec(scores.clone(), (3, 37), &Device::Cpu).unwrap();
        let expected = candle_nn::ops::softmax_last_dim(&(tensor * scale).unwrap())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let ours = scaled_softmax(&scores, 37, scale as f32);
        let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&ours), bits(&expected));
    }
}
