//! People logging in: password checks and browser sessions.
//!
//! An unknown user, a disabled user and a wrong password take the same path, the same
//! argon2 work (against a dummy hash when there is no user) and the same answer, so
//! neither the message nor the timing tells whether an account exists.
//!
//! This module knows nothing of OAuth: `oauth::authorize` calls it and turns a
//! [`LoginError`] into the protocol's answer.

use crate::clock::UnixTime;
use crate::crypto::CryptoError;
use crate::crypto::passwords::Verified;
use crate::domain::Username;
use crate::limits::{LimitError, Verdict};
use crate::services::Services;
use crate::store::{AuditEvent, CodeRecord, SessionRecord, SessionStart, StoreError, UserRecord};
use crate::token::opaque::SessionId;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The one answer for every bad credential.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password pool is full: try again shortly.
    #[error("the password pool is saturated")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(CryptoError),
    /// Too many failed attempts for this account or from this address: try after this.
    #[error("too many failed attempts")]
    Limited(std::time::Duration),
    #[error(transparent)]
    Limiter(#[from] LimitError),
}

impl From<CryptoError> for LoginError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::Busy => Self::Busy,
            other => Self::Crypto(other),
        }
    }
}

/// Checks a username and password from `address`. Exactly one argon2 verification runs
/// per call, whatever the outcome, unless the caller is over a guessing limit: then none
/// runs at all.
/// The account a login attempt is about, as the guessing limits count it and the audit
/// trail names it: the name as the account would have it, existing or not; a name that
/// does not parse, as typed, bounded to 256 characters and lower-cased.
pub fn account_key(username: &str) -> String {
    match Username::parse(username) {
        Ok(n) => n.as_str().to_owned(),
        Err(_) => username
            .chars()
            .take(256)
            .collect::<String>()
            .to_lowercase(),
    }
}

pub async fn authenticate(
    services: &Services,
    username: &str,
    password: &str,
    address: &str,
) -> Result<UserRecord, LoginError> {
    let name = Username::parse(username);
    let account = account_key(username);
    let counters = services.config.limits.login(&account, address);
    if let Verdict::Limited(wait) = services.limits.check(&counters).await? {
        crate::metrics::get().rate_limited("login");
        return Err(LoginError::Limited(wait));
    }
    let result = check_password(services, name.ok(), password).await;
    if matches!(result, Err(LoginError::InvalidCredentials)) {
        services.limits.charge(&counters).await?;
        // The failure that reached a limit is the lockout, recorded once; the attempts
        // refused while it lasts cost no store write (a flood of them must stay cheap).
        if let Verdict::Limited(_) = services.limits.check(&counters).await? {
            services
                .audit(
                    &crate::audit::Actor::person(),
                    "login.lockout",
                    Some(&account),
                    crate::audit::Context::request(None, address),
                    Err(&"too many failed logins: locked out"),
                )
                .await;
        }
    }
    result
}

async fn check_password(
    services: &Services,
    name: Option<Username>,
    password: &str,
) -> Result<UserRecord, LoginError> {
    let user = match name {
        Some(name) => services.store.user_by_username(&name).await?,
        None => None,
    };
    let verified = services
        .passwords
        .verify(user.as_ref().map(|u| u.password_hash.as_str()), password)
        .await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        return Err(LoginError::InvalidCredentials);
    };
    match verified {
        Verified::No => Err(LoginError::InvalidCredentials),
        Verified::Yes => Ok(user),
        Verified::YesRehashed(phc) => {
            // Best effort: the login succeeds with the old hash if the update fails.
            if let Err(e) = services.store.set_password_hash(&user.id, &phc).await {
                tracing::warn!(error = %e, "could not store the re-hashed password");
            }
            Ok(user)
        }
    }
}

/// What a successful login writes besides its session, in the same transaction: its
/// audit event and, when the login leads straight to the caller's protocol step, what
/// that step issues (an authorization code), so neither exists without the other.
pub struct Alongside {
    pub event: AuditEvent,
    pub code: Option<CodeRecord>,
}

/// Starts a browser session for `user`, who authenticated at `auth_time`, ending the one
/// the browser held before (its cookie, `previous`): a login replaces a session, whoever
/// it belonged to, so a cookie once replaced authenticates nothing even if it was
/// copied. Everything is one write: on Postgres, one statement.
pub async fn start_session(
    services: &Services,
    user: &UserRecord,
    previous: Option<&str>,
    auth_time: UnixTime,
    alongside: Alongside,
) -> Result<SessionId, LoginError> {
    let id = SessionId::generate()?;
    services
        .store
        .start_session(&SessionStart {
            replaces: previous
                .and_then(|c| SessionId::parse(c).ok())
                .map(|old| old.hash()),
            session: SessionRecord {
                id_hash: id.hash(),
                user_id: user.id.clone(),
                auth_time,
                expires_at: auth_time + services.config.session_ttl,
                idle_expires_at: auth_time + services.config.session_idle_ttl,
            },
            event: alongside.event,
            code: alongside.code,
        })
        .await?;
    Ok(id)
}

/// The logged-in user of a session cookie, if it names a live session of an active user.
/// A session lives until its absolute end, and until it has gone unused for the idle
/// lifetime, whichever comes first.
pub async fn current_user(
    services: &Services,
    cookie: Option<&str>,
) -> Result<Option<(UserRecord, UnixTime)>, LoginError> {
    let Some(id) = cookie.and_then(|c| SessionId::parse(c).ok()) else {
        return Ok(None);
    };
    let now = services.clock.now();
    let Some(session) = services.store.session(&id.hash(), now).await? else {
        return Ok(None);
    };
    let user = services.store.user_by_id(&session.user_id).await?;
    // Used: the idle end moves forward, never past the absolute one.
    let until = (now + services.config.session_idle_ttl).min(session.expires_at);
    services
        .store
        .touch_session(&session.id_hash, until)
        .await?;
    Ok(user.filter(|u| !u.disabled).map(|u| (u, session.auth_time)))
}
