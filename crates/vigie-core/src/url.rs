//! URL pieces the stages need without a full URL parser.

/// The lower-case host of an absolute URL (`scheme://[userinfo@]host[:port]/…`), without
/// user information, port or IPv6 brackets; `None` without a scheme or a host.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_without_userinfo_port_or_brackets() {
        assert_eq!(
            url_host("https://user@News.Example:8080/a?b#c").as_deref(),
            Some("news.example")
        );
        assert_eq!(url_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(url_host("news.example/a"), None);
        assert_eq!(url_host("https:///path"), None);
    }
}
