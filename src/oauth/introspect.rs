//! Token introspection (RFC 7662) for access tokens (JWTs) and refresh tokens.
//!
//! An access token is answered without the database: signature, claims, then the
//! revocation list. If that list cannot be consulted the answer is an error (503), never
//! `active: true`. Anything not recognisably live is `{"active": false}` with no reason.
//!
//! During a Postgres outage an access token is still answered, correctly: its answer
//! needs no write and no row of its own (signature, claims, the revocation view), and
//! the caller is authenticated against the client cache ([`crate::services::clients`]),
//! which keeps serving what it holds. The choice: a resource server that checks every
//! request keeps working while the store is away, and no client the store has disabled
//! or deleted is believed, since both also revoke the client's tokens in the view, which
//! outlives the outage, and a cached copy older than that revocation is never served. A
//! caller this instance does not hold, or whose revocation state the view cannot tell,
//! gets 503.
//! A refresh token's state lives only in the store, so it always needs the store.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use super::OAuthError;
use crate::clock::UnixTime;
use crate::domain::{ClientId, GrantId, Scope};
use crate::services::Services;
use crate::store::ClientRecord;
use crate::token::claims::VerifiedAccess;
use crate::token::opaque::RefreshToken;

/// The answer. A live access token's is written straight from its verified claims,
/// which the verified-token cache shares: the hottest answer sigil gives copies nothing
/// before it is serialised.
#[derive(Debug, PartialEq, Eq)]
pub enum Introspection {
    Inactive,
    Access(Arc<VerifiedAccess>),
    Refresh(RefreshDetails),
}

/// What is told about a live refresh token: read from the store, so owned.
#[derive(Debug, PartialEq, Eq)]
pub struct RefreshDetails {
    client_id: ClientId,
    sub: Option<String>,
    scope: Scope,
    exp: UnixTime,
    iat: UnixTime,
    iss: String,
    gid: GrantId,
}

impl Introspection {
    pub fn active(&self) -> bool {
        !matches!(self, Self::Inactive)
    }

    /// The answer as JSON. A live access token's is rendered once and kept with its
    /// verified claims (see [`VerifiedAccess::answer`]), since resource servers ask about
    /// the same token again and again.
    pub fn to_json(&self) -> Result<Bytes, serde_json::Error> {
        match self {
            Self::Inactive => Ok(Bytes::from_static(br#"{"active":false}"#)),
            Self::Access(verified) => {
                if let Some(body) = verified.answer.get() {
                    return Ok(body.clone());
                }
                // Kept for the token's life, so without the writer's spare capacity.
                let body = Bytes::from(serde_json::to_vec(self)?.into_boxed_slice());
                Ok(verified.answer.get_or_init(|| body).clone())
            }
            Self::Refresh(_) => serde_json::to_vec(self).map(Bytes::from),
        }
    }
}

/// The RFC 7662 body of an active token, borrowed from whichever answer holds it.
#[derive(Serialize)]
struct Active<'a> {
    active: bool,
    token_type: &'static str,
    client_id: &'a ClientId,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    scope: &'a Scope,
    exp: UnixTime,
    iat: UnixTime,
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<&'a str>,
    gid: &'a GrantId,
}

/// Anything not recognisably live: no reason, no hint (RFC 7662 §2.2).
#[derive(Serialize)]
struct Inactive {
    active: bool,
}

impl Serialize for Introspection {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Inactive => Inactive { active: false }.serialize(s),
            Self::Access(verified) => {
                let c = &verified.claims;
                Active {
                    active: true,
                    token_type: "Bearer",
                    client_id: &c.client_id,
                    sub: Some(&c.sub),
                    scope: &c.scope,
                    exp: c.exp,
                    iat: c.iat,
                    iss: &c.iss,
                    aud: Some(&c.aud),
                    jti: Some(&c.jti),
                    gid: &c.gid,
                }
                .serialize(s)
            }
            Self::Refresh(r) => Active {
                active: true,
                token_type: "refresh_token",
                client_id: &r.client_id,
                sub: r.sub.as_deref(),
                scope: &r.scope,
                exp: r.exp,
                iat: r.iat,
                iss: &r.iss,
                aud: None,
                jti: None,
                gid: &r.gid,
            }
            .serialize(s),
        }
    }
}

pub async fn introspect(
    services: &Services,
    caller: &ClientRecord,
    token: &str,
) -> Result<Introspection, OAuthError> {
    if let Ok(refresh) = RefreshToken::parse(token) {
        return introspect_refresh(services, caller, &refresh).await;
    }
    Ok(match services.live_access_token(token).await? {
        Some(verified) => Introspection::Access(verified),
        None => Introspection::Inactive,
    })
}

/// A refresh token is described to the client it was issued to, and to no one else.
async fn introspect_refresh(
    services: &Services,
    caller: &ClientRecord,
    token: &RefreshToken,
) -> Result<Introspection, OAuthError> {
    let now = services.clock.now();
    let Some(record) = services.store.refresh_token(&token.hash()).await? else {
        return Ok(Introspection::Inactive);
    };
    let live = record.grant.client_id == caller.id
        && record.rotated_at.is_none()
        && record.grant.revoked_at.is_none()
        && record.expires_at > now;
    if !live {
        return Ok(Introspection::Inactive);
    }
    Ok(Introspection::Refresh(RefreshDetails {
        client_id: record.grant.client_id,
        sub: record.grant.user_id.map(|u| u.as_str().to_owned()),
        scope: record.grant.scope,
        exp: record.expires_at,
        iat: record.issued_at,
        iss: services.config.issuer.clone(),
        gid: record.grant.id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Kid;
    use crate::token::claims::AccessClaims;

    fn access() -> Arc<VerifiedAccess> {
        Arc::new(VerifiedAccess::new(
            AccessClaims::for_tests("https://id.example", 1_000),
            Kid::parse("k1").unwrap(),
        ))
    }

    #[test]
    fn a_live_access_token_is_described_in_rfc_7662_terms_and_rendered_once() {
        let verified = access();
        let answer = Introspection::Access(verified.clone());
        let body = answer.to_json().unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"active":true,"token_type":"Bearer","client_id":"c","sub":"s","scope":"read","exp":1600,"iat":1000,"iss":"https://id.example","aud":"https://id.example","jti":"j","gid":"g"}"#
        );
        assert_eq!(verified.answer.get(), Some(&body), "kept with the claims");
        let again = answer.to_json().unwrap();
        assert_eq!(
            again.as_ptr(),
            body.as_ptr(),
            "the kept bytes, not new ones"
        );
    }

    #[test]
    fn anything_not_live_says_only_that() {
        let body = Introspection::Inactive.to_json().unwrap();
        assert_eq!(&body[..], br#"{"active":false}"#);
        assert_eq!(
            serde_json::to_vec(&Introspection::Inactive).unwrap(),
            &body[..]
        );
    }
}
