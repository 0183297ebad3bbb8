//! The authorization endpoint's request checks (RFC 6749 §4.1.1, OIDC Core §3.1.2),
//! run in the order below, and the issuing of a code once a person is logged in.
//!
//! Until the client and its redirect_uri are verified an error is shown to the person,
//! never redirected: redirecting on an unverified URI is an open redirect (RFC 9700
//! §4.11). After that, errors go back to the client's redirect_uri with `state` and
//! `iss` (RFC 9207).

mod checks;
mod consent;

pub use consent::{Decided, decide};

use std::sync::Arc;

use super::OAuthError;
use super::form::Form;
use crate::clock::UnixTime;
use crate::domain::{CodeChallenge, GrantId, Nonce, RedirectUri, Scope, State, UserId, Username};
use crate::login::{self, LoginError};
use crate::services::Services;
use crate::store::{ClientRecord, CodeRecord};
use crate::token::opaque::{AuthCode, SessionId};

/// OIDC `prompt`, the values sigil acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Use the session if there is one, else show the login form.
    Default,
    /// Never show a page: a code if there is a session, `login_required` otherwise.
    None,
    /// Show the login form even with a session.
    Login,
}

/// How the response reaches the client (OAuth 2.0 Multiple Response Type Encoding
/// Practices §2.1, and Form Post Response Mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// In the redirect's query string: the default for `code`.
    Query,
    /// POSTed by the browser from an auto-submitting form, so the code never appears in
    /// a URL (history, logs, Referer).
    FormPost,
}

/// A response to the client at its verified redirect_uri.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub redirect_uri: RedirectUri,
    pub params: Vec<(&'static str, String)>,
    pub mode: ResponseMode,
}

impl Delivery {
    /// The redirect carrying the parameters in its query.
    pub fn location(&self) -> String {
        let pairs: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.redirect_uri.with_query(&pairs)
    }
}

/// A fully checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub client: Arc<ClientRecord>,
    pub redirect_uri: RedirectUri,
    pub state: Option<State>,
    pub scope: Scope,
    pub challenge: CodeChallenge,
    pub nonce: Option<Nonce>,
    pub prompt: Prompt,
    /// `prompt=consent`: ask the person even if they consented before.
    pub ask_consent: bool,
    pub response_mode: ResponseMode,
    /// OIDC `max_age`: a session whose authentication is older than this many seconds
    /// does not count; the person enters the password again.
    pub max_age: Option<i64>,
    /// OIDC `login_hint`, when it is a username: the login form starts with it.
    pub login_hint: Option<Username>,
}

impl AuthorizeRequest {
    /// `error` as the answer to this request's client.
    pub fn error(&self, error: OAuthError, issuer: &str) -> Delivery {
        ErrorRedirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            mode: self.response_mode,
            error,
        }
        .delivery(issuer)
    }
}

/// Where an error goes.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Shown to the person; the client or redirect_uri could not be trusted.
    Page(String),
    /// Sent back to the verified redirect_uri.
    Redirect(ErrorRedirect),
    /// A dependency failed before the redirect_uri was known good.
    Unavailable(OAuthError),
}

#[derive(Debug)]
pub struct ErrorRedirect {
    pub redirect_uri: RedirectUri,
    pub state: Option<State>,
    pub mode: ResponseMode,
    pub error: OAuthError,
}

impl ErrorRedirect {
    /// This error as a response to the client, with `state` and `iss` (RFC 9207).
    pub fn delivery(self, issuer: &str) -> Delivery {
        let mut params = vec![("error", self.error.code().to_owned())];
        if let Some(d) = self.error.description() {
            params.push(("error_description", d));
        }
        if let Some(s) = &self.state {
            params.push(("state", s.as_str().to_owned()));
        }
        params.push(("iss", issuer.to_owned()));
        Delivery {
            redirect_uri: self.redirect_uri,
            params,
            mode: self.mode,
        }
    }
}

