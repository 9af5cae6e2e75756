//! The page pruning pass and the main-content extraction, JSON-LD and banners included.
#![no_main]

use vigie_ingest::{Extractor, extract_html, inert::strip_inert};

libfuzzer_sys::fuzz_target!(|html: &str| {
    let _ = strip_inert(html);
    let _ = extract_html(html, Some("https://example.org/a"), Extractor::DomSmoothie);
});
