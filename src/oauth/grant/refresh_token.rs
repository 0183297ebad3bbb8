//! refresh_token (RFC 6749 §6) with rotation and reuse detection (OAuth 2.1 §4.3.1,
//! RFC 9700 §4.14.2).
//!
//! Each use returns a new refresh token and retires the old one. A retired token
//! presented again means two parties hold the family: the whole family is revoked, with
//! every access token it minted. Checks that can fail on a bad request (wrong client,
//! scope widening) run first and change nothing.
//!
//! One exception, and reuse detection stays on through it: a client that lost the
//! response to a refresh may retry with the same token within the retry window
//! (`SIGIL_REFRESH_RETRY_WINDOW`, 10 s), and gets a new pair as long as the token it was
//! rotated into was never used. That successor is spent by the retry (so a party holding
//! it meets reuse detection when it tries), and the retried token now points at the new
//! one. Outside the window, or once the successor was used, it is reuse. (Hydra,
//! Keycloak and Rauthy instead accept the old token as it is during their grace period,
//! with no detection at all.) A request that loses a race for the same token, rather than
//! coming after the winner's answer, is a replay, as invariant 6 wants.

use std::net::IpAddr;

use super::{TokenResponse, issue};
use crate::domain::{GrantId, Scope};
use crate::oauth::OAuthError;
use crate::oauth::revoke::revoke_grant;
use crate::services::Services;
use crate::services::released;
use crate::store::{ClientRecord, GrantRecord, Redemption, RefreshRead, RefreshRecord, Successor};
use crate::token::opaque::RefreshToken;

/// A spent refresh token presented again, in the audit trail: its family is revoked.
async fn reuse_detected(
    services: &Services,
    client: &ClientRecord,
    grant: &GrantId,
    address: IpAddr,
) {
    services
        .audit(
            &crate::audit::Actor::client(client.id.as_str()),
            "refresh.reuse",
            Some(grant.as_str()),
            crate::audit::Context::request(Some(client.id.as_str()), &address.to_string()),
            Err(&"a spent refresh token was presented again: its family is revoked"),
        )
        .await;
}

/// Judges a refresh token that was not rotated in one step, and rotates it when that is
/// right: the checks run in an order where a bad request changes nothing, and reuse
/// revokes the family.
async fn spend(
    services: &Services,
    client: &ClientRecord,
    record: &RefreshRecord,
    successor: &Successor,
    requested: Option<&Scope>,
    address: IpAddr,
) -> Result<(), OAuthError> {
    let invalid = |why: &str| OAuthError::InvalidGrant(why.into());
    let now = successor.issued_at;
    // Another client's token proves nothing about this one's; refuse without touching
    // the family, which is not ours to revoke.
    if record.grant.client_id != client.id {
        return Err(invalid("refresh token was issued to another client"));
    }
    if record.grant.revoked_at.is_some() {
        // Written again each time: if the family's revocation once failed to reach the
        // view, this is where its access tokens stop reading active.
        revoke_grant(services, &record.grant.id).await?;
        return Err(invalid("refresh token revoked"));
    }
    // The token this request spends: the one presented, or, for a retry within the
    // window, the successor it was rotated into.
    let (spend, retried) = match (record.rotated_at, record.replaced_by) {
        (None, _) => (record.token_hash, None),
        (Some(rotated_at), Some(successor))
            if services.config.refresh_retry_window > 0
                && now - rotated_at <= services.config.refresh_retry_window =>
        {
            (successor, Some(record.token_hash))
        }
        (Some(_), _) => {
            tracing::warn!(grant_id = %record.grant.id, client_id = %client.id,
                "rotated refresh token reused; revoking its family");
            reuse_detected(services, client, &record.grant.id, address).await;
            revoke_grant(services, &record.grant.id).await?;
            return Err(invalid("refresh token already used"));
        }
    };
    if record.expires_at <= now {
        return Err(invalid("refresh token expired"));
    }
    if requested.is_some_and(|s| !s.is_subset(&record.grant.scope)) {
        return Err(OAuthError::InvalidScope(
            "a refresh cannot widen the original grant".into(),
        ));
    }
    if !record.user_active {
        return Err(invalid("the user is no longer active"));
    }
    match services
        .store
        .rotate_refresh(
            &spend,
            &successor.row_in(&record.grant),
            now,
            successor.access_expires_at,
            retried.as_ref(),
        )
        .await?
    {
        Redemption::Redeemed => Ok(()),
        Redemption::Replayed => {
            // Used concurrently; or, for a retry, its successor was used meanwhile.
            tracing::warn!(grant_id = %record.grant.id, retry = retried.is_some(),
                "refresh token used twice; revoking its family");
            reuse_detected(services, client, &record.grant.id, address).await;
            revoke_grant(services, &record.grant.id).await?;
            Err(invalid("refresh token already used"))
        }
    }
}

pub async fn exchange(
    services: &Services,
    client: &ClientRecord,
    token: &RefreshToken,
    requested: Option<Scope>,
    address: IpAddr,
) -> Result<TokenResponse, OAuthError> {
    let now = services.clock.now();
    let old_hash = token.hash();
    let new_token = RefreshToken::generate()?;
    let successor = issue::successor(services, &new_token, now);
    // The common case, a current token spent as it is, reads and rotates in one step. A
    // request that narrows the scope is read first, so that a refused scope spends nothing.
    let read = match requested {
        None => {
            services
                .store
                .refresh_and_rotate(&old_hash, &client.id, &successor)
                .await?
        }
        Some(_) => services
            .store
            .refresh_token(&old_hash)
            .await?
            .map(|record| RefreshRead {
                record,
                rotated: false,
            }),
    };
    let RefreshRead { record, rotated } =
        read.ok_or_else(|| OAuthError::InvalidGrant("unknown refresh token".into()))?;
    if !rotated {
        spend(
            services,
            client,
            &record,
            &successor,
            requested.as_ref(),
            address,
        )
        .await?;
    }
    let scope = requested.unwrap_or_else(|| record.grant.scope.clone());
    let subject = match &record.grant.user_id {
        Some(user_id) => user_id.as_str().to_owned(),
        None => client.id.as_str().to_owned(),
    };

    let narrowed = GrantRecord {
        scope,
        ..record.grant.clone()
    };
    let access_token = issue::mint_access_token(services, &narrowed, &subject, now)?;
    let id_token = match &narrowed.user_id {
        Some(user_id) if narrowed.scope.contains("openid") => {
            // Read only when the scope releases something from it: a plain `openid`
            // refresh stays at one round trip.
            let user = if released::needs_user(&narrowed.scope) {
                services.store.user_by_id(user_id).await?
            } else {
                None
            };
            let subject = issue::IdTokenFor {
                user_id,
                user: user.as_ref(),
                nonce: None,
                access_token: &access_token,
            };
            Some(issue::mint_id_token(
                services,
                &narrowed,
                client.id_token_alg,
                subject,
                now,
            )?)
        }
        _ => None,
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: services.config.access_token_ttl,
        refresh_token: Some(new_token.expose().to_owned()),
        id_token,
        scope: narrowed.scope,
    })
}
