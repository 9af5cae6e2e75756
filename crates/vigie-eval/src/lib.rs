//! Evaluation: scorers that measure each stage against gold data.

pub mod acled;
pub mod bench;
pub mod event_corpus;
pub mod events;
pub mod extract;
pub mod geoparse;
pub mod metrics;
pub mod names_data;
pub mod ner;
pub mod persuasion;
mod random;
pub mod snippets;
pub mod sources;
pub mod synthetic;
pub mod treebank;
pub mod weak_events;
