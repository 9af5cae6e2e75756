//! WARC reader (WARC/1.0, 1.1 and the 0.18 of ClueWeb-era crawls), plain or gzip
//! (one member per record or one for the whole file).
//!
//! Yields the records that hold an article: `response` records whose HTTP payload is an
//! HTML page with status 200 (chunked transfer and gzip/deflate content encodings
//! undone, charset from the HTTP header or the page), `resource` records of HTML or text,
//! and `conversion` records (the plain text of WET files). Requests, metadata, revisits
//! and non-HTML payloads are skipped. A record cut short by the end of the file is
//! reported and ends the file; junk between records is skipped up to the next `WARC/`
//! line.

use std::io::{BufRead, BufReader, Read};

use flate2::read::{GzDecoder, MultiGzDecoder, ZlibDecoder};

use crate::inputs::InputItem;
use crate::limits::{BombGuard, Line, read_line_capped};
use crate::record::{Content, RawArticle};
use crate::{IngestError, MAX_ARTICLE_BYTES, decode};

/// Largest WARC record read into memory; larger ones are skipped and reported.
const MAX_RECORD_BYTES: u64 = 4 * MAX_ARTICLE_BYTES as u64;

/// Longest header line kept; longer lines are not headers.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Largest WARC header block.
const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// Most bytes skipped between two records before the rest of the file is given up.
const MAX_JUNK_BYTES: u64 = MAX_ARTICLE_BYTES as u64;

/// Streams the article-bearing records of a WARC file.
pub struct WarcReader<R: Read> {
    input: BufReader<R>,
    name: String,
    /// Uncompressed bytes consumed so far.
    offset: u64,
    /// True after a record whose block did not end where its Content-Length said: the
    /// next record must then prove it is one (see [`WarcReader::next_record`]).
    desynchronised: bool,
    finished: bool,
}

impl WarcReader<Box<dyn Read + Send>> {
    /// Opens a WARC stream, gzip-compressed or not (detected from the first bytes).
    /// Decompression stops with an error on a corrupt member or a decompression bomb.
    pub fn open(name: impl Into<String>, reader: impl Read + Send + 'static) -> Self {
        let mut buffered = BufReader::new(reader);
        let gzip = buffered
            .fill_buf()
            .is_ok_and(|head| head.starts_with(&[0x1f, 0x8b]));
        let inner: Box<dyn Read + Send> = if gzip {
            Box::new(BombGuard::new(buffered, MultiGzDecoder::new))
        } else {
            Box::new(buffered)
        };
        WarcReader {
            input: BufReader::new(inner),
            name: name.into(),
            offset: 0,
            desynchronised: false,
            finished: false,
        }
    }
}

/// One WARC record as read.
struct Record {
    headers: Headers,
    block: Vec<u8>,
    /// Where its version line starts, in uncompressed bytes.
    offset: u64,
}

/// The named fields of a WARC or HTTP header block.
struct Headers(Vec<(String, String)>);

