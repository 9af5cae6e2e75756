//! The Vigie document model.
//!
//! A [`Document`] is created by the ingest stage and enriched in turn by every later
//! stage (language, places, entities, events, signals). Each stage is a pure function
//! `&mut Document -> ()` that only adds annotations. Every annotation that came from the
//! text carries a [`Span`]: half-open Unicode code-point offsets into [`Document::text`].

pub mod distance;
pub mod document;
pub mod fold;
pub mod hash;
pub mod lexicon;
pub mod panic;
pub mod phrases;
pub mod shift;
pub mod span;
pub mod speaker;
pub mod text_index;
pub mod tokens;
pub mod tsv;
pub mod url;

pub use distance::{EARTH_RADIUS_KM, haversine_km};
pub use document::*;
pub use fold::{FoldedText, PreparedText, fold_char, fold_text, is_letter, is_word_char};
pub use hash::fnv1a;
pub use panic::catch_panic;
pub use phrases::{PhraseSet, contains_phrase};
pub use shift::Shift;
pub use span::{Span, TextSpan};
pub use text_index::TextIndex;
pub use tokens::{Token, tokenize};
pub use url::url_host;

/// Version tag written in the `schema` field of every serialised document.
pub const SCHEMA_VERSION: &str = "vigie/1";
