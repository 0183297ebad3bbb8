//! Token revocation (RFC 7009), and the revocation of a whole grant that refresh-token
//! reuse and code replay also trigger.
//!
//! A refresh token takes its whole family down (and so every access token of it, §2.1
//! "SHOULD also invalidate all access tokens based on the same authorization grant"); an
//! access token is revoked by `jti` until its expiry. Unknown, invalid or already revoked
//! tokens answer 200 (§2.2), so revocation cannot be used to probe for valid tokens. A
//! valid token that belongs to another client is refused (§2.1) and left alive.

use std::net::IpAddr;

use super::OAuthError;
use crate::domain::GrantId;
use crate::services::Services;
use crate::store::{ClientRecord, Revoked};
use crate::token::opaque::RefreshToken;

const NOT_YOURS: &str = "the token was not issued to this client";

/// RFC 7009 revocation by `caller`, recorded in the audit trail when it ends something
/// or is refused (an unknown or dead token changes nothing and is no event).
pub async fn revoke(
    services: &Services,
    caller: &ClientRecord,
    token: &str,
    address: IpAddr,
) -> Result<(), OAuthError> {
    let done = revoke_token(services, caller, token).await;
    if let Ok(Some(what)) | Err(Refused::NotYours(what)) = &done {
        let outcome = match &done {
            Ok(_) => Ok(()),
            Err(_) => Err(NOT_YOURS),
        };
        services
            .audit(
                &crate::audit::Actor::client(caller.id.as_str()),
                "token.revoke",
                Some(what),
                crate::audit::Context::request(Some(caller.id.as_str()), &address.to_string()),
                outcome.as_ref().map(|_| ()),
            )
            .await;
    }
    match done {
        Ok(_) => Ok(()),
        Err(Refused::NotYours(_)) => Err(OAuthError::UnauthorizedClient(NOT_YOURS.into())),
        Err(Refused::Failed(e)) => Err(e),
    }
}

enum Refused {
    /// Another client's token: what it was.
    NotYours(String),
    Failed(OAuthError),
}

impl From<OAuthError> for Refused {
    fn from(e: OAuthError) -> Self {
        Self::Failed(e)
    }
}

impl From<crate::store::StoreError> for Refused {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<crate::services::Unavailable> for Refused {
    fn from(e: crate::services::Unavailable) -> Self {
        Self::Failed(e.into())
    }
}

/// Revokes what `token` is, if it is live and `caller`'s: `Some` naming what ended.
async fn revoke_token(
    services: &Services,
    caller: &ClientRecord,
    token: &str,
) -> Result<Option<String>, Refused> {
    if let Ok(refresh) = RefreshToken::parse(token) {
        let Some(record) = services.store.refresh_token(&refresh.hash()).await? else {
            return Ok(None);
        };
        let what = format!("refresh family {}", record.grant.id);
        if record.grant.client_id != caller.id {
            return Err(Refused::NotYours(what));
        }
        revoke_grant(services, &record.grant.id).await?;
        return Ok(Some(what));
    }
    let Some(verified) = services.live_access_token(token).await? else {
        return Ok(None);
    };
    let claims = &verified.claims;
    let what = format!("access token {}", claims.jti);
    if claims.client_id != caller.id {
        return Err(Refused::NotYours(what));
    }
    // The entry lives exactly as long as the token could: past `exp` it is dead anyway.
    let record = services.revocation(Revoked::Token(claims.jti.clone()), claims.exp);
    services.revoke(&[record]).await?;
    Ok(Some(what))
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
