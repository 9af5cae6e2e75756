//! Evaluation: scorers that measure each stage against gold data.

pub mod extract;
pub mod geoparse;