/// Checks an authorization request, from a query string or a POSTed form.
pub async fn validate(
    services: &Services,
    form: &Form,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let client = checks::client(services, form).await?;
    let redirect_uri = checks::redirect_uri(&client, form)?;
    let mut ctx = checks::Ctx {
        client: &client,
        redirect_uri: &redirect_uri,
        state: None,
        mode: ResponseMode::Query,
    };
    ctx.state = checks::state(&ctx, form)?;
    ctx.mode = checks::response_mode(&ctx, form)?;
    checks::response_type(&ctx, form)?;
    checks::client_may_use_code(&ctx)?;
    checks::no_request_objects(&ctx, form)?;
    let scope = checks::scope(&ctx, form)?;
    let challenge = checks::pkce(&ctx, form)?;
    let nonce = checks::nonce(&ctx, form)?;
    let prompt = checks::prompt(&ctx, form)?;
    let ask_consent = checks::asks_consent(form);
    let max_age = checks::max_age(&ctx, form)?;
    let login_hint = checks::login_hint(form);
    let state = ctx.state.take();
    let response_mode = ctx.mode;
    Ok(AuthorizeRequest {
        redirect_uri,
        state,
        response_mode,
        scope,
        challenge,
        nonce,
        prompt,
        ask_consent,
        max_age,
        login_hint,
        client,
    })
}

/// What /authorize does with a checked request.
#[derive(Debug)]
pub enum Outcome {
    /// Answer the client (a code, or an error the client asked for with prompt=none).
    Deliver(Delivery),
    /// Show the login form for this request.
    Login(Box<AuthorizeRequest>),
    /// Ask the signed-in person whether the client may have what it asks for.
    Consent(Box<AuthorizeRequest>),
}

/// Decides between a code for the session's user, the consent page, `login_required` or
/// `consent_required` under `prompt=none`, and the login form. A session counts unless
/// `prompt=login` asks for the form, or its authentication is older than `max_age`.
pub async fn proceed(
    services: &Services,
    request: AuthorizeRequest,
    session_cookie: Option<&str>,
) -> Result<Outcome, OAuthError> {
    let now = services.clock.now();
    let fresh_enough =
        |auth_time: UnixTime| request.max_age.is_none_or(|max| now - auth_time <= max);
    if request.prompt != Prompt::Login
        && let Some((user, auth_time)) = login::current_user(services, session_cookie).await?
        && fresh_enough(auth_time)
    {
        if consent::needed(services, &request, &user.id).await? {
            if request.prompt == Prompt::None {
                return Ok(Outcome::Deliver(
                    request.error(OAuthError::ConsentRequired, &services.config.issuer),
                ));
            }
            return Ok(Outcome::Consent(Box::new(request)));
        }
        let delivery = issue_code(services, &request, &user.id, auth_time).await?;
        return Ok(Outcome::Deliver(delivery));
    }
    if request.prompt == Prompt::None {
        return Ok(Outcome::Deliver(
            request.error(OAuthError::LoginRequired, &services.config.issuer),
        ));
    }
    Ok(Outcome::Login(Box::new(request)))
}

/// A person who has just signed in: the browser session to set, and what comes next.
pub struct SignedIn {
    pub session: SessionId,
    pub next: Next,
}

pub enum Next {
    /// The code, to the client.
    Deliver(Delivery),
    /// The consent page first.
    Consent,
}

#[derive(Debug)]
pub enum SignInError {
    /// Wrong username or password, or an account that may not sign in: the person is
    /// shown the form again, with one message for all of these.
    InvalidCredentials,
    /// Too many failed attempts for this account or from this address; no password was
    /// checked. Try again after this long.
    Limited(std::time::Duration),
    Failed(OAuthError),
}

/// What the login form brought: the credentials, where they came from, and the session
/// cookie the browser already held, if any.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub address: &'a str,
    pub session_cookie: Option<&'a str>,
}

