//! authorization_code (RFC 6749 §4.1.3, PKCE RFC 7636 §4.6).
//!
//! Every check runs before anything is written, so a wrong verifier, client or
//! redirect_uri leaves the code usable by its rightful owner. The code is then consumed
//! and its grant stored in one transaction. A code presented after its first use is a
//! replay: the grant of that first use is revoked with every token it produced
//! (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).

use super::{TokenResponse, issue};
use crate::domain::CodeVerifier;
use crate::oauth::OAuthError;
use crate::oauth::revoke::revoke_grant;
use crate::services::Services;
use crate::store::{ClientRecord, GrantRecord, Redemption};
use crate::token::opaque::AuthCode;

pub async fn exchange(
    services: &Services,
    client: &ClientRecord,
    code: &AuthCode,
    redirect_uri: Option<&str>,
    verifier: &CodeVerifier,
) -> Result<TokenResponse, OAuthError> {
    let invalid = |why: &str| OAuthError::InvalidGrant(why.into());
    let now = services.clock.now();
    let code_hash = code.hash();
    let record = services
        .store
        .code(&code_hash)
        .await?
        .ok_or_else(|| invalid("unknown authorization code"))?;
    if record.consumed_at.is_some() {
        tracing::warn!(grant_id = %record.grant_id, client_id = %record.client_id,
            "authorization code replayed; revoking its grant");
        revoke_grant(services, &record.grant_id).await?;
        return Err(invalid("authorization code already used"));
    }
    if record.expires_at <= now {
        return Err(invalid("authorization code expired"));
    }
    if record.client_id != client.id {
        return Err(invalid("authorization code was issued to another client"));
    }
    if redirect_uri.is_some_and(|r| r != record.redirect_uri.as_str()) {
        return Err(invalid(
            "redirect_uri differs from the authorization request",
        ));
    }
    if !record.code_challenge.is_satisfied_by(verifier) {
        return Err(invalid("PKCE verification failed"));
    }
    let user = services
        .store
        .user_by_id(&record.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| invalid("the user is no longer active"))?;

    let grant = GrantRecord {
        id: record.grant_id.clone(),
        client_id: client.id.clone(),
        user_id: Some(user.id.clone()),
        scope: record.scope.clone(),
        auth_time: Some(record.auth_time),
        created_at: now,
        revoked_at: None,
        access_expires_at: now + services.config.access_token_ttl,
    };
    let refresh = if client.may_use(crate::domain::GrantType::RefreshToken) {
        Some(issue::new_refresh_token(
            services,
            &grant.id,
            grant.created_at,
            now,
        )?)
    } else {
        None
    };
    let outcome = services
        .store
        .redeem_code(
            &code_hash,
            &grant,
            refresh.as_ref().map(|(_, row)| row),
            now,
        )
        .await?;
    if outcome == Redemption::Replayed {
        // Lost a race with a concurrent redemption of the same code.
        tracing::warn!(grant_id = %grant.id, "authorization code redeemed concurrently; revoking");
        revoke_grant(services, &grant.id).await?;
        return Err(invalid("authorization code already used"));
    }

    let access_token = issue::mint_access_token(services, &grant, user.id.as_str(), now)?;
    let id_token = if grant.scope.contains("openid") {
        let subject = issue::IdTokenFor {
            user_id: &user.id,
            user: Some(&user),
            nonce: record.nonce,
            access_token: &access_token,
        };
        Some(issue::mint_id_token(
            services,
            &grant,
            client.id_token_alg,
            subject,
            now,
        )?)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: services.config.access_token_ttl,
        refresh_token: refresh.map(|(t, _)| t.expose().to_owned()),
        id_token,
        scope: grant.scope,
    })
}