impl Headers {
    fn parse(block: &str) -> Self {
        Headers(
            block
                .lines()
                .filter_map(|line| line.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<R: Read> WarcReader<R> {
    /// Reads one line (without its line ending, at most [`MAX_LINE_BYTES`] of it) and
    /// whether it was cut; `None` at the end of the input.
    fn line(&mut self) -> std::io::Result<Option<(String, bool)>> {
        let mut bytes = Vec::new();
        let (consumed, cut) = match read_line_capped(&mut self.input, &mut bytes, MAX_LINE_BYTES)? {
            Line::End => return Ok(None),
            Line::Whole(n) => (n as u64, false),
            Line::TooLong(n) => (n, true),
        };
        self.offset += consumed;
        while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            bytes.pop();
        }
        Ok(Some((String::from_utf8_lossy(&bytes).into_owned(), cut)))
    }

    fn failure(&self, at: u64, reason: impl Into<String>) -> IngestError {
        IngestError::BadRecord {
            input: format!("{}@{at}", self.name),
            reason: reason.into(),
        }
    }

    /// An error that ends the file: nothing after it can be read reliably.
    fn fatal(&mut self, at: u64, reason: impl Into<String>) -> IngestError {
        self.finished = true;
        self.failure(at, reason)
    }

    /// Reads the next record: its WARC headers and block, or `None` at the end.
    ///
    /// Blank lines and junk before a version line are skipped, up to [`MAX_JUNK_BYTES`].
    /// After junk or a record whose length was wrong, a `WARC/` line is taken as a record
    /// only if its header block names a type, an id and a date: a body that quotes a WARC
    /// record is not one.
    fn next_record(&mut self) -> Option<Result<Record, IngestError>> {
        let skip_from = self.offset;
        let mut strict = self.desynchronised;
        let (start, headers) = loop {
            let (start, headers) = match self.next_header_block(skip_from, &mut strict)? {
                Ok(found) => found,
                Err(error) => return Some(Err(error)),
            };
            let proven = ["warc-type", "warc-record-id", "warc-date"]
                .iter()
                .all(|h| headers.get(h).is_some());
            if !strict || proven {
                break (start, headers);
            }
            // A version line inside some body: keep looking.
        };
        self.desynchronised = false;
        self.read_block(start, headers)
    }

    /// Skips to the next version line and reads the header block after it: where the
    /// record starts and its headers. `strict` becomes true when anything but blank lines
    /// was skipped.
    fn next_header_block(
        &mut self,
        skip_from: u64,
        strict: &mut bool,
    ) -> Option<Result<(u64, Headers), IngestError>> {
        let start = loop {
            let at = self.offset;
            if at - skip_from > MAX_JUNK_BYTES {
                let reason = format!(
                    "no WARC record in the {MAX_JUNK_BYTES} bytes after this offset; the rest of the file is skipped"
                );
                return Some(Err(self.fatal(skip_from, reason)));
            }
            match self.line() {
                Ok(None) => return None,
                Ok(Some((line, false))) if is_version_line(&line) => break at,
                Ok(Some((line, cut))) => *strict |= cut || !line.is_empty(),
                Err(e) => {
                    return Some(Err(self.fatal(
                        at,
                        format!("cannot read: {e}; the rest of the file is skipped"),
                    )));
                }
            }
        };
        let mut block = String::new();
        loop {
            match self.line() {
                Ok(Some((line, false))) if !line.is_empty() => {
                    block.push_str(&line);
                    block.push('\n');
                    if block.len() > MAX_HEADER_BYTES {
                        self.desynchronised = true;
                        return Some(Err(self.failure(
                            start,
                            format!("WARC headers over {MAX_HEADER_BYTES} bytes"),
                        )));
                    }
                }
                Ok(Some((_, true))) => {
                    self.desynchronised = true;
                    return Some(Err(self.failure(
                        start,
                        format!("WARC header line over {MAX_LINE_BYTES} bytes"),
                    )));
                }
                Ok(_) => break,
                Err(e) => {
                    return Some(Err(self.fatal(
                        start,
                        format!("cannot read: {e}; the rest of the file is skipped"),
                    )));
                }
            }
        }
        Some(Ok((start, Headers::parse(&block))))
    }

    /// Reads the block of the record whose headers start at `start`.
    fn read_block(&mut self, start: u64, headers: Headers) -> Option<Result<Record, IngestError>> {
        let Some(length) = headers
            .get("content-length")
            .and_then(|v| v.parse::<u64>().ok())
        else {
            self.desynchronised = true;
            return Some(Err(
                self.failure(start, "record without a valid Content-Length")
            ));
        };
        if length > MAX_RECORD_BYTES {
            let skipped = std::io::copy(&mut (&mut self.input).take(length), &mut std::io::sink());
            return Some(Err(match skipped {
                Ok(n) => {
                    self.offset += n;
                    self.failure(
                        start,
                        format!(
                            "record of {length} bytes is over the {MAX_RECORD_BYTES}-byte limit"
                        ),
                    )
                }
                Err(e) => self.fatal(
                    start,
                    format!("cannot read: {e}; the rest of the file is skipped"),
                ),
            }));
        }
        let mut body = Vec::with_capacity(length as usize);
        match (&mut self.input).take(length).read_to_end(&mut body) {
            Ok(n) if n as u64 == length => {
                self.offset += length;
                if !self.block_ends_here() {
                    return Some(Err(self.failure(
                        start,
                        "the block does not end where Content-Length says (wrong length?); the record is skipped",
                    )));
                }
                Some(Ok(Record {
                    headers,
                    block: body,
                    offset: start,
                }))
            }
            Ok(n) => Some(Err(self.fatal(
                start,
                format!("truncated record: {n} of {length} bytes before the end of the file"),
            ))),
            Err(e) => Some(Err(self.fatal(
                start,
                format!("truncated or corrupt record ({e}); the rest of the file is skipped"),
            ))),
        }
    }

    /// After a block: true when what follows is the blank-line separator (or the end of
    /// the file); otherwise marks the reader desynchronised. Consumes the separator.
    fn block_ends_here(&mut self) -> bool {
        let ends = match self.input.fill_buf() {
            Ok(rest) => rest.is_empty() || rest.starts_with(b"\r\n") || rest.starts_with(b"\n"),
            Err(_) => true,
        };
        self.desynchronised = !ends;
        ends
    }
}

/// True for a WARC version line: `WARC/` and a version number such as `1.0` or `0.18`.
fn is_version_line(line: &str) -> bool {
    line.strip_prefix("WARC/")
        .and_then(|version| version.trim_end().split_once('.'))
        .is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

impl<R: Read> Iterator for WarcReader<R> {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        while !self.finished {
            let Record {
                headers,
                block,
                offset: at,
            } = match self.next_record()? {
                Ok(record) => record,
                Err(error) => {
                    return Some(InputItem {
                        origin: format!("{}@{}", self.name, self.offset),
                        article: Err(error),
                    });
                }
            };
            let origin = match headers.get("warc-record-id") {
                Some(id) => format!("{}#{}", self.name, id.trim_matches(['<', '>'])),
                None => format!("{}@{at}", self.name),
            };
            if let Some(article) = article_of(&origin, &headers, block).transpose() {
                return Some(InputItem { origin, article });
            }
        }
        None
    }
}

/// The article a record holds; `Ok(None)` for records that are not articles.
fn article_of(
    origin: &str,
    headers: &Headers,
    block: Vec<u8>,
) -> Result<Option<RawArticle>, IngestError> {
    let url = headers.get("warc-target-uri").map(str::to_owned);
    let content_type = headers
        .get("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let (payload, payload_type) = match headers.get("warc-type").unwrap_or("") {
        "response" if content_type.starts_with("application/http") => {
            match http_payload(origin, &block)? {
                Some(payload) => payload,
                None => return Ok(None),
            }
        }
        "resource" | "conversion" => (block, content_type),
        _ => return Ok(None),
    };
    let html = payload_type.contains("html");
    if !html && !payload_type.starts_with("text/plain") {
        return Ok(None);
    }
    let text = match charset(&payload_type) {
        Some(encoding) => encoding.decode(&payload).0.into_owned(),
        None => decode::decode_bytes(origin, &payload)?,
    };
    let mut article = RawArticle::text(origin, text);
    if html && let Content::Text(body) = article.content {
        article.content = Content::Html(body);
    }
    article.url = url;
    Ok(Some(article))
}

/// The body and content type of an HTTP response with status 200; `None` for other
/// statuses.
fn http_payload(origin: &str, block: &[u8]) -> Result<Option<(Vec<u8>, String)>, IngestError> {
    let bad = |reason: &str| IngestError::BadRecord {
        input: origin.to_owned(),
        reason: reason.to_owned(),
    };
    let (head_end, body_start) =
        find_header_end(block).ok_or_else(|| bad("HTTP headers never end"))?;
    let head = String::from_utf8_lossy(&block[..head_end]);
    let status_ok = head
        .lines()
        .next()
        .and_then(|status| status.split_whitespace().nth(1))
        .is_some_and(|code| code == "200");
    if !status_ok {
        return Ok(None);
    }
    let headers = Headers::parse(head.split_once('\n').map_or("", |(_, rest)| rest));
    let mut body = block[body_start..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body).ok_or_else(|| bad("malformed chunked transfer encoding"))?;
    }
    body = match headers
        .get("content-encoding")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("identity") | Some("") => body,
        // Crawlers that stored the decoded body but kept the header (ClueWeb09): only
        // inflate what is actually gzip.
        Some("gzip" | "x-gzip") if !body.starts_with(&[0x1f, 0x8b]) => body,
        Some("gzip" | "x-gzip") => {
            inflate(GzDecoder::new(&body[..])).ok_or_else(|| bad("bad gzip body"))?
        }
        Some("deflate") => {
            inflate(ZlibDecoder::new(&body[..])).ok_or_else(|| bad("bad deflate body"))?
        }
        Some(other) => return Err(bad(&format!("unsupported content encoding {other}"))),
    };
    let content_type = headers
        .get("content-type")
        .unwrap_or("text/html")
        .to_ascii_lowercase();
    Ok(Some((body, content_type)))
}

/// Where the HTTP header block ends and the body starts (CRLF or bare LF line endings).
fn find_header_end(block: &[u8]) -> Option<(usize, usize)> {
    let crlf = block
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4));
    let lf = block
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// Decompresses at most the article limit.
fn inflate(decoder: impl Read) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    decoder
        .take(MAX_ARTICLE_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// Undoes HTTP chunked transfer encoding.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size..)?;
        body = body.strip_prefix(b"\r\n").unwrap_or(body);
    }
}