/// The login form's protocol step: checks the credentials, starts a session (ending the
/// browser's previous one) and issues the code for the (already validated) authorization
/// request. A successful login's audit event, its session and its code are one write.
pub async fn sign_in(
    services: &Services,
    request: &AuthorizeRequest,
    attempt: Attempt<'_>,
) -> Result<SignedIn, SignInError> {
    let failed = |e: LoginError| match e {
        LoginError::InvalidCredentials => SignInError::InvalidCredentials,
        LoginError::Limited(wait) => SignInError::Limited(wait),
        other => SignInError::Failed(other.into()),
    };
    let authenticated = login::authenticate(
        services,
        attempt.username,
        attempt.password,
        attempt.address,
    )
    .await;
    // Bounded: whatever was typed as a username lands in the trail.
    let account = login::account_key(attempt.username);
    let context = crate::audit::Context::request(Some(request.client.id.as_str()), attempt.address);
    let user = match authenticated {
        Ok(user) => user,
        Err(e) => {
            // A refusal while locked out (the lockout itself is `login.lockout`), or a
            // dependency that failed, decided nothing about the person, and a flood of
            // such attempts must cost no store write.
            if matches!(e, LoginError::InvalidCredentials) {
                services
                    .audit(
                        &crate::audit::Actor::person(),
                        "login",
                        Some(&account),
                        context,
                        Err(&"invalid credentials"),
                    )
                    .await;
            }
            return Err(failed(e));
        }
    };
    let ask = consent::needed(services, request, &user.id)
        .await
        .map_err(SignInError::Failed)?;
    let auth_time = services.clock.now();
    let (code, next) = if ask {
        (None, Next::Consent)
    } else {
        let (code, delivery) =
            new_code(services, request, &user.id, auth_time).map_err(SignInError::Failed)?;
        (Some(code), Next::Deliver(delivery))
    };
    let event = crate::audit::event(
        &crate::audit::Actor::person(),
        "login",
        Some(&account),
        context,
        Ok(()),
        auth_time,
    )
    .map_err(|e| SignInError::Failed(e.into()))?;
    let session = login::start_session(
        services,
        &user,
        attempt.session_cookie,
        auth_time,
        login::Alongside { event, code },
    )
    .await
    .map_err(failed)?;
    Ok(SignedIn { session, next })
}

/// A code for `user_id`, not yet stored, and the response that delivers it.
fn new_code(
    services: &Services,
    request: &AuthorizeRequest,
    user_id: &UserId,
    auth_time: UnixTime,
) -> Result<(CodeRecord, Delivery), OAuthError> {
    let code = AuthCode::generate()?;
    let record = CodeRecord {
        code_hash: code.hash(),
        client_id: request.client.id.clone(),
        user_id: user_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scope: request.scope.clone(),
        code_challenge: request.challenge.clone(),
        nonce: request.nonce.clone(),
        auth_time,
        grant_id: crate::crypto::new_id(GrantId::from_random)?,
        expires_at: services.clock.now() + services.config.code_ttl,
        consumed_at: None,
    };
    let mut params = vec![("code", code.expose().to_owned())];
    if let Some(s) = &request.state {
        params.push(("state", s.as_str().to_owned()));
    }
    params.push(("iss", services.config.issuer.clone()));
    let delivery = Delivery {
        redirect_uri: request.redirect_uri.clone(),
        params,
        mode: request.response_mode,
    };
    Ok((record, delivery))
}

/// Issues a code for `user_id` and returns the response that delivers it.
async fn issue_code(
    services: &Services,
    request: &AuthorizeRequest,
    user_id: &UserId,
    auth_time: UnixTime,
) -> Result<Delivery, OAuthError> {
    let (record, delivery) = new_code(services, request, user_id, auth_time)?;
    services.store.create_code(&record).await?;
    Ok(delivery)
}
