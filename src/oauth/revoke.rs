//! Token revocation (RFC 7009), and the revocation of a whole grant that refresh-token
//! reuse and code replay also trigger.
//!
//! A refresh token takes its whole family down (and so every access token of it, §2.1
//! "SHOULD also invalidate all access tokens based on the same authorization grant"); an
//! access token is revoked by `jti` until its expiry. Unknown, invalid or already revoked
//! tokens answer 200 (§2.2), so revocation cannot be used to probe for valid tokens. A
//! valid token that belongs to another client is refused (§2.1) and left alive.

use super::OAuthError;
use crate::domain::GrantId;
use crate::services::Services;
use crate::store::{ClientRecord, Revoked};
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
        return revoke_grant(services, &record.grant.id).await;
    }
    let Some(verified) = services.live_access_token(token).await? else {
        return Ok(());
    };
    let claims = &verified.claims;
    if claims.client_id != caller.id {
        return Err(not_yours());
    }
    // The entry lives exactly as long as the token could: past `exp` it is dead anyway.
    let record = services.revocation(Revoked::Token(claims.jti.clone()), claims.exp);
    services.revoke(&[record]).await?;
    Ok(())
}

/// Revokes a grant everywhere: its family in the store first (no more refreshes), then
/// its access tokens, until the last one minted under it expires.
pub async fn revoke_grant(services: &Services, grant_id: &GrantId) -> Result<(), OAuthError> {
    let now = services.clock.now();
    let found = services.store.revoke_grant(grant_id, now).await?;
    let expires_at = found
        .access_expires_at
        .unwrap_or(now + services.config.access_token_ttl);
    let record = services.revocation(Revoked::Grant(grant_id.clone()), expires_at);
    services.revoke(&[record]).await?;
    Ok(())
}
