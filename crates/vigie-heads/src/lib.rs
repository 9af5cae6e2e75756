//! Trained heads over the multilingual encoder.
//!
//! The encoder runs once per sentence; [`words`] pools its token vectors, taken after the
//! layers a head reads, into one vector per word; each head turns those word vectors
//! into its answer. The heads are small (a few megabytes, in git); the encoder is not
//! shipped but built by `scripts/build-encoder`.
//!
//! - [`tagger`]: spans as BIO tags over the words, decoded so that every span is well
//!   formed; trained with candle.
//! - [`classifier`]: several labels for a span of words at once; trained with candle.
//! - [`names`]: named entities (PER, ORG, LOC, MISC), a span tagger.
//! - [`event_layer`]: the encoder's last layer tuned for events, read by the event heads
//!   in place of the encoder's own.
//! - [`events`]: event triggers (a span tagger of PLOVER types) and their mode, ACLED
//!   sub-event type and modality (a span classifier).
//! - [`parser`]: a dependency parser (each word's head and relation), biaffine arc
//!   scores decoded into one projective tree.
//! - [`paragraph`]: yes/no labels for a whole paragraph (persuasion techniques), one
//!   attention over its words per label; trained with candle.
//! - [`reader`]: one encoder pass per sentence feeding every head.

pub mod classifier;
pub mod event_layer;
pub mod events;
pub mod names;
pub mod paragraph;
pub mod parser;
pub mod reader;
pub mod tagger;
pub mod training;
pub mod words;

mod model_file;
mod random;
