//! RSS and Atom documents: the nesting and entity guards, then the XML parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = vigie_ingest::feed::read_feed("fuzz.rss", text);
});
