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

use serde::Serialize;

use super::OAuthError;
use crate::clock::UnixTime;
use crate::domain::{ClientId, GrantId, Scope};
use crate::services::Services;
use crate::store::ClientRecord;
use crate::token::opaque::RefreshToken;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Details {
    pub token_type: &'static str,
    pub client_id: ClientId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    pub scope: Scope,
    pub exp: UnixTime,
    pub iat: UnixTime,
    pub iss: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    pub gid: GrantId,
}

const INACTIVE: Introspection = Introspection {
    active: false,
    details: None,
};

pub async fn introspect(
    services: &Services,
    caller: &ClientRecord,
    token: &str,
) -> Result<Introspection, OAuthError> {
    if let Ok(refresh) = RefreshToken::parse(token) {
        return introspect_refresh(services, caller, &refresh).await;
    }
    let Some(verified) = services.live_access_token(token).await? else {
        return Ok(INACTIVE);
    };
    let claims = &verified.claims;
    Ok(Introspection {
        active: true,
        details: Some(Details {
            token_type: "Bearer",
            client_id: claims.client_id.clone(),
            sub: Some(claims.sub.clone()),
            scope: claims.scope.clone(),
            exp: claims.exp,
            iat: claims.iat,
            iss: claims.iss.clone(),
            aud: Some(claims.aud.clone()),
            jti: Some(claims.jti.clone()),
            gid: claims.gid.clone(),
        }),
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
        return Ok(INACTIVE);
    };
    let live = record.grant.client_id == caller.id
        && record.rotated_at.is_none()
        && record.grant.revoked_at.is_none()
        && record.expires_at > now;
    if !live {
        return Ok(INACTIVE);
    }
    Ok(Introspection {
        active: true,
        details: Some(Details {
            token_type: "refresh_token",
            client_id: record.grant.client_id,
            sub: record.grant.user_id.map(|u| u.as_str().to_owned()),
            scope: record.grant.scope,
            exp: record.expires_at,
            iat: record.issued_at,
            iss: services.config.issuer.clone(),
            aud: None,
            jti: None,
            gid: record.grant.id,
        }),
    })
}
