//! Consent: whether a person is asked before a client gets a code, and their answer.
//!
//! A first-party client (registered with `--first-party`, operated by whoever runs
//! sigil, never a public client) is not asked about. Any other client is, unless the
//! person already granted it every scope it asks for now; `prompt=consent` asks anyway.
//! What was granted is remembered per user and client, so a client that later asks for
//! a new scope is asked about that again, and `sigil users consents --revoke` withdraws it.

use super::{AuthorizeRequest, Delivery, issue_code};
use crate::domain::UserId;
use crate::login;
use crate::oauth::OAuthError;
use crate::services::Services;
use crate::store::ConsentRecord;

/// Whether `user` must be asked before `request`'s client gets a code.
pub(super) async fn needed(
    services: &Services,
    request: &AuthorizeRequest,
    user: &UserId,
) -> Result<bool, OAuthError> {
    if request.ask_consent {
        return Ok(true);
    }
    if request.client.first_party {
        return Ok(false);
    }
    let stored = services.store.consent(user, &request.client.id).await?;
    Ok(stored.is_none_or(|c| !request.scope.is_subset(&c.scope)))
}

/// What the consent page's answer leads to.
pub enum Decided {
    /// The code, or `access_denied`, to the client.
    Deliver(Delivery),
    /// The session ended meanwhile: sign in again.
    SignInAgain,
}

/// The person's answer on the consent page for `request`, in the browser session
/// `session_cookie`. Allowing records the consent (with what was granted before) and
/// issues the code; refusing sends `access_denied` and records nothing.
pub async fn decide(
    services: &Services,
    request: &AuthorizeRequest,
    session_cookie: Option<&str>,
    allow: bool,
    address: &str,
) -> Result<Decided, OAuthError> {
    let Some((user, auth_time)) = login::current_user(services, session_cookie).await? else {
        return Ok(Decided::SignInAgain);
    };
    let action = if allow {
        "consent.grant"
    } else {
        "consent.deny"
    };
    services
        .audit(
            &crate::audit::Actor::person(),
            action,
            Some(user.username.as_str()),
            crate::audit::Context::request(Some(request.client.id.as_str()), address),
            Ok::<(), &&str>(()),
        )
        .await;
    if !allow {
        let denied = OAuthError::AccessDenied("the person did not allow it".into());
        return Ok(Decided::Deliver(
            request.error(denied, &services.config.issuer),
        ));
    }
    let before = services.store.consent(&user.id, &request.client.id).await?;
    let scope = match before {
        Some(c) => c.scope.union(&request.scope),
        None => request.scope.clone(),
    };
    services
        .store
        .grant_consent(&ConsentRecord {
            user_id: user.id.clone(),
            client_id: request.client.id.clone(),
            scope,
            granted_at: services.clock.now(),
        })
        .await?;
    let delivery = issue_code(services, request, &user.id, auth_time).await?;
    Ok(Decided::Deliver(delivery))
}
