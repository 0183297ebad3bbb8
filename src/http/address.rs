//! Who is asking: the client address the limits count by.
//!
//! The socket's peer, unless that peer is a trusted proxy (`SIGIL_TRUSTED_PROXIES`): then
//! `X-Forwarded-For` is read from the right, past every trusted hop, and the first address
//! not trusted is the client. Anything before it could have been written by the client
//! itself, so it is never believed; a malformed entry stops the walk at the last address
//! known good.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use ipnet::IpNet;

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|net| net.contains(&ip))
}

pub fn client_address(req: &HttpRequest, proxies: &[IpNet]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let forwarded: Vec<&str> = req
        .headers()
        .get_all(HeaderName::from_static("x-forwarded-for"))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    from_chain(peer, &forwarded, proxies)
}

/// The client in a forwarding chain, walking from `peer` leftwards through `forwarded`.
fn from_chain(peer: IpAddr, forwarded: &[&str], proxies: &[IpNet]) -> IpAddr {
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        if !trusted(client, proxies) {
            break;
        }
        match hop.parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // An untrusted peer: its header is the client's own word, ignored.
        assert_eq!(
            from_chain(ip("203.0.113.9"), &["1.2.3.4"], &proxies),
            ip("203.0.113.9")
        );
        // Through one trusted proxy.
        assert_eq!(
            from_chain(ip("10.0.0.5"), &["198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
        // A client-written entry left of the real one is skipped, trusted hops are walked.
        assert_eq!(
            from_chain(
                ip("10.0.0.5"),
                &["6.6.6.6", "198.51.100.7", "10.1.1.1"],
                &proxies
            ),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last good address.
        assert_eq!(
            from_chain(ip("10.0.0.5"), &["nonsense"], &proxies),
            ip("10.0.0.5")
        );
        assert_eq!(from_chain(ip("10.0.0.5"), &[], &[]), ip("10.0.0.5"));
    }
}
