//! One function per authorization-request check; `super::validate` fixes their order.

use std::sync::Arc;

use super::{AuthorizeError, ErrorRedirect, Prompt, ResponseMode};
use crate::domain::{
    ClientId, CodeChallenge, GrantType, Nonce, RedirectUri, Scope, State, Username,
};
use crate::oauth::OAuthError;
use crate::oauth::form::Form;
use crate::services::Services;
use crate::store::ClientRecord;

pub struct Ctx<'a> {
    pub client: &'a ClientRecord,
    pub redirect_uri: &'a RedirectUri,
    pub state: Option<State>,
    /// How errors reach the client once `response_mode` is known.
    pub mode: ResponseMode,
}

impl Ctx<'_> {
    fn fail(&self, error: OAuthError) -> AuthorizeError {
        AuthorizeError::Redirect(ErrorRedirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            mode: self.mode,
            error,
        })
    }
}

/// The client an authorization request names, from the same in-process copy /token uses
/// (a store read only when this instance has none, or it changed): each step of a
/// browser's login re-checks the request, so each would otherwise cost a round trip.
pub async fn client(services: &Services, form: &Form) -> Result<Arc<ClientRecord>, AuthorizeError> {
    let raw = form
        .get("client_id")
        .ok_or_else(|| AuthorizeError::Page("The request has no client_id.".into()))?;
    let id = ClientId::parse(raw)
        .map_err(|_| AuthorizeError::Page("The client_id is not valid.".into()))?;
    services
        .client(&id)
        .await
        .map_err(|e| AuthorizeError::Unavailable(e.into()))?
        .filter(|c| !c.disabled)
        .ok_or_else(|| {
            AuthorizeError::Page("The application is not registered here, or disabled.".into())
        })
}

pub fn redirect_uri(client: &ClientRecord, form: &Form) -> Result<RedirectUri, AuthorizeError> {
    let unregistered =
        || AuthorizeError::Page("The redirect_uri is not registered for this application.".into());
    match form.get("redirect_uri") {
        Some(requested) => {
            if !client
                .redirect_uris
                .iter()
                .any(|r| r.matches(requested, client.is_public()))
            {
                return Err(unregistered());
            }
            // It matched a registered URI (exactly, or but for a loopback port), so it
            // meets the registration rules too; the parse only makes that a type.
            RedirectUri::parse(requested).map_err(|_| unregistered())
        }
        // Optional only when there is exactly one to choose (RFC 6749 §3.1.2.3), and
        // never in an OpenID request (OIDC Core §3.1.2.1 requires it).
        None => match client.redirect_uris.as_slice() {
            [only] if !is_openid(form) => Ok(only.clone()),
            _ => Err(AuthorizeError::Page(
                "The request has no redirect_uri.".into(),
            )),
        },
    }
}

/// An OpenID Connect request: its scope names `openid`.
fn is_openid(form: &Form) -> bool {
    form.get("scope")
        .is_some_and(|s| s.split(' ').any(|token| token == "openid"))
}

/// A malformed `state` cannot be echoed back, so the error goes without it.
pub fn state(ctx: &Ctx<'_>, form: &Form) -> Result<Option<State>, AuthorizeError> {
    form.get("state")
        .map(State::parse)
        .transpose()
        .map_err(|e| ctx.fail(OAuthError::invalid_request(e.0)))
}

/// `query` or `form_post`; an unknown mode's error goes back in the query, the default.
pub fn response_mode(ctx: &Ctx<'_>, form: &Form) -> Result<ResponseMode, AuthorizeError> {
    match form.get("response_mode") {
        None | Some("query") => Ok(ResponseMode::Query),
        Some("form_post") => Ok(ResponseMode::FormPost),
        Some(_) => Err(ctx.fail(OAuthError::invalid_request(
            "response_mode must be query or form_post",
        ))),
    }
}

pub fn response_type(ctx: &Ctx<'_>, form: &Form) -> Result<(), AuthorizeError> {
    match form.get("response_type") {
        Some("code") => Ok(()),
        None => Err(ctx.fail(OAuthError::invalid_request(
            "missing parameter response_type",
        ))),
        Some(_) => Err(ctx.fail(OAuthError::UnsupportedResponseType)),
    }
}

