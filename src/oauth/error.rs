//! OAuth errors, one variant per RFC 6749 §5.2 / §4.1.2.1 or OIDC Core §3.1.2.6 code and
//! nothing else;
//! `http::error` maps them to the wire. Errors of the layers below become
//! `temporarily_unavailable` or `server_error` here, their detail logged once, never sent.

use crate::crypto::CryptoError;
use crate::keys::KeysError;
use crate::limits::LimitError;
use crate::login::LoginError;
use crate::revocation::RevocationError;
use crate::services::Unavailable;
use crate::store::StoreError;
use crate::token::TokenError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// Client authentication failed. Never says which part was wrong.
    #[error("invalid_client")]
    InvalidClient,
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(String),
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    #[error("unsupported_response_type")]
    UnsupportedResponseType,
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    #[error("access_denied: {0}")]
    AccessDenied(String),
    #[error("login_required")]
    LoginRequired,
    /// prompt=none, and the person has not consented to what the client asks.
    #[error("consent_required")]
    ConsentRequired,
    /// OIDC Core §6: a `request` object was sent; sigil accepts none.
    #[error("request_not_supported")]
    RequestNotSupported,
    /// OIDC Core §6: a `request_uri` was sent; sigil fetches none.
    #[error("request_uri_not_supported")]
    RequestUriNotSupported,
    /// Over a guessing limit: answered 429 with `Retry-After` (these seconds).
    #[error("too many failed attempts")]
    TooManyAttempts(u64),
    /// A dependency (store, revocation list, password pool) cannot answer: 503, fail closed.
    #[error("temporarily_unavailable")]
    TemporarilyUnavailable,
    /// A bug or corrupt data; detail goes to the log only.
    #[error("server_error")]
    ServerError,
}

impl OAuthError {
    pub fn invalid_request(msg: impl Into<String>) -> Self {
        Self::InvalidRequest(msg.into())
    }

    /// The RFC error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::AccessDenied(_) => "access_denied",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::TemporarilyUnavailable | Self::TooManyAttempts(_) => "temporarily_unavailable",
            Self::ServerError => "server_error",
        }
    }

    /// The human-readable description sent to the caller: never a secret, never an
    /// internal detail.
    pub fn description(&self) -> Option<String> {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidGrant(d)
            | Self::UnauthorizedClient(d)
            | Self::InvalidScope(d)
            | Self::AccessDenied(d) => Some(d.clone()),
            Self::InvalidClient => Some("client authentication failed".into()),
            Self::TemporarilyUnavailable => Some("try again later".into()),
            Self::TooManyAttempts(_) => Some("too many failed attempts; try again later".into()),
            _ => None,
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => {
                crate::metrics::get().dependency_error("store", "unavailable");
                tracing::error!(%detail, "store unavailable");
                Self::TemporarilyUnavailable
            }
            other => {
                crate::metrics::get().dependency_error("store", "error");
                tracing::error!(error = %other, "store error");
                Self::ServerError
            }
        }
    }
}

impl From<RevocationError> for OAuthError {
    fn from(e: RevocationError) -> Self {
        crate::metrics::get().dependency_error("revocation", "unavailable");
        tracing::error!(error = %e, "revocation list unavailable");
        Self::TemporarilyUnavailable
    }
}

impl From<CryptoError> for OAuthError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::Busy => Self::TemporarilyUnavailable,
            other => {
                tracing::error!(error = %other, "crypto error");
                Self::ServerError
            }
        }
    }
}

impl From<LoginError> for OAuthError {
    fn from(e: LoginError) -> Self {
        match e {
            // Only a caller that has already answered the person should get here.
            LoginError::InvalidCredentials => Self::AccessDenied("invalid credentials".into()),
            LoginError::Busy => Self::TemporarilyUnavailable,
            LoginError::Store(e) => e.into(),
            LoginError::Crypto(e) => e.into(),
            LoginError::Limited(wait) => Self::TooManyAttempts(retry_after(wait)),
            LoginError::Limiter(e) => e.into(),
        }
    }
}

impl From<TokenError> for OAuthError {
    fn from(e: TokenError) -> Self {
        tracing::error!(error = %e, "token minting failed");
        Self::ServerError
    }
}

/// Whole seconds to wait, at least one.
pub fn retry_after(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl From<LimitError> for OAuthError {
    fn from(e: LimitError) -> Self {
        crate::metrics::get().dependency_error("limiter", "unavailable");
        tracing::error!(error = %e, "guessing limits unavailable");
        Self::TemporarilyUnavailable
    }
}

impl From<KeysError> for OAuthError {
    fn from(e: KeysError) -> Self {
        match e {
            KeysError::Stale(_) => {
                tracing::error!(error = %e, "signing keys stale: not vouching for tokens");
                Self::TemporarilyUnavailable
            }
            KeysError::Store(e) => e.into(),
            other => {
                tracing::error!(error = %other, "signing keys");
                Self::ServerError
            }
        }
    }
}

impl From<Unavailable> for OAuthError {
    fn from(e: Unavailable) -> Self {
        match e {
            Unavailable::Revocation(e) => e.into(),
            Unavailable::Keys(e) => e.into(),
            Unavailable::Store(e) => e.into(),
        }
    }
}
