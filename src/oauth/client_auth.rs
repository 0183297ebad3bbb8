//! Client authentication at /token, /introspect and /revoke: `client_secret_basic`,
//! `client_secret_post`, or none for a public client (which must then use PKCE).
//!
//! Every failure is the same `invalid_client`, whatever was wrong, and a secret is
//! compared as a SHA-256 digest in constant time.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::OAuthError;
use super::error::retry_after;
use super::form::Form;
use crate::domain::{ClientId, ParseError};
use crate::limits::Verdict;
use crate::services::Services;
use crate::store::ClientRecord;
use crate::token::opaque::ClientSecret;

/// What the caller presented to say who it is.
#[derive(PartialEq, Eq)]
pub enum Presented {
    Secret { client_id: ClientId, secret: String },
    Public { client_id: ClientId },
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secret { client_id, .. } => write!(f, "Secret({client_id}, [redacted])"),
            Self::Public { client_id } => write!(f, "Public({client_id})"),
        }
    }
}

/// Parses an `Authorization: Basic` value into client id and secret (RFC 6749 §2.3.1:
/// both are form-urlencoded before base64).
pub fn parse_basic(header: &str) -> Result<(ClientId, String), ParseError> {
    let (scheme, rest) = header
        .split_once(' ')
        .ok_or(ParseError("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ParseError("unsupported authorization scheme"));
    }
    if rest.len() > 1024 {
        return Err(ParseError("Authorization header too long"));
    }
    let decoded = STANDARD
        .decode(rest.trim())
        .map_err(|_| ParseError("malformed Basic credentials"))?;
    let decoded =
        String::from_utf8(decoded).map_err(|_| ParseError("malformed Basic credentials"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or(ParseError("malformed Basic credentials"))?;
    let id = urldecode(id)?;
    let secret = urldecode(secret)?.into_owned();
    Ok((ClientId::parse(&id)?, secret))
}

/// RFC 6749 §2.3.1: the id and secret are form-urlencoded before they are joined; unlike
/// a form, credentials that do not decode to UTF-8 are refused, not repaired. A part with
/// nothing to decode (the usual case) is lent back, not copied.
fn urldecode(s: &str) -> Result<Cow<'_, str>, ParseError> {
    match super::form::decode(s.as_bytes()) {
        // Nothing was undone: the bytes are `s`'s own, already UTF-8.
        Cow::Borrowed(_) => Ok(Cow::Borrowed(s)),
        Cow::Owned(bytes) => String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|_| ParseError("malformed Basic credentials")),
    }
}

/// Works out what the caller presented, from the Authorization header and the body.
/// Both at once is refused: the server must not guess which one counts.
pub fn presented(authorization: Option<&str>, form: &Form) -> Result<Presented, OAuthError> {
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    match authorization {
        Some(header) => {
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method, not two",
                ));
            }
            let (client_id, secret) = parse_basic(header).map_err(|_| OAuthError::InvalidClient)?;
            if body_id.is_some_and(|id| id != client_id.as_str()) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the Authorization header",
                ));
            }
            Ok(Presented::Secret { client_id, secret })
        }
        None => {
            let id = body_id.ok_or(OAuthError::InvalidClient)?;
            let client_id = ClientId::parse(id).map_err(|_| OAuthError::InvalidClient)?;
            Ok(match body_secret {
                Some(secret) => Presented::Secret {
                    client_id,
                    secret: secret.to_owned(),
                },
                None => Presented::Public { client_id },
            })
        }
    }
}

/// Authenticates the caller, from `address`. A public client authenticates with its id
/// alone, which is why every grant a public client may use is bound by PKCE or a refresh
/// token. Failures are counted per client id and per address; over a limit, nothing is
/// checked and the answer is 429.
pub async fn authenticate(
    services: &Services,
    presented: &Presented,
    address: IpAddr,
) -> Result<Arc<ClientRecord>, OAuthError> {
    let (client_id, secret) = match presented {
        Presented::Secret { client_id, secret } => (client_id, Some(secret)),
        Presented::Public { client_id } => (client_id, None),
    };
    let counters = || {
        services
            .config
            .limits
            .client(client_id.as_str(), &address.to_string())
    };
    if !services.limits.none_limited()
        && let Verdict::Limited(wait) = services.limits.check(&counters()).await?
    {
        // No audit write here: a flood of refused attempts must stay cheap. The failure
        // that reached the limit was recorded as the lockout.
        crate::metrics::get().rate_limited("client");
        return Err(OAuthError::TooManyAttempts(retry_after(wait)));
    }
    let result = check(services, client_id, secret).await;
    if matches!(result, Err(OAuthError::InvalidClient)) {
        let counters = counters();
        services.limits.charge(&counters).await?;
        let locked = matches!(services.limits.check(&counters).await?, Verdict::Limited(_));
        let (action, why) = if locked {
            (
                "client.lockout",
                "too many failed authentications: locked out",
            )
        } else {
            ("client.authenticate", "invalid client credentials")
        };
        refused_client(services, client_id, address, action, why).await;
    }
    result
}

