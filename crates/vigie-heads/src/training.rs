//! Settings shared by the heads' training runs.

/// Settings of a training run (the defaults suit a span tagger).
#[derive(Debug, Clone)]
pub struct TrainingOptions {
    /// Encoder layers the word vectors were taken from.
    pub layers: Vec<usize>,
    /// Fingerprint of the event layer the last of them was read through, if any
    /// ([`crate::event_layer::EventLayer::fingerprint`]).
    pub event_layer: Option<u64>,
    /// Units of the hidden layer.
    pub hidden: usize,
    /// Passes over the training examples.
    pub epochs: usize,
    /// Examples (sentences or spans) per update.
    pub batch: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// Share of inputs and hidden units dropped while training.
    pub dropout: f32,
    /// Seed of the initial weights, the order of the examples and the dropout masks.
    pub seed: u64,
}

impl Default for TrainingOptions {
    fn default() -> Self {
        TrainingOptions {
            layers: vec![12],
            event_layer: None,
            hidden: 256,
            epochs: 10,
            batch: 32,
            learning_rate: 1e-3,
            dropout: 0.25,
            seed: 17,
        }
    }
}
