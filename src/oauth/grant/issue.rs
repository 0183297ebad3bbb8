//! Minting the tokens a grant hands out.

use crate::clock::UnixTime;
use crate::domain::{GrantId, Nonce, SigningAlg, UserId};
use crate::oauth::OAuthError;
use crate::services::Services;
use crate::services::released;
use crate::store::{GrantRecord, NewRefreshToken, Successor, UserRecord};
use crate::token::claims::{AccessClaims, IdClaims};
use crate::token::jwt;
use crate::token::opaque::RefreshToken;

/// Mints an access token for `grant`, signed with the configured access-token algorithm.
/// Writes nothing: a JWT is its own record.
pub fn mint_access_token(
    services: &Services,
    grant: &GrantRecord,
    subject: &str,
    now: UnixTime,
) -> Result<String, OAuthError> {
    let claims = AccessClaims {
        iss: services.config.issuer.clone(),
        sub: subject.to_owned(),
        aud: services.config.issuer.clone(),
        exp: now + services.config.access_token_ttl,
        iat: now,
        nbf: None,
        jti: crate::crypto::random_id()?,
        client_id: grant.client_id.clone(),
        scope: grant.scope.clone(),
        gid: grant.id.clone(),
        auth_time: grant.auth_time,
    };
    let alg = services.config.keys.access_token_alg;
    let keys = services.keys.current()?;
    Ok(jwt::mint_access(&keys, alg, &claims)?)
}

/// Who an ID token is about and what it is issued with.
pub struct IdTokenFor<'a> {
    pub user_id: &'a UserId,
    /// The user's record, when the scope releases claims from it (see
    /// [`released::needs_user`]); `None` releases nothing beyond `sub`.
    pub user: Option<&'a UserRecord>,
    pub nonce: Option<Nonce>,
    /// The access token issued alongside, which `at_hash` binds.
    pub access_token: &'a str,
}

/// Mints an ID token for `grant`, signed with `alg`, the client's registered
/// `id_token_signed_response_alg`.
pub fn mint_id_token(
    services: &Services,
    grant: &GrantRecord,
    alg: SigningAlg,
    subject: IdTokenFor<'_>,
    now: UnixTime,
) -> Result<String, OAuthError> {
    let claims = IdClaims {
        iss: services.config.issuer.clone(),
        sub: subject.user_id.as_str().to_owned(),
        aud: grant.client_id.clone(),
        azp: grant.client_id.clone(),
        exp: now + services.config.id_token_ttl,
        iat: now,
        auth_time: grant.auth_time.unwrap_or(now),
        nonce: subject.nonce,
        at_hash: jwt::at_hash(alg, subject.access_token),
        user: subject
            .user
            .map(|u| released::user_claims(u, &grant.scope))
            .unwrap_or_default(),
    };
    let keys = services.keys.current()?;
    Ok(jwt::mint_id(&keys, alg, &claims)?)
}

/// A new refresh token for the grant `grant_id` made at `grant_created_at`, and the row
/// that stores its hash. It lives the idle lifetime, but never past the family's absolute
/// one.
pub fn new_refresh_token(
    services: &Services,
    grant_id: &GrantId,
    grant_created_at: UnixTime,
    now: UnixTime,
) -> Result<(RefreshToken, NewRefreshToken), OAuthError> {
    let token = RefreshToken::generate()?;
    let row = successor(services, &token, now).row(grant_id, grant_created_at);
    Ok((token, row))
}

/// What a refresh at `now` rotates its token into: `token`, under the same lifetimes as
/// [`new_refresh_token`], with the access token minted alongside.
pub fn successor(services: &Services, token: &RefreshToken, now: UnixTime) -> Successor {
    Successor {
        token_hash: token.hash(),
        issued_at: now,
        idle_expires_at: now + services.config.refresh_token_ttl,
        absolute_ttl: services.config.refresh_absolute_ttl,
        access_expires_at: now + services.config.access_token_ttl,
    }
}
