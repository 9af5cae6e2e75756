//! Multi-head self-attention of sequences laid end to end, each over itself only, read in
//! place from the rows of the queries, keys and values: only each head's keys are copied,
//! transposed, into a scratch buffer, and no general matrix product is dispatched for
//! matrices of a few dozen rows.
//!
//! Each score and each context value is one chain of fused multiply-adds in the order of
//! its terms, so every vector width gives the same bits; the softmax between them is
//! [`scaled_softmax`]. Candle's matrix products, which this replaces, sum in other orders
//! (by size), so the last bits of a context can differ from theirs.

use crate::softmax::scaled_softmax;

/// The attention of each sequence of `lengths` tokens over itself, with `heads` heads:
/// `queries`, `keys` and `values` are \[tokens, width\] row by row (a head's part of a row
/// is `width / heads` values side by side), and so are the contexts returned.
pub(crate) fn attend(
    queries: &[f32],
    keys: &[f32],
    values: &[f32],
    lengths: &[usize],
    heads: usize,
) -> Vec<f32> {
    let shape = Shape::of(queries, lengths, heads);
    assert!(
        keys.len() == queries.len() && values.len() == queries.len(),
        "queries, keys and values have the same shape"
    );
    let attend_one = sequence_kernel();
    let mut contexts = vec![0.0; queries.len()];
    let mut start = 0;
    for &length in lengths {
        let sequence = Sequence { start, length };
        // SAFETY: `sequence_kernel` chose a function compiled for features the CPU has.
        unsafe { attend_one(&shape, sequence, queries, keys, values, &mut contexts) };
        start += length;
    }
    contexts
}

/// One of the compilations of [`attend_sequence`].
type SequenceKernel = unsafe fn(&Shape, Sequence, &[f32], &[f32], &[f32], &mut [f32]);

/// The [`SequenceKernel`] for this CPU: AVX-512, AVX2 with FMA, or the baseline.
fn sequence_kernel() -> SequenceKernel {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
        return attend_avx512;
    } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        return attend_avx2;
    }
    attend_sequence
}

/// How the rows are split: `width` values per token, `heads` heads of `head_width`.
struct Shape {
    width: usize,
    heads: usize,
    head_width: usize,
    /// What the scores are multiplied by before the softmax: 1 / √`head_width`.
    scale: f32,
}

impl Shape {
    fn of(queries: &[f32], lengths: &[usize], heads: usize) -> Shape {
        let tokens: usize = lengths.iter().sum();
        let width = queries.len().checked_div(tokens).unwrap_or(0);
        assert!(
            width * tokens == queries.len() && heads > 0 && width.is_multiple_of(heads),
            "rows of whole heads"
        );
        let head_width = width / heads;
        Shape {
            width,
            heads,
            head_width,
            scale: (1.0 / (head_width as f64).sqrt()) as f32,
        }
    }
}

