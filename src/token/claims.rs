//! The claims sigil puts in its JWTs, typed: a token whose `client_id`, `gid` or `scope`
//! does not parse is not one of ours, whatever its signature says.

use std::sync::OnceLock;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::domain::{ClientId, DisplayName, Email, GrantId, Kid, Nonce, Scope, Username};

/// An access token's claims (RFC 9068 §2.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    /// The user's id, or the client's own for client_credentials.
    pub sub: String,
    pub aud: String,
    pub exp: UnixTime,
    pub iat: UnixTime,
    /// Never minted by sigil; checked when present, since a token is not valid before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<UnixTime>,
    pub jti: String,
    pub client_id: ClientId,
    #[serde(default, skip_serializing_if = "Scope::is_empty")]
    pub scope: Scope,
    /// The grant (refresh family) this token belongs to: revoking the grant kills it.
    pub gid: GrantId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<UnixTime>,
}

/// An access token whose signature checked out: its claims, and the key that signed it
/// (which a revocation may name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAccess {
    pub claims: AccessClaims,
    pub kid: Kid,
    /// What introspection says of these claims while the token is live, rendered by the
    /// first introspection that needs it and kept with the claims in the verified-token
    /// cache: a resource server asking about the same token again gets bytes already
    /// written. Nothing here depends on the time or the caller; whether the token is
    /// still live is checked on every request before these are sent.
    pub answer: OnceLock<Bytes>,
}

impl VerifiedAccess {
    pub fn new(claims: AccessClaims, kid: Kid) -> Self {
        Self {
            claims,
            kid,
            answer: OnceLock::new(),
        }
    }
}

#[cfg(test)]
impl AccessClaims {
    /// Claims for tests: issued by and for `iss` at `now`, to client `c`, for ten minutes.
    pub fn for_tests(iss: &str, now: UnixTime) -> Self {
        Self {
            iss: iss.into(),
            sub: "s".into(),
            aud: iss.into(),
            exp: now + 600,
            iat: now,
            nbf: None,
            jti: "j".into(),
            client_id: ClientId::parse("c").expect("an id"),
            scope: Scope::parse("read").expect("a scope"),
            gid: GrantId::parse("g").expect("an id"),
            auth_time: None,
        }
    }
}

/// An ID token's claims (OIDC Core §2).
#[derive(Debug, Clone, Serialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: ClientId,
    pub azp: ClientId,
    pub exp: UnixTime,
    pub iat: UnixTime,
    pub auth_time: UnixTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Nonce>,
    /// Binds the ID token to the access token issued with it (OIDC Core §3.1.3.6).
    pub at_hash: String,
    #[serde(flatten)]
    pub user: UserClaims,
}

/// What the scope releases about the user (OIDC Core §5.4): `profile` gives the name and
/// the username, `email` the address and whether it is verified. The same in the ID
/// token and at /userinfo.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct UserClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<DisplayName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<Username>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}
