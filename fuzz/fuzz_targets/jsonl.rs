//! A JSONL record through the ingest stage (layout, HTML, metadata, dates, size limit).
#![no_main]

use vigie_ingest::{Extractor, ingest, parse_jsonl_line};

libfuzzer_sys::fuzz_target!(|line: &str| {
    if let Ok(raw) = parse_jsonl_line("fuzz.jsonl:1", line) {
        let _ = ingest(raw, Extractor::DomSmoothie);
    }
});
