//! Fetching feeds over HTTP(S), politely and safely: conditional requests (ETag,
//! Last-Modified), at most one request per host per [`Fetcher::politeness`], a time limit
//! per request, a size limit per response, and redirects followed by hand so that none
//! leads to a private, loopback or link-local address.

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vigie_core::{catch_panic, url_host};

use crate::IngestError;
use crate::feed::read_feed;
use crate::inputs::InputItem;

/// Largest response body read, in bytes.
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// Validators of a previous response, sent back to ask "has it changed?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
}

/// What a conditional fetch returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: nothing new since the validators were given.
    NotModified,
    /// 200: the body, with the validators to send next time.
    Body {
        /// Response body (at most [`MAX_RESPONSE_BYTES`]).
        bytes: Vec<u8>,
        /// Validators of this response.
        validators: Validators,
    },
}

/// An HTTP client with per-host politeness.
pub struct Fetcher {
    agent: ureq::Agent,
    /// Shortest time between two requests to one host.
    pub politeness: Duration,
    last_request: Mutex<HashMap<String, Instant>>,
}

impl Default for Fetcher {
    fn default() -> Self {
        Self::new(Duration::from_secs(30), Duration::from_secs(1))
    }
}

fn failure(url: &str, reason: impl Into<String>) -> IngestError {
    IngestError::Unreadable {
        input: url.to_owned(),
        reason: reason.into(),
    }
}

