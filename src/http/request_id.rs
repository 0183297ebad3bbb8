//! The id that ties a request's log lines to its response (`X-Request-Id`). A load
//! balancer in `SIGIL_TRUSTED_PROXIES` may hand one in, so one id follows the request
//! through every hop; from anyone else it is ignored, since a caller choosing the ids in
//! our logs could forge or collide them. A value taken in must look like an id: at most
//! 128 characters of letters, digits and `-_.:`, nothing a log reader could misread.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

const MAX_LEN: usize = 128;

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The request's id: the trusted proxy's, or a fresh one.
pub fn request_id(peer: Option<SocketAddr>, headers: &HeaderMap, proxies: &[IpNet]) -> String {
    let from_proxy = peer.is_some_and(|p| proxies.iter().any(|net| net.contains(&p.ip())));
    if from_proxy
        && let Some(id) = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| acceptable(v))
    {
        return id.to_owned();
    }
    fresh()
}

/// A fresh id: this process's random prefix and a count. Unique across instances
/// without a call for randomness on every request (ids need not be secret, only
/// distinct), and ordered within one process.
fn fresh() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| crate::crypto::random_id().unwrap_or_else(|_| "-".into()));
    numbered(prefix, COUNT.fetch_add(1, Ordering::Relaxed))
}

/// `prefix-count`, the count in lowercase hex. Written by hand: `format!`'s machinery
/// was more than 1 % of a hot introspection.
fn numbered(prefix: &str, count: u64) -> String {
    let mut id = String::with_capacity(prefix.len() + 17);
    id.push_str(prefix);
    id.push('-');
    let digits = (64 - count.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        let nibble = (count >> (shift * 4)) & 0xf;
        id.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
    }
    id
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn with_id(id: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("x-request-id"),
            HeaderValue::from_bytes(id.as_bytes()).unwrap(),
        );
        h
    }

    #[test]
    fn a_fresh_id_counts_in_hex() {
        for count in [0, 1, 9, 0xa, 0xf, 0x10, 0xdead_beef, u64::MAX] {
            assert_eq!(numbered("p", count), format!("p-{count:x}"));
        }
    }

    #[test]
    fn only_a_trusted_proxy_names_the_request() {
        let proxy: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:4000".parse().unwrap();
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            request_id(Some(proxy), &with_id("lb-42:a.b_c"), &proxies),
            "lb-42:a.b_c"
        );
        assert_ne!(
            request_id(Some(stranger), &with_id("lb-42"), &proxies),
            "lb-42"
        );
        assert_ne!(request_id(None, &with_id("lb-42"), &proxies), "lb-42");
        let (first, second) = (
            request_id(None, &HeaderMap::new(), &proxies),
            request_id(None, &HeaderMap::new(), &proxies),
        );
        assert_ne!(first, second, "each request its own id");
        assert!(
            acceptable(&first) && acceptable(&second),
            "{first} {second}"
        );
        for bad in ["", "a b", "id\"x", "x".repeat(129).as_str(), "é"] {
            let id = request_id(Some(proxy), &with_id(bad), &proxies);
            assert_ne!(id, bad, "{bad:?}");
            assert!(acceptable(&id), "a fresh id instead of {bad:?}");
        }
    }
}