/// The rows `start .. start + length` of one sequence.
#[derive(Clone, Copy)]
struct Sequence {
    start: usize,
    length: usize,
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn attend_avx512(
    shape: &Shape,
    sequence: Sequence,
    queries: &[f32],
    keys: &[f32],
    values: &[f32],
    contexts: &mut [f32],
) {
    attend_sequence(shape, sequence, queries, keys, values, contexts);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn attend_avx2(
    shape: &Shape,
    sequence: Sequence,
    queries: &[f32],
    keys: &[f32],
    values: &[f32],
    contexts: &mut [f32],
) {
    attend_sequence(shape, sequence, queries, keys, values, contexts);
}

/// Floats summed side by side, each in a register lane of its own.
const LANES: usize = 16;

/// One sequence's attention, written into its rows of `contexts`: for each
/// head, the scores of every query against every key, their scaled softmax, and each
/// query's sum of the values weighted by it. The keys are first laid out dimension by
/// dimension (their count padded with zeros to whole [`LANES`]), so that a query's scores
/// against `LANES` keys grow side by side in registers, as do `LANES` dimensions of a
/// context.
#[inline(always)]
fn attend_sequence(
    shape: &Shape,
    Sequence { start, length }: Sequence,
    queries: &[f32],
    keys: &[f32],
    values: &[f32],
    contexts: &mut [f32],
) {
    let Shape {
        width,
        heads,
        head_width,
        scale,
    } = *shape;
    let head_part = |token: usize, head: usize| -> std::ops::Range<usize> {
        let at = (start + token) * width + head * head_width;
        at..at + head_width
    };
    let padded = length.next_multiple_of(LANES);
    let mut scores = vec![0.0f32; heads * length * length];
    let mut keys_by_dimension = vec![0.0f32; head_width * padded];
    for head in 0..heads {
        for token in 0..length {
            for (dimension, &value) in keys[head_part(token, head)].iter().enumerate() {
                keys_by_dimension[dimension * padded + token] = value;
            }
        }
        let scores = &mut scores[head * length * length..][..length * length];
        for (first, rows) in row_groups(length) {
            let rows_of_queries: [&[f32]; ROWS] =
                std::array::from_fn(|row| &queries[head_part((first + row).min(length - 1), head)]);
            let query = |row: usize, dimension: usize| rows_of_queries[row][dimension];
            for key in (0..padded).step_by(LANES) {
                let lanes = LANES.min(length - key);
                let keys_at =
                    |dimension: usize| &keys_by_dimension[dimension * padded + key..][..LANES];
                let mut write = |sums: &[[f32; LANES]]| {
                    for (row, sums) in sums.iter().enumerate() {
                        scores[(first + row) * length + key..][..lanes]
                            .copy_from_slice(&sums[..lanes]);
                    }
                };
                match rows {
                    ROWS => write(&fused_sums::<ROWS>(head_width, query, keys_at)),
                    _ => write(&fused_sums::<1>(head_width, query, keys_at)),
                }
            }
        }
    }
    let weights = scaled_softmax(&scores, length, scale);
    for head in 0..heads {
        let weights = &weights[head * length * length..][..length * length];
        for (first, rows) in row_groups(length) {
            let weight = |row: usize, other: usize| weights[(first + row) * length + other];
            for column in (0..head_width).step_by(LANES) {
                let lanes = LANES.min(head_width - column);
                let values_at = |other: usize| &values[head_part(other, head)][column..][..lanes];
                let mut write = |sums: &[[f32; LANES]]| {
                    for (row, sums) in sums.iter().enumerate() {
                        let at = head_part(first + row, head).start + column;
                        contexts[at..at + lanes].copy_from_slice(&sums[..lanes]);
                    }
                };
                match rows {
                    ROWS => write(&fused_sums::<ROWS>(length, weight, values_at)),
                    _ => write(&fused_sums::<1>(length, weight, values_at)),
                }
            }
        }
    }
}

/// Rows computed together: as many independent chains of multiply-adds.
const ROWS: usize = 4;

/// The rows `0..count` as `(first, rows)`: in groups of [`ROWS`], the last ones one by one.
fn row_groups(count: usize) -> impl Iterator<Item = (usize, usize)> {
    let whole = count - count % ROWS;
    let groups = (0..whole).step_by(ROWS).map(|first| (first, ROWS));
    groups.chain((whole..count).map(|first| (first, 1)))
}

/// For each of `R` rows and each lane `l`: the sum over `t < terms` of `a(row, t) ×
/// b(t)[l]` (`b(t)` at most [`LANES`] long; a shorter one counts as padded with zeros), as one chain of
/// fused multiply-adds from zero in the order of `t`. The rows' chains are independent, so
/// the processor runs them side by side.
#[inline(always)]
fn fused_sums<'a, const R: usize>(
    terms: usize,
    a: impl Fn(usize, usize) -> f32,
    b: impl Fn(usize) -> &'a [f32],
) -> [[f32; LANES]; R] {
    let mut sums = [[0.0f32; LANES]; R];
    for t in 0..terms {
        let b = b(t);
        let b: [f32; LANES] = match b.try_into() {
            Ok(full) => full,
            Err(_) => {
                let mut lanes = [0.0; LANES];
                lanes[..b.len()].copy_from_slice(b);
                lanes
            }
        };
        for (row, sums) in sums.iter_mut().enumerate() {
            let a = a(row, t);
            for (sum, b) in sums.iter_mut().zip(b) {
                *sum = a.mul_add(b, *sum);
            }
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use candle_core::{D, Device, Tensor};

    use super::*;
    use crate::noise;

    /// The same attention with candle's tensors: each sequence and head copied out, two
    /// matrix products and candle's softmax.
    fn with_tensors(
        queries: &[f32],
        keys: &[f32],
        values: &[f32],
        lengths: &[usize],
        heads: usize,
    ) -> Vec<f32> {
        let tokens: usize = lengths.iter().sum();
        let width = queries.len() / tokens;
        let tensor = |rows: &[f32]| Tensor::from_slice(rows, (tokens, width), &Device::Cpu);
        let (queries, keys, values) = (
            tensor(queries).unwrap(),
            tensor(keys).unwrap(),
            tensor(values).unwrap(),
        );
        let head_width = width / heads;
        let mut start = 0;
        let mut contexts = Vec::new();
        for &n in lengths {
            let split = |t: &Tensor| {
                t.narrow(0, start, n)?
                    .reshape((n, heads, head_width))?
                    .transpose(0, 1)?
                    .contiguous()
            };
            let (q, k, v) = (
                split(&queries).unwrap(),
                split(&keys).unwrap(),
                split(&values).unwrap(),
            );
            let scores = (q.matmul(&k.t().unwrap()).unwrap() / (head_width as f64).sqrt()).unwrap();
            let weights = candle_nn::ops::softmax(&scores, D::Minus1).unwrap();
            let context = weights.matmul(&v).unwrap();
            contexts.push(
                context
                    .transpose(0, 1)
                    .unwrap()
                    .reshape((n, width))
                    .unwrap(),
            );
            start += n;
        }
        Tensor::cat(&contexts, 0)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    }

    #[test]
    fn contexts_match_candles_attention_of_each_sequence_over_itself() {
        // Heads of 32 values (two whole lanes), 24 (a partial one) and 8 (less than one).
        for (heads, head_width) in [(4, 32), (3, 24), (2, 8)] {
            let width = heads * head_width;
            for lengths in [
                vec![1],
                vec![3, 17],
                vec![40, 1, 9],
                vec![130],
                vec![0, 5, 0, 19],
            ] {
                let tokens: usize = lengths.iter().sum();
                let queries = noise(1, tokens * width);
                let keys = noise(2, tokens * width);
                let values = noise(3, tokens * width);
                let ours = attend(&queries, &keys, &values, &lengths, heads);
                let sequences: Vec<usize> = lengths.iter().copied().filter(|&n| n > 0).collect();
                let theirs = with_tensors(&queries, &keys, &values, &sequences, heads);
                assert_eq!(ours.len(), theirs.len());
                for (a, b) in ours.iter().zip(&theirs) {
                    assert!((a - b).abs() <= 1e-5, "{lengths:?}: {a} against {b}");
                }
            }
        }
    }

    /// A guard against a compilation that sums in another order (no error of the method
    /// can make it fail: `contexts_match_candles…` checks that).
    #[test]
    fn every_vector_width_gives_the_same_bits() {
        let (heads, width, lengths) = (3, 3 * 24, [5, 23]);
        let tokens = lengths.iter().sum::<usize>();
        let (queries, keys, values) = (
            noise(7, tokens * width),
            noise(8, tokens * width),
            noise(9, tokens * width),
        );
        let shape = Shape::of(&queries, &lengths, heads);
        let run = |attend_one: &dyn Fn(Sequence, &mut [f32])| {
            let mut contexts = vec![0.0; tokens * width];
            let mut start = 0;
            for length in lengths {
                attend_one(Sequence { start, length }, &mut contexts);
                start += length;
            }
            contexts
        };
        let baseline =
            run(&|sequence, out| attend_sequence(&shape, sequence, &queries, &keys, &values, out));
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                // SAFETY: checked just above.
                let avx2 = run(&|sequence, out| unsafe {
                    attend_avx2(&shape, sequence, &queries, &keys, &values, out)
                });
                assert_eq!(avx2, baseline);
            }
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
                // SAFETY: checked just above.
                let avx512 = run(&|sequence, out| unsafe {
                    attend_avx512(&shape, sequence, &queries, &keys, &values, out)
                });
                assert_eq!(avx512, baseline);
            }
        }
        assert_eq!(attend(&queries, &keys, &values, &lengths, heads), baseline);
    }
}
