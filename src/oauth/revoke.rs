//! Token revocation (RFC 7009).
//!
//! A refresh token takes its whole family down (and so every access token of it, §2.1
//! "SHOULD also invalidate all access tokens based on the same authorization grant"); an
//! access token is revoked by `jti` until its expiry. Unknown or invalid tokens answer
//! 200 (§2.2), so revocation cannot be used to probe for valid tokens. A valid token
//! that belongs to another client is refused (§2.1) and left alive.

use super::OAuthError;
use crate::services::Services;
use crate::store::ClientRecord;
use crate::token::jwt;
use crate::token::opaque::RefreshToken;

pub async fn revoke(
    services: &Services,
    caller: &ClientRecord,
    token: &str,
) -> Result<(), OAuthError> {
    let not_yours =
        || OAuthError::UnauthorizedClient("the token was not issued to this client".into());
    if let Ok(refresh) = RefreshToken::parse(token) {
        let Some(record) = services.store.refresh_token(&refresh.hash()).await? else {
            return Ok(());
        };
        if record.grant.client_id != caller.id {
            return Err(not_yours());
        }
        return services.revoke_grant(&record.grant.id).await;
    }
    let now = services.clock.now();
    let keys = services.keys.current();
    let Ok(claims) = jwt::verify_access(&keys, token, &services.config.issuer, now) else {
        return Ok(());
    };
    if claims.client_id != caller.id {
        return Err(not_yours());
    }
    let ttl = u64::try_from(claims.exp - now).unwrap_or(0).max(1);
    services.revocation.revoke_token(&claims.jti, ttl).await?;
    Ok(())
}
