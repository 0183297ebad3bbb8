//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the checks of a logout
//! request and the end of the browser session. The pages, cookies and the confirmation's
//! CSRF check are HTTP's (`http::logout`).
//!
//! - `id_token_hint` must be an ID token of ours; an expired one still names its subject
//!   and client, which is all it is used for.
//! - `post_logout_redirect_uri` must equal one of the client's registered URIs exactly;
//!   the client is the hint's audience or `client_id` (both, when given, must agree).
//!   Anything else is an error page, never a redirect: an unchecked URI would make
//!   /logout an open redirect.
//! - The person confirms on a page unless the hint names the user of the session being
//!   ended, so a third party cannot log anyone out silently.

use crate::domain::{ClientId, RedirectUri, State};
use crate::services::Services;
use crate::store::{ClientRecord, StoreError};
use crate::token::jwt;
use crate::token::opaque::SessionId;

/// The request's parameters, as sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogoutParams<'a> {
    pub id_token_hint: Option<&'a str>,
    pub post_logout_redirect_uri: Option<&'a str>,
    pub state: Option<&'a str>,
    pub client_id: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    /// Shown to the person; nothing is ended and no one is redirected.
    #[error("{0}")]
    Invalid(&'static str),
    /// The keys cannot be read: try again.
    #[error("the signing keys are unavailable")]
    Unavailable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A checked logout request.
#[derive(Debug)]
pub struct Logout {
    /// Where the browser goes once the session has ended (with `state`), if anywhere.
    pub then: Option<String>,
    /// The person must confirm first.
    pub confirm: bool,
    /// The client that asked, to name on the confirmation page.
    pub client_name: Option<String>,
}

pub async fn check(
    services: &Services,
    params: LogoutParams<'_>,
    session_cookie: Option<&str>,
) -> Result<Logout, LogoutError> {
    let hint = match params.id_token_hint {
        None => None,
        Some(token) => {
            let keys = services.keys.current().map_err(|e| {
                tracing::error!(error = %e, "no key set to check an id_token_hint with");
                LogoutError::Unavailable
            })?;
            Some(
                jwt::verify_id_token_hint(&keys, token, &services.config.issuer)
                    .map_err(|_| LogoutError::Invalid("The id_token_hint is not valid."))?,
            )
        }
    };
    let client_id = match (hint.as_ref().map(|h| h.aud.as_str()), params.client_id) {
        (Some(aud), Some(id)) if aud != id => {
            return Err(LogoutError::Invalid(
                "The client_id is not the one the id_token_hint was issued to.",
            ));
        }
        (Some(id), _) | (None, Some(id)) => Some(id),
        (None, None) => None,
    };
    let client = match client_id {
        None => None,
        Some(raw) => Some(client(services, raw).await?),
    };
    let then = match params.post_logout_redirect_uri {
        None => None,
        Some(requested) => {
            let client = client.as_ref().ok_or(LogoutError::Invalid(
                "A post_logout_redirect_uri needs an id_token_hint or a client_id.",
            ))?;
            let uri = registered(client, requested)?;
            let state = params
                .state
                .map(State::parse)
                .transpose()
                .map_err(|_| LogoutError::Invalid("The state is not valid."))?;
            Some(match &state {
                Some(s) => uri.with_query(&[("state", s.as_str())]),
                None => uri.with_query(&[]),
            })
        }
    };
    let session_user = match session_cookie.and_then(|c| SessionId::parse(c).ok()) {
        Some(id) => services
            .store
            .session(&id.hash(), services.clock.now())
            .await?
            .map(|s| s.user_id),
        None => None,
    };
    // Nothing to end, nothing to confirm; otherwise only a hint naming this very user
    // speaks for them.
    let confirm = session_user.is_some_and(|user| hint.is_none_or(|h| h.sub != user.as_str()));
    Ok(Logout {
        then,
        confirm,
        client_name: client.map(|c| c.name),
    })
}

/// Ends the browser session of `session_cookie`, if it names one.
pub async fn end_session(
    services: &Services,
    session_cookie: Option<&str>,
) -> Result<(), LogoutError> {
    if let Some(id) = session_cookie.and_then(|c| SessionId::parse(c).ok()) {
        services.store.end_session(&id.hash()).await?;
    }
    Ok(())
}

async fn client(services: &Services, raw: &str) -> Result<ClientRecord, LogoutError> {
    let unknown = LogoutError::Invalid("The application is not registered here.");
    let Ok(id) = ClientId::parse(raw) else {
        return Err(unknown);
    };
    services.store.client(&id).await?.ok_or(unknown)
}

fn registered<'a>(
    client: &'a ClientRecord,
    requested: &str,
) -> Result<&'a RedirectUri, LogoutError> {
    client
        .post_logout_redirect_uris
        .iter()
        .find(|u| u.as_str() == requested)
        .ok_or(LogoutError::Invalid(
            "The post_logout_redirect_uri is not registered for this application.",
        ))
}
