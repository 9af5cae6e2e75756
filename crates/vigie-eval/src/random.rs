//! A small deterministic generator for the benchmarks' synthetic inputs.

/// A 64-bit linear congruential generator (Knuth's MMIX constants), from its seed.
pub(crate) struct Random(pub(crate) u64);

impl Random {
    /// The next value in `0..bound` (`bound` at most 2³¹: the state's 31 high bits).
    pub(crate) fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % bound as u64) as usize
    }

    /// The next value in \[−1, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        self.next(1 << 31) as f32 / (1u64 << 30) as f32 - 1.0
    }
}
