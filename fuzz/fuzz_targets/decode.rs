//! Bytes to text: BOMs, charsets, binary detection, per-byte fallback.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = vigie_ingest::decode_bytes("fuzz", bytes) {
        // Whatever decodes is valid UTF-8 by construction; check the length bound.
        assert!(text.len() <= 3 * bytes.len() + 3);
    }
});
