//! Redirect URIs: registration rules, and the one matching rule used at /authorize.
//!
//! Matching is an exact string comparison (no normalisation: `HTTPS://`, a trailing
//! slash, `..` or a default port all make a different URI). The one exception is RFC 8252
//! §7.3: a public client registered with a loopback IP literal may use any port, since
//! native apps get an ephemeral one. `localhost` is not a loopback IP for this rule (a
//! name can be re-pointed; RFC 8252 §8.3).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::ParseError;

/// A redirect URI a client may register: absolute, no fragment, no userinfo, https or
/// http on a loopback address, at most 2048 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let url = parse_canonical(raw)?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(ParseError("http redirect_uri only on a loopback address")),
            // Private-use schemes (RFC 8252 §7.1) for native apps: reverse-DNS form.
            s if s.contains('.') => {}
            _ => return Err(ParseError("redirect_uri scheme must be https")),
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This URI with `params` appended to its query (its own query kept): where a
    /// response to the client goes.
    pub fn with_query(&self, params: &[(&str, &str)]) -> String {
        match Url::parse(&self.0) {
            Ok(mut url) => {
                url.query_pairs_mut().extend_pairs(params);
                url.into()
            }
            // Unreachable: the URI was parsed when it was made.
            Err(_) => self.0.clone(),
        }
    }

    /// Whether `requested` (as sent by the client, unparsed) selects this registered URI.
    pub fn matches(&self, requested: &str, public_client: bool) -> bool {
        if requested == self.0 {
            return true;
        }
        if !public_client {
            return false;
        }
        let (Ok(registered), Ok(requested)) =
            (parse_canonical(&self.0), parse_canonical(requested))
        else {
            return false;
        };
        if registered.scheme() != "http" || !is_loopback(&registered) {
            return false;
        }
        let mut requested_no_port = requested.clone();
        let mut registered_no_port = registered;
        requested_no_port.set_port(None).is_ok()
            && registered_no_port.set_port(None).is_ok()
            && requested_no_port.as_str() == registered_no_port.as_str()
    }
}

/// Parses `raw` and insists that it is already in the URL's canonical form, so that no
/// two distinct strings can name "the same" URI by normalisation tricks.
fn parse_canonical(raw: &str) -> Result<Url, ParseError> {
    if raw.is_empty() || raw.len() > RedirectUri::MAX_LEN {
        return Err(ParseError("redirect_uri must be 1 to 2048 characters"));
    }
    let url = Url::parse(raw).map_err(|_| ParseError("redirect_uri is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(ParseError("redirect_uri must not contain a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ParseError("redirect_uri must not contain userinfo"));
    }
    if url.as_str() != raw {
        return Err(ParseError("redirect_uri is not in canonical form"));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip) == IpAddr::V6(Ipv6Addr::LOCALHOST),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_query_keeps_the_uris_own_query_and_encodes() {
        let uri = RedirectUri::parse("https://rp.example/cb?tenant=a").unwrap();
        assert_eq!(
            uri.with_query(&[("state", "a b&c"), ("iss", "https://id.example")]),
            "https://rp.example/cb?tenant=a&state=a+b%26c&iss=https%3A%2F%2Fid.example"
        );
    }

    #[test]
    fn registration_rules() {
        assert!(RedirectUri::parse("https://app.example/cb").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1/cb").is_ok());
        assert!(RedirectUri::parse("http://[::1]:8000/cb").is_ok());
        assert!(RedirectUri::parse("com.example.app:/cb").is_ok());
        for bad in [
            "http://app.example/cb",
            "http://localhost/cb",
            "https://app.example/cb#x",
            "https://user@app.example/cb",
            "HTTPS://app.example/cb",
            "https://app.example/a/../cb",
            "/relative",
            "javascript:alert(1)",
            "",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exact_match_only_for_confidential_and_https() {
        let r = RedirectUri::parse("https://app.example/cb").unwrap();
        assert!(r.matches("https://app.example/cb", false));
        for near in [
            "https://app.example/cb/",
            "https://app.example/CB",
            "https://APP.example/cb",
            "https://app.example/cb?x=1",
            "https://app.example:443/cb",
            "https://app.example:8443/cb",
            "http://app.example/cb",
            "https://app.example/cb#f",
            "https://app.example/x/../cb",
            "https://evil@app.example/cb",
            "https://app.example.evil/cb",
        ] {
            assert!(!r.matches(near, true), "{near}");
        }
    }

    #[test]
    fn loopback_any_port_for_public_clients_only() {
        let r = RedirectUri::parse("http://127.0.0.1/cb").unwrap();
        assert!(r.matches("http://127.0.0.1:51234/cb", true));
        assert!(!r.matches("http://127.0.0.1:51234/cb", false));
        assert!(!r.matches("http://127.0.0.1:51234/other", true));
        assert!(!r.matches("http://localhost:51234/cb", true));
        assert!(!r.matches("http://[::1]:51234/cb", true));
        let v6 = RedirectUri::parse("http://[::1]/cb").unwrap();
        assert!(v6.matches("http://[::1]:4000/cb", true));
    }
}