/// A refused client authentication, in the audit trail: who claimed to be which client,
/// from where.
async fn refused_client(
    services: &Services,
    client_id: &ClientId,
    address: IpAddr,
    action: &str,
    why: &str,
) {
    services
        .audit(
            &crate::audit::Actor::client(client_id.as_str()),
            action,
            Some(client_id.as_str()),
            crate::audit::Context::request(Some(client_id.as_str()), &address.to_string()),
            Err(&why),
        )
        .await;
}

async fn check(
    services: &Services,
    client_id: &ClientId,
    secret: Option<&String>,
) -> Result<Arc<ClientRecord>, OAuthError> {
    let client = services.client(client_id).await?;
    // A disabled client is refused like an unknown one: it says nothing more.
    let Some(client) = client.filter(|c| !c.disabled) else {
        return Err(OAuthError::InvalidClient);
    };
    match (&client.secret_hash, secret) {
        (Some(stored), Some(given)) => {
            let given_hash = ClientSecret::parse(given)
                .map(|s| s.hash())
                .unwrap_or_else(|_| crate::crypto::sha256(given.as_bytes()));
            if crate::crypto::ct_eq(stored, &given_hash) {
                Ok(client)
            } else {
                Err(OAuthError::InvalidClient)
            }
        }
        (None, None) => Ok(client),
        // A confidential client without its secret, or a public one presenting a secret
        // it was never given.
        _ => Err(OAuthError::InvalidClient),
    }
}

/// Authenticates a caller that must be confidential (/introspect). The client comes from
/// the cache like everywhere else, so while the store cannot be read a known client is
/// still authenticated (see [`super::introspect`]).
pub async fn authenticate_confidential(
    services: &Services,
    presented: &Presented,
    address: IpAddr,
) -> Result<Arc<ClientRecord>, OAuthError> {
    let client = authenticate(services, presented, address).await?;
    if client.is_public() {
        return Err(OAuthError::InvalidClient);
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(raw: &str) -> String {
        format!("Basic {}", STANDARD.encode(raw))
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let (id, secret) = parse_basic(&basic("client:s%3Acr+t")).unwrap();
        assert_eq!(id.as_str(), "client");
        assert_eq!(secret, "s:cr t");
        let (_, secret) = parse_basic(&basic("client:a&b")).unwrap();
        assert_eq!(secret, "a&b");
        let (id, _) = parse_basic(&basic("my%2Dclient:s")).unwrap();
        assert_eq!(id.as_str(), "my-client");
        assert!(parse_basic(&format!("bAsIc {}", STANDARD.encode("c:s"))).is_ok());
    }

    #[test]
    fn malformed_basic_is_refused() {
        for bad in [
            "Basic".to_owned(),
            "Bearer abc".to_owned(),
            "Basic !!!".to_owned(),
            basic("no-colon"),
            basic("bad id:secret"),
            format!("Basic {}", STANDARD.encode([0xff, b':', b'a'])),
            basic("client:%FF"),
            format!("Basic {}", "A".repeat(2000)),
        ] {
            assert!(parse_basic(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn both_methods_at_once_are_refused() {
        let form = Form::parse(b"client_id=c&client_secret=s").unwrap();
        assert!(matches!(
            presented(Some(&basic("c:s")), &form),
            Err(OAuthError::InvalidRequest(_))
        ));
        let form = Form::parse(b"client_id=c&client_secret=s").unwrap();
        assert!(matches!(
            presented(None, &form),
            Ok(Presented::Secret { .. })
        ));
        let form = Form::parse(b"client_id=c").unwrap();
        assert!(matches!(
            presented(None, &form),
            Ok(Presented::Public { .. })
        ));
        let form = Form::parse(b"").unwrap();
        assert_eq!(presented(None, &form), Err(OAuthError::InvalidClient));
    }
}