impl Fetcher {
    /// A fetcher with a time limit per request and a minimum interval per host.
    pub fn new(timeout: Duration, politeness: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!(
                "vigie/",
                env!("CARGO_PKG_VERSION"),
                " (news event coder; feed reader)"
            ))
            .build()
            .into();
        Fetcher {
            agent,
            politeness,
            last_request: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `host` may be asked again.
    fn wait_for(&self, host: &str) {
        let wait = {
            let mut last = self.last_request.lock().expect("politeness lock");
            let now = Instant::now();
            let next = last
                .get(host)
                .map_or(now, |t| (*t + self.politeness).max(now));
            last.insert(host.to_owned(), next);
            next - now
        };
        std::thread::sleep(wait);
    }

    /// GETs `url`, conditionally on `previous`, following redirects to public addresses.
    pub fn fetch(&self, url: &str, previous: &Validators) -> Result<Fetched, IngestError> {
        let mut current = url.to_owned();
        for hop in 0..=MAX_REDIRECTS {
            let host =
                url_host(&current).ok_or_else(|| failure(url, format!("bad URL {current}")))?;
            if hop > 0 {
                refuse_private(url, &current, &host)?;
            }
            self.wait_for(&host);
            let mut request = self.agent.get(&current);
            if let Some(etag) = &previous.etag {
                request = request.header("If-None-Match", etag);
            }
            if let Some(date) = &previous.last_modified {
                request = request.header("If-Modified-Since", date);
            }
            let mut response = request.call().map_err(|e| failure(url, e.to_string()))?;
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            match status {
                304 => return Ok(Fetched::NotModified),
                200 => {
                    let validators = Validators {
                        etag: header("etag"),
                        last_modified: header("last-modified"),
                    };
                    let mut bytes = Vec::new();
                    response
                        .body_mut()
                        .as_reader()
                        .take(MAX_RESPONSE_BYTES + 1)
                        .read_to_end(&mut bytes)
                        .map_err(|e| failure(url, e.to_string()))?;
                    if bytes.len() as u64 > MAX_RESPONSE_BYTES {
                        return Err(failure(
                            url,
                            format!("response over the {MAX_RESPONSE_BYTES}-byte limit"),
                        ));
                    }
                    return Ok(Fetched::Body { bytes, validators });
                }
                301 | 302 | 303 | 307 | 308 => {
                    let location = header("location")
                        .ok_or_else(|| failure(url, format!("HTTP {status} without Location")))?;
                    current = resolve_location(&current, &location);
                }
                _ => return Err(failure(url, format!("HTTP {status}"))),
            }
        }
        Err(failure(url, format!("more than {MAX_REDIRECTS} redirects")))
    }
}

/// Fetches and reads a feed: its items and the validators to poll it with next time;
/// no items when it has not changed.
pub fn read_feed_url(
    fetcher: &Fetcher,
    url: &str,
    previous: &Validators,
) -> Result<(Vec<InputItem>, Validators), IngestError> {
    match fetcher.fetch(url, previous)? {
        Fetched::NotModified => Ok((Vec::new(), previous.clone())),
        Fetched::Body { bytes, validators } => {
            let items = catch_panic(|| read_feed(url, &crate::decode_bytes(url, &bytes)?))
                .unwrap_or_else(|message| {
                    Err(IngestError::Internal {
                        input: url.to_owned(),
                        message,
                    })
                })?;
            Ok((items, validators))
        }
    }
}

/// True for URLs `ingest` fetches rather than opens.
pub fn is_url(input: &str) -> bool {
    input.starts_with("http://") || input.starts_with("https://")
}

/// An absolute URL for a `Location` header (absolute, scheme-relative or path).
fn resolve_location(base: &str, location: &str) -> String {
    if is_url(location) {
        return location.to_owned();
    }
    let scheme = base.split_once("://").map_or("https", |(s, _)| s);
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    let origin_end = base
        .find("://")
        .and_then(|i| base[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(base.len());
    format!(
        "{}/{}",
        &base[..origin_end],
        location.trim_start_matches('/')
    )
}

/// Refuses a redirect whose host resolves to a non-public address.
fn refuse_private(url: &str, target: &str, host: &str) -> Result<(), IngestError> {
    let port = if target.starts_with("https://") {
        443
    } else {
        80
    };
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (host, port)
            .to_socket_addrs()
            .map_err(|e| failure(url, format!("redirect to {target}: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    match addresses.iter().find(|ip| !is_public(ip)) {
        Some(ip) => Err(failure(
            url,
            format!("redirect to {target} ({ip}) refused: not a public address"),
        )),
        None => Ok(()),
    }
}

/// True for globally routable addresses.
fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(&IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A one-connection-at-a-time HTTP server answering each request with the next
    /// canned response; returns its base URL and the requests it saw.
    fn serve(responses: Vec<String>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let mut requests = Vec::new();
            for response in responses {
                let (mut stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line.trim().is_empty() {
                        break;
                    }
                    request.push_str(&line);
                }
                requests.push(request);
                stream.write_all(response.as_bytes()).unwrap();
            }
            requests
        });
        (base, handle)
    }

    const FEED: &str = "<rss><channel><title>T</title><item><guid>1</guid>\
                        <description>Texte</description></item></channel></rss>";

    #[test]
    fn polls_with_validators_and_reads_the_feed() {
        let ok = format!(
            "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{FEED}",
            FEED.len()
        );
        let not_modified = "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n".to_owned();
        let (base, server) = serve(vec![ok, not_modified]);
        let fetcher = Fetcher::new(Duration::from_secs(5), Duration::ZERO);
        let url = format!("{base}/feed.xml");
        let (items, validators) = read_feed_url(&fetcher, &url, &Validators::default()).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].origin, format!("{url}#1"));
        assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
        let (items, _) = read_feed_url(&fetcher, &url, &validators).unwrap();
        assert!(items.is_empty(), "not modified");
        let requests = server.join().unwrap();
        assert!(
            requests[1]
                .to_ascii_lowercase()
                .contains("if-none-match: \"v1\"")
        );
    }

    #[test]
    fn refuses_redirects_to_private_addresses() {
        let redirect =
            "HTTP/1.1 302 Found\r\nLocation: http://10.1.2.3/feed\r\nConnection: close\r\n\r\n";
        let (base, server) = serve(vec![redirect.to_owned()]);
        let fetcher = Fetcher::new(Duration::from_secs(5), Duration::ZERO);
        let error = fetcher
            .fetch(&format!("{base}/feed"), &Validators::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a public address"), "{error}");
        server.join().unwrap();
        assert!(!is_public(&"192.168.1.1".parse().unwrap()));
        assert!(!is_public(&"::1".parse().unwrap()));
        assert!(is_public(&"8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn resolves_relative_locations_and_hosts() {
        assert_eq!(
            resolve_location("https://a.org/x/feed", "/rss"),
            "https://a.org/rss"
        );
        assert_eq!(
            resolve_location("https://a.org/x", "//b.org/y"),
            "https://b.org/y"
        );
    }
}
