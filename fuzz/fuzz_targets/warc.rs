//! WARC records, plain and gzip-compressed.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let reader =
        vigie_ingest::warc::WarcReader::open("fuzz.warc", std::io::Cursor::new(bytes.to_vec()));
    // Every item is an article or an error; the reader always ends.
    for _ in reader.take(10_000) {}
});
