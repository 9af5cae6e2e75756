//! Precision, recall and F1 from counts.

/// Counts of right, predicted and gold items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Predicted items that are right.
    pub true_positives: usize,
    /// Predicted items.
    pub predicted: usize,
    /// Gold items.
    pub gold: usize,
}

impl Counts {
    /// Precision.
    pub fn precision(&self) -> f64 {
        self.true_positives as f64 / self.predicted.max(1) as f64
    }

    /// Recall.
    pub fn recall(&self) -> f64 {
        self.true_positives as f64 / self.gold.max(1) as f64
    }

    /// F1.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_give_precision_recall_f1() {
        let counts = Counts {
            true_positives: 3,
            predicted: 4,
            gold: 6,
        };
        assert_eq!(counts.precision(), 0.75);
        assert_eq!(counts.recall(), 0.5);
        assert!((counts.f1() - 0.6).abs() < 1e-9);
        assert_eq!(Counts::default().f1(), 0.0);
    }
}
