//! People logging in: password checks and browser sessions.
//!
//! An unknown user, a disabled user and a wrong password take the same path, the same
//! argon2 work (against a dummy hash when there is no user) and the same answer, so
//! neither the message nor the timing tells whether an account exists.

use crate::clock::UnixTime;
use crate::crypto::CryptoError;
use crate::crypto::passwords::Verified;
use crate::domain::Username;
use crate::oauth::OAuthError;
use crate::services::Services;
use crate::store::{SessionRecord, UserRecord};
use crate::token::opaque::SessionId;

#[derive(Debug)]
pub enum LoginError {
    /// The one answer for every bad credential.
    InvalidCredentials,
    Unavailable(OAuthError),
}

impl From<OAuthError> for LoginError {
    fn from(e: OAuthError) -> Self {
        Self::Unavailable(e)
    }
}

pub async fn authenticate(
    services: &Services,
    username: &str,
    password: &str,
) -> Result<UserRecord, LoginError> {
    let user = match Username::parse(username) {
        Ok(name) => services
            .store
            .user_by_username(name.as_str())
            .await
            .map_err(OAuthError::from)?,
        Err(_) => None,
    };
    let verified = services
        .passwords
        .verify(user.as_ref().map(|u| u.password_hash.as_str()), password)
        .await
        .map_err(|e| match e {
            CryptoError::Busy => LoginError::Unavailable(OAuthError::TemporarilyUnavailable),
            other => LoginError::Unavailable(other.into()),
        })?;
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

/// Starts a browser session and returns the cookie value.
pub async fn start_session(
    services: &Services,
    user: &UserRecord,
) -> Result<SessionId, OAuthError> {
    let id = SessionId::generate()?;
    let now = services.clock.now();
    services
        .store
        .create_session(&SessionRecord {
            id_hash: id.hash().to_vec(),
            user_id: user.id.clone(),
            auth_time: now,
            expires_at: now + services.config.session_ttl,
        })
        .await?;
    Ok(id)
}

/// The logged-in user of a session cookie, if it names a live session of an active user.
pub async fn current_user(
    services: &Services,
    cookie: Option<&str>,
) -> Result<Option<(UserRecord, UnixTime)>, OAuthError> {
    let Some(id) = cookie.and_then(|c| SessionId::parse(c).ok()) else {
        return Ok(None);
    };
    let now = services.clock.now();
    let Some(session) = services.store.session(&id.hash(), now).await? else {
        return Ok(None);
    };
    let user = services.store.user_by_id(&session.user_id).await?;
    Ok(user.filter(|u| !u.disabled).map(|u| (u, session.auth_time)))
}