pub fn client_may_use_code(ctx: &Ctx<'_>) -> Result<(), AuthorizeError> {
    if ctx.client.may_use(GrantType::AuthorizationCode) {
        Ok(())
    } else {
        Err(ctx.fail(OAuthError::UnauthorizedClient(
            "this client may not use the authorization_code grant".into(),
        )))
    }
}

/// Request objects (OIDC Core §6) are not supported, and say so with their own codes, so
/// a relying party can tell it to send plain parameters.
pub fn no_request_objects(ctx: &Ctx<'_>, form: &Form) -> Result<(), AuthorizeError> {
    if form.get("request").is_some() {
        return Err(ctx.fail(OAuthError::RequestNotSupported));
    }
    if form.get("request_uri").is_some() {
        return Err(ctx.fail(OAuthError::RequestUriNotSupported));
    }
    Ok(())
}

pub fn scope(ctx: &Ctx<'_>, form: &Form) -> Result<Scope, AuthorizeError> {
    let scope = match form.get("scope") {
        Some(raw) => {
            Scope::parse(raw).map_err(|e| ctx.fail(OAuthError::InvalidScope(e.0.into())))?
        }
        None => ctx.client.scope.clone(),
    };
    if !scope.is_subset(&ctx.client.scope) {
        return Err(ctx.fail(OAuthError::InvalidScope(
            "a requested scope is not allowed for this client".into(),
        )));
    }
    Ok(scope)
}

pub fn pkce(ctx: &Ctx<'_>, form: &Form) -> Result<CodeChallenge, AuthorizeError> {
    let challenge = form.get("code_challenge").ok_or_else(|| {
        ctx.fail(OAuthError::invalid_request(
            "PKCE code_challenge is required",
        ))
    })?;
    CodeChallenge::parse(challenge, form.get("code_challenge_method"))
        .map_err(|e| ctx.fail(OAuthError::invalid_request(e.0)))
}

pub fn nonce(ctx: &Ctx<'_>, form: &Form) -> Result<Option<Nonce>, AuthorizeError> {
    form.get("nonce")
        .map(Nonce::parse)
        .transpose()
        .map_err(|e| ctx.fail(OAuthError::invalid_request(e.0)))
}

/// `prompt=consent` (alone, or with `login`).
pub fn asks_consent(form: &Form) -> bool {
    form.get("prompt")
        .is_some_and(|p| p.split(' ').any(|v| v == "consent"))
}

pub fn prompt(ctx: &Ctx<'_>, form: &Form) -> Result<Prompt, AuthorizeError> {
    let Some(raw) = form.get("prompt") else {
        return Ok(Prompt::Default);
    };
    let values: Vec<&str> = raw.split(' ').collect();
    if values.contains(&"none") {
        // OIDC Core §3.1.2.1: none with anything else is an error.
        if values.len() > 1 {
            return Err(ctx.fail(OAuthError::invalid_request("prompt=none stands alone")));
        }
        return Ok(Prompt::None);
    }
    if values.contains(&"login") {
        return Ok(Prompt::Login);
    }
    if values
        .iter()
        .all(|v| matches!(*v, "consent" | "select_account"))
    {
        return Ok(Prompt::Default);
    }
    Err(ctx.fail(OAuthError::invalid_request("unsupported prompt value")))
}

/// OIDC `max_age` (§3.1.2.1): whole seconds, at most a year (a larger one means nothing a
/// session could not already satisfy, and bounds the arithmetic).
pub fn max_age(ctx: &Ctx<'_>, form: &Form) -> Result<Option<i64>, AuthorizeError> {
    const YEAR: i64 = 365 * 86_400;
    let Some(raw) = form.get("max_age") else {
        return Ok(None);
    };
    let digits = !raw.is_empty() && raw.len() <= 12 && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<i64>() {
        Ok(seconds) if digits => Ok(Some(seconds.min(YEAR))),
        _ => Err(ctx.fail(OAuthError::invalid_request(
            "max_age must be a whole number of seconds",
        ))),
    }
}

/// OIDC `login_hint`: only a hint, so one that is not a username is ignored rather than
/// refused.
pub fn login_hint(form: &Form) -> Option<Username> {
    form.get("login_hint").and_then(|h| Username::parse(h).ok())
}
