//! Bounded reading: lines with a length cap, and decompression that refuses bombs.
//!
//! Every reader of untrusted bytes goes through these, so that no input — however long
//! its lines or however well it compresses — makes Vigie hold more than a fixed amount in
//! memory or spin without end.

use std::io::{BufRead, Read};

/// How one capped line read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The end of the input: nothing was read.
    End,
    /// A whole line (its `\n` included when present) of this many bytes.
    Whole(usize),
    /// A line longer than the cap: the first `cap` bytes are in the buffer, the rest of
    /// the line was consumed and dropped; this many bytes were consumed in all.
    TooLong(u64),
}

/// Reads one line into `buf` (cleared first), keeping at most `cap` bytes of it.
pub fn read_line_capped(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Line> {
    buf.clear();
    let mut consumed = 0u64;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(match consumed {
                0 => Line::End,
                n if buf.len() as u64 == n => Line::Whole(buf.len()),
                n => Line::TooLong(n),
            });
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        consumed += used as u64;
        input.consume(used);
        if done {
            return Ok(if buf.len() as u64 == consumed {
                Line::Whole(buf.len())
            } else {
                Line::TooLong(consumed)
            });
        }
    }
}

/// Largest ratio of decompressed to compressed bytes accepted once more than
/// [`BOMB_FLOOR`] bytes came out: text and HTML compress 5 to 20 times, a bomb a
/// thousand.
pub const MAX_EXPANSION: u64 = 200;

/// Output below which no ratio is checked.
pub const BOMB_FLOOR: u64 = 64 * 1024 * 1024;

/// A decompressor's output, checked against its input: fails with an error once the
/// output passes [`BOMB_FLOOR`] bytes and [`MAX_EXPANSION`] times the input read so far.
pub struct BombGuard<D> {
    decoder: D,
    compressed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    produced: u64,
}

/// Counts the bytes read through it into a shared counter.
pub struct CountingReader<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl<D> BombGuard<D> {
    /// Wraps the decoder `make` builds over `compressed`, counting what it reads.
    pub fn new<R>(compressed: R, make: impl FnOnce(CountingReader<R>) -> D) -> Self {
        let count = std::sync::Arc::default();
        let counting = CountingReader {
            inner: compressed,
            count: std::sync::Arc::clone(&count),
        };
        BombGuard {
            decoder: make(counting),
            compressed: count,
            produced: 0,
        }
    }
}

impl<D: Read> Read for BombGuard<D> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.decoder.read(buf)?;
        self.produced += n as u64;
        let compressed = self
            .compressed
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1);
        if self.produced > BOMB_FLOOR && self.produced > MAX_EXPANSION * compressed {
            return Err(std::io::Error::other(format!(
                "decompresses to over {MAX_EXPANSION} times its size (a decompression bomb?)"
            )));
        }
        Ok(n)
    }
}

/// Reads everything from `input` up to `limit` bytes; more is an error of kind
/// [`std::io::ErrorKind::FileTooLarge`], found without reading past the limit.
pub fn read_to_limit(input: impl Read, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    input.take(limit as u64 + 1).read_to_end(&mut out)?;
    if out.len() > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("over the {limit}-byte limit for one input"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Cursor};

    #[test]
    fn lines_are_capped_and_the_rest_of_a_long_line_is_dropped() {
        let mut input = BufReader::with_capacity(4, Cursor::new(b"ab\nlong line\nc".to_vec()));
        let mut buf = Vec::new();
        assert_eq!(
            read_line_capped(&mut input, &mut buf, 5).unwrap(),
            Line::Whole(3)
        );
        assert_eq!(buf, b"ab\n");
        assert_eq!(
            read_line_capped(&mut input, &mut buf, 5).unwrap(),
            Line::TooLong(10)
        );
        assert_eq!(buf, b"long ");
        assert_eq!(
            read_line_capped(&mut input, &mut buf, 5).unwrap(),
            Line::Whole(1)
        );
        assert_eq!(buf, b"c");
        assert_eq!(
            read_line_capped(&mut input, &mut buf, 5).unwrap(),
            Line::End
        );
    }

    #[test]
    fn a_decompression_bomb_is_refused_without_holding_its_output() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            encoder.write_all(&zeros).unwrap();
        }
        let bomb = encoder.finish().unwrap();
        let guarded = BombGuard::new(&bomb[..], flate2::read::GzDecoder::new);
        let error = std::io::copy(&mut BufReader::new(guarded), &mut std::io::sink()).unwrap_err();
        assert!(error.to_string().contains("decompression bomb"), "{error}");
        // Ordinary text passes.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder
            .write_all("Les forces irakiennes avancent. ".repeat(1000).as_bytes())
            .unwrap();
        let text = encoder.finish().unwrap();
        let guarded = BombGuard::new(&text[..], flate2::read::GzDecoder::new);
        assert_eq!(read_to_limit(guarded, 1 << 20).unwrap().len(), 32_000);
    }
}
