//! Dates: ISO prefixes of metadata, and date expressions in text resolved against a
//! publication date.
#![no_main]

use vigie_core::{Span, TextIndex};

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = vigie_ingest::iso_date_prefix(text);
    let published = vigie_events::dates::parse_iso_date(text)
        .or_else(|| vigie_events::dates::parse_iso_date("2026-03-03"));
    let index = TextIndex::new(text);
    let sentence = Span::new(0, text.chars().count());
    let _ = vigie_events::dates::find_dates(text, &index, sentence, published);
});
