//! A small deterministic generator for training (SplitMix64): candle's CPU generator
//! cannot be seeded, and a head must come out the same from the same data.

/// SplitMix64 state.
pub(crate) struct Random(pub(crate) u64);

impl Random {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// `count` values uniform in [-bound, bound].
    pub(crate) fn uniform(&mut self, count: usize, bound: f32) -> Vec<f32> {
        (0..count)
            .map(|_| (self.unit() * 2.0 - 1.0) * bound)
            .collect()
    }

    /// A dropout mask of `count` values: 0 with probability `p`, else 1 / (1 − p).
    pub(crate) fn mask(&mut self, count: usize, p: f32) -> Vec<f32> {
        let keep = 1.0 / (1.0 - p);
        (0..count)
            .map(|_| if self.unit() < p { 0.0 } else { keep })
            .collect()
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }

    /// A trainable \[rows, columns\] matrix with Glorot-uniform initial values.
    pub(crate) fn glorot(
        &mut self,
        rows: usize,
        columns: usize,
        fan_in: usize,
    ) -> candle_core::Result<candle_core::Var> {
        let bound = (6.0 / (fan_in + columns) as f32).sqrt();
        candle_core::Var::from_vec(
            self.uniform(rows * columns, bound),
            (rows, columns),
            &candle_core::Device::Cpu,
        )
    }
}
