//! Trained heads over the multilingual encoder.
//!
//! The encoder runs once per sentence; [`words`] pools its token vectors, taken after the
//! layers a head reads, into one vector per word; each head turns those word vectors
//! into its answer. The heads are small (a few megabytes, in git); the encoder is not
//! shipped but built by `scripts/build-encoder`.
//!
//! - [`names`]: named entities (PER, ORG, LOC, MISC) as BIO tags, decoded so that every
//!   entity is well formed.

pub mod names;
pub mod words;

mod model_file;
