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
use crate::record::{Content, RawArticle};
use crate::{IngestError, MAX_ARTICLE_BYTES, decode};

/// Largest WARC record read into memory; larger ones are skipped and reported.
const MAX_RECORD_BYTES: u64 = 4 * MAX_ARTICLE_BYTES as u64;

/// Streams the article-bearing records of a WARC file.
pub struct WarcReader<R: Read> {
    input: BufReader<R>,
    name: String,
    /// Uncompressed bytes consumed so far.
    offset: u64,
    finished: bool,
}

impl WarcReader<Box<dyn Read + Send>> {
    /// Opens a WARC stream, gzip-compressed or not (detected from the first bytes).
    pub fn open(name: impl Into<String>, reader: impl Read + Send + 'static) -> Self {
        let mut buffered = BufReader::new(reader);
        let gzip = buffered
            .fill_buf()
            .is_ok_and(|head| head.starts_with(&[0x1f, 0x8b]));
        let inner: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        };
        WarcReader {
            input: BufReader::new(inner),
            name: name.into(),
            offset: 0,
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
    /// Reads one line (without its line ending); `None` at the end of the input.
    fn line(&mut self) -> std::io::Result<Option<String>> {
        let mut bytes = Vec::new();
        let read = self.input.read_until(b'\n', &mut bytes)?;
        if read == 0 {
            return Ok(None);
        }
        self.offset += read as u64;
        while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            bytes.pop();
        }
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn failure(&self, at: u64, reason: impl Into<String>) -> IngestError {
        IngestError::BadRecord {
            input: format!("{}@{at}", self.name),
            reason: reason.into(),
        }
    }

    /// Reads the next record: its WARC headers and block, or `None` at the end.
    fn next_record(&mut self) -> Option<Result<Record, IngestError>> {
        // Skip blank lines and any junk up to the next version line.
        let start = loop {
            let at = self.offset;
            match self.line() {
                Ok(None) => return None,
                Ok(Some(line)) if line.starts_with("WARC/") => break at,
                Ok(Some(_)) => continue,
                Err(e) => return Some(Err(self.failure(at, format!("cannot read: {e}")))),
            }
        };
        let mut block = String::new();
        loop {
            match self.line() {
                Ok(Some(line)) if !line.is_empty() => {
                    block.push_str(&line);
                    block.push('\n');
                }
                Ok(_) => break,
                Err(e) => return Some(Err(self.failure(start, format!("cannot read: {e}")))),
            }
        }
        let headers = Headers::parse(&block);
        let Some(length) = headers
            .get("content-length")
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return Some(Err(
                self.failure(start, "record without a valid Content-Length")
            ));
        };
        if length > MAX_RECORD_BYTES {
            let skipped = std::io::copy(&mut (&mut self.input).take(length), &mut std::io::sink());
            self.offset += skipped.as_ref().map_or(0, |n| *n);
            return Some(Err(self.failure(
                start,
                format!("record of {length} bytes is over the {MAX_RECORD_BYTES}-byte limit"),
            )));
        }
        let mut body = Vec::with_capacity(length as usize);
        match (&mut self.input).take(length).read_to_end(&mut body) {
            Ok(n) if n as u64 == length => {
                self.offset += length;
                Some(Ok(Record {
                    headers,
                    block: body,
                    offset: start,
                }))
            }
            Ok(n) => {
                self.finished = true;
                Some(Err(self.failure(
                    start,
                    format!("truncated record: {n} of {length} bytes before the end of the file"),
                )))
            }
            Err(e) => {
                self.finished = true;
                Some(Err(self.failure(
                    start,
                    format!("truncated or corrupt record ({e}); the rest of the file is skipped"),
                )))
            }
        }
    }
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
}
