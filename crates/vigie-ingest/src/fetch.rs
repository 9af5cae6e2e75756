//! Fetching feeds over HTTP(S), politely and safely: conditional requests (ETag,
//! Last-Modified), at most one request per host per [`Fetcher::politeness`], a time limit
//! per request, a size limit per response, and no connection to a private, loopback,
//! link-local or otherwise non-public address — for the first URL and every redirect
//! alike. The check is made on the addresses the connection then uses (the resolver
//! drops non-public ones), so a name that resolves once to a public address and once to
//! a private one (DNS rebinding) cannot slip through.

use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
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
        Self::new(Self::DEFAULT_TIMEOUT, Self::DEFAULT_POLITENESS)
    }
}

fn failure(url: &str, reason: impl Into<String>) -> IngestError {
    IngestError::Unreadable {
        input: url.to_owned(),
        reason: reason.into(),
    }
}

/// Resolves host names as ureq does, then keeps only public addresses (all of them when
/// private ones are allowed): the connector only ever sees what this returns.
#[derive(Debug)]
struct PublicResolver {
    inner: ureq::unversioned::resolver::DefaultResolver,
    allow_private: bool,
}

impl ureq::unversioned::resolver::Resolver for PublicResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.inner.resolve(uri, config, timeout)?;
        if !self.allow_private {
            let refused = resolved.first().map(|a| a.ip());
            let mut addresses = self.empty();
            for address in resolved.iter().filter(|a| is_public(&a.ip())) {
                addresses.push(*address);
            }
            if addresses.is_empty() {
                let host = uri.host().unwrap_or_default();
                let shown = refused.map_or_else(String::new, |ip| format!(" ({ip})"));
                return Err(ureq::Error::Other(
                    format!("{host}{shown} refused: not a public address").into(),
                ));
            }
            return Ok(addresses);
        }
        Ok(resolved)
    }
}

impl Fetcher {
    /// Time limit of one request by default.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// Shortest time between two requests to one host by default.
    pub const DEFAULT_POLITENESS: Duration = Duration::from_secs(1);

    /// A fetcher with a time limit per request and a minimum interval per host, that
    /// connects to public addresses only.
    pub fn new(timeout: Duration, politeness: Duration) -> Self {
        Self::with_address_policy(timeout, politeness, false)
    }

    /// Like [`Fetcher::new`], also connecting to private and loopback addresses when
    /// `allow_private` (a feed served on the local network, a test server).
    pub fn with_address_policy(
        timeout: Duration,
        politeness: Duration,
        allow_private: bool,
    ) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!(
                "vigie/",
                env!("CARGO_PKG_VERSION"),
                " (news event coder; feed reader)"
            ))
            .build();
        let resolver = PublicResolver {
            inner: ureq::unversioned::resolver::DefaultResolver::default(),
            allow_private,
        };
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::default(),
            resolver,
        );
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
            self.wait_for(&host);
            let mut request = self.agent.get(&current);
            if let Some(etag) = &previous.etag {
                request = request.header("If-None-Match", etag);
            }
            if let Some(date) = &previous.last_modified {
                request = request.header("If-Modified-Since", date);
            }
            let mut response = request.call().map_err(|e| {
                let reason = match hop {
                    0 => e.to_string(),
                    _ => format!("redirect to {current}: {e}"),
                };
                failure(url, reason)
            })?;
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

impl Fetcher {
    /// POSTs a JSON `body` with extra `headers` to `url` (a webhook), to public addresses
    /// only unless the fetcher allows private ones, and follows no redirect; returns the
    /// response status.
    pub fn post_json(
        &self,
        url: &str,
        body: &str,
        headers: &[(&str, String)],
    ) -> Result<u16, IngestError> {
        let mut request = self
            .agent
            .post(url)
            .header("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request
            .send(body)
            .map_err(|e| failure(url, e.to_string()))?;
        Ok(response.status().as_u16())
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

/// True for globally routable unicast addresses. IPv6 forms that carry an IPv4 address
/// (IPv4-mapped, IPv4-compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by
/// that address; Teredo, multicast, documentation and local ranges are not public.
fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || a >= 240 // reserved, and the broadcast address
                || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || (a == 192 && b == 0 && c == 0)) // IETF protocol assignments
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let embedded_v4 = |high: u16, low: u16| {
                let [a, b] = high.to_be_bytes();
                let [c, d] = low.to_be_bytes();
                IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d))
            };
            if let Some(v4) = v6.to_ipv4() {
                // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d).
                return !v6.is_unspecified() && !v6.is_loopback() && is_public(&IpAddr::V4(v4));
            }
            match segments {
                [0x64, 0xff9b, 0, 0, 0, 0, high, low] => is_public(&embedded_v4(high, low)),
                [0x2002, high, low, ..] => is_public(&embedded_v4(high, low)),
                [0x2001, 0, ..] => false,     // Teredo
                [0x2001, 0xdb8, ..] => false, // documentation
                [first, ..] => {
                    !(v6.is_multicast()
                        || (first & 0xfe00) == 0xfc00 // unique local
                        || (first & 0xffc0) == 0xfe80 // link-local
                        || (first & 0xffc0) == 0xfec0) // site-local
                }
            }
        }
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
        let fetcher = local_fetcher();
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

    /// A fetcher for the loopback test server.
    fn local_fetcher() -> Fetcher {
        Fetcher::with_address_policy(Duration::from_secs(5), Duration::ZERO, true)
    }

    #[test]
    fn refuses_private_addresses_from_the_first_url_on() {
        let public_only = Fetcher::new(Duration::from_secs(5), Duration::ZERO);
        for url in [
            "http://127.0.0.1:9/feed",
            "http://localhost:9/feed",
            "http://[::ffff:10.0.0.1]/",
        ] {
            let error = public_only
                .fetch(url, &Validators::default())
                .unwrap_err()
                .to_string();
            assert!(error.contains("not a public address"), "{url}: {error}");
        }
        // Redirects go through the same resolver, so they meet the same refusal.
    }

    #[test]
    fn knows_which_addresses_are_public() {
        for private in [
            "192.168.1.1",
            "10.0.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fec0::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
            "2001:0:4136:e378::1",
            "2001:db8::1",
        ] {
            assert!(!is_public(&private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "2a00:1450:4007::200e",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert!(is_public(&public.parse().unwrap()), "{public}");
        }
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