/// The encoding named by a `charset=` parameter, when encoding_rs knows it.
fn charset(content_type: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = content_type.split("charset=").nth(1)?;
    let label = label
        .trim_matches(['"', '\'', ' '])
        .split([';', ' '])
        .next()?;
    encoding_rs::Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, content_type: &str, block: &str) -> String {
        format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}>\r\n\
             WARC-Target-URI: http://example.org/{kind}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n{block}\r\n\r\n",
            block.len()
        )
    }

    fn read(bytes: Vec<u8>) -> Vec<InputItem> {
        WarcReader::open("test.warc", std::io::Cursor::new(bytes)).collect()
    }

    #[test]
    fn reads_html_responses_and_skips_the_rest() {
        let html =
            "<html><body><p>Les forces irakiennes ont lancé une offensive.</p></body></html>";
        let response =
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}");
        let warc = [
            record("warcinfo", "application/warc-fields", "software: test"),
            record(
                "request",
                "application/http; msgtype=request",
                "GET / HTTP/1.1\r\n\r\n",
            ),
            record("response", "application/http; msgtype=response", &response),
            record(
                "response",
                "application/http",
                "HTTP/1.1 404 Not Found\r\n\r\nnope",
            ),
        ]
        .concat();
        let items = read(warc.into_bytes());
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].origin, "test.warc#urn:uuid:response");
        let article = items[0].article.as_ref().unwrap();
        assert_eq!(article.url.as_deref(), Some("http://example.org/response"));
        assert!(matches!(&article.content, Content::Html(h) if h.contains("offensive")));
    }

    #[test]
    fn undoes_chunking_and_decodes_the_declared_charset() {
        let body = b"caf\xe9 \xe0 Hassak\xe9";
        let mut chunked = format!("{:x}\r\n", 5).into_bytes();
        chunked.extend_from_slice(&body[..5]);
        chunked.extend_from_slice(format!("\r\n{:x}\r\n", body.len() - 5).as_bytes());
        chunked.extend_from_slice(&body[5..]);
        chunked.extend_from_slice(b"\r\n0\r\n\r\n");
        let mut block = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\
                          Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
            .to_vec();
        block.extend_from_slice(&chunked);
        let mut warc = format!(
            "WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http\r\n\
             Content-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        warc.extend_from_slice(&block);
        let items = read(warc);
        let article = items[0].article.as_ref().unwrap();
        assert_eq!(article.content, Content::Text("café à Hassaké".into()));
        assert_eq!(items[0].origin, "test.warc@0");
    }

    #[test]
    fn a_truncated_record_is_an_error_naming_the_file() {
        let mut warc = record("resource", "text/plain", "Une dépêche complète.").into_bytes();
        warc.extend_from_slice(
            b"WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 500\r\n\r\ncut",
        );
        let items = read(warc);
        assert_eq!(items.len(), 2);
        assert!(items[0].article.is_ok());
        let error = items[1].article.as_ref().unwrap_err().to_string();
        assert!(error.starts_with("test.warc@"), "{error}");
        assert!(error.contains("truncated"), "{error}");
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_corrupt_gzip_member_ends_the_file_with_one_error() {
        let good = record("resource", "text/plain", "Les forces ont bombardé Gao.");
        let mut corrupt = gzip(good.repeat(3).as_bytes());
        for byte in &mut corrupt[30..60] {
            *byte ^= 0x55;
        }
        let mut file = gzip(good.as_bytes());
        file.extend_from_slice(&corrupt);
        let items = read(file);
        assert!(items[0].article.is_ok());
        let errors: Vec<_> = items.iter().filter(|i| i.article.is_err()).collect();
        assert_eq!(errors.len(), 1, "one error, then the end of the file");
        assert!(items.len() <= 2);
    }

    #[test]
    fn a_line_without_end_is_capped_and_gives_up_after_the_junk_limit() {
        // 20 MB of zeros and no newline, as a gzip bomb decompresses.
        let items = read(vec![0u8; 20 * 1024 * 1024]);
        assert_eq!(items.len(), 1);
        let error = items[0].article.as_ref().unwrap_err().to_string();
        assert!(error.contains("no WARC record in the"), "{error}");
    }

    #[test]
    fn after_a_wrong_content_length_a_quoted_version_line_is_not_a_record() {
        let quoted = "Un article qui cite un fichier WARC :\r\n\r\nWARC/1.0\r\nContent-Length: 5\r\n\r\nfaux!\r\n";
        let mut short = record("resource", "text/plain", quoted);
        // Declare a length that ends inside the body.
        short = short.replacen(
            &format!("Content-Length: {}", quoted.len()),
            "Content-Length: 10",
            1,
        );
        let real = "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:real>\r\n\
             WARC-Date: 2026-03-03T00:00:00Z\r\nContent-Type: text/plain\r\nContent-Length: 24\r\n\r\n\
             Les forces avancent. ok.\r\n\r\n";
        let items = read((short + real).into_bytes());
        let read_ok: Vec<&str> = items
            .iter()
            .filter(|i| i.article.is_ok())
            .map(|i| i.origin.as_str())
            .collect();
        assert_eq!(
            read_ok,
            ["test.warc#urn:uuid:real"],
            "{:?}",
            items.iter().map(|i| &i.article).collect::<Vec<_>>()
        );
        assert!(
            items[0]
                .article
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("Content-Length")
        );
    }
}
