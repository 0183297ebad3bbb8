//! client_credentials (RFC 6749 §4.4): a confidential client acting for itself.

use super::{TokenResponse, issue};
use crate::domain::{GrantId, Scope};
use crate::oauth::OAuthError;
use crate::services::Services;
use crate::store::{ClientRecord, GrantRecord};

pub async fn exchange(
    services: &Services,
    client: &ClientRecord,
    scope: Option<Scope>,
) -> Result<TokenResponse, OAuthError> {
    if client.is_public() {
        return Err(OAuthError::UnauthorizedClient(
            "a public client cannot use client_credentials".into(),
        ));
    }
    // No user is present, so there is no identity for `openid` to describe.
    let allowed = client.scope.without("openid");
    let scope = scope.unwrap_or_else(|| allowed.clone());
    if !scope.is_subset(&allowed) {
        return Err(OAuthError::InvalidScope(
            "a requested scope is not allowed for this client".into(),
        ));
    }
    let now = services.clock.now();
    // Each issuance is its own grant: revoking it revokes exactly this token's kin.
    let grant = GrantRecord {
        id: crate::crypto::new_id(GrantId::from_random)?,
        client_id: client.id.clone(),
        user_id: None,
        scope,
        auth_time: None,
        created_at: now,
        revoked_at: None,
        access_expires_at: now + services.config.access_token_ttl,
    };
    let access_token = issue::mint_access_token(services, &grant, client.id.as_str(), now)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: services.config.access_token_ttl,
        refresh_token: None,
        id_token: None,
        scope: grant.scope,
    })
}
