//! The UserInfo endpoint (OIDC Core §5.3), called with a Bearer access token (RFC 6750).
//!
//! The token is checked exactly as /introspect checks it ([`Services::live_access_token`]:
//! signature, claims, revocation list, failing closed), and must carry `openid`.

use serde::Serialize;

use crate::domain::{ParseError, UserId};
use crate::services::Services;
use crate::services::released;
use crate::store::StoreError;
use crate::token::claims::UserClaims;
use crate::token::jwt;

/// RFC 6750 §3.1 error codes, plus the dependency failure that must not read as valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    #[error("invalid_request")]
    InvalidRequest,
    #[error("invalid_token")]
    InvalidToken,
    #[error("insufficient_scope")]
    InsufficientScope,
    #[error("temporarily unavailable")]
    Unavailable,
    /// A bug or corrupt data; detail goes to the log only.
    #[error("server error")]
    Internal,
}

/// Parses `Authorization: Bearer <token68>` (RFC 6750 §2.1).
pub fn parse_bearer(header: &str) -> Result<&str, ParseError> {
    let (scheme, token) = header
        .split_once(' ')
        .ok_or(ParseError("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ParseError("unsupported authorization scheme"));
    }
    if token.is_empty() || token.len() > jwt::MAX_JWT_LEN {
        return Err(ParseError("bearer token length out of bounds"));
    }
    let token68 =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
    let body = token.trim_end_matches('=');
    if !body.bytes().all(token68) {
        return Err(ParseError("bearer token has a character outside token68"));
    }
    Ok(token)
}

#[derive(Debug, Serialize)]
pub struct UserInfo {
    pub sub: UserId,
    #[serde(flatten)]
    pub claims: UserClaims,
}

pub async fn userinfo(services: &Services, token: &str) -> Result<UserInfo, BearerError> {
    let verified = services
        .live_access_token(token)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot tell whether the token is live");
            BearerError::Unavailable
        })?
        .ok_or(BearerError::InvalidToken)?;
    let claims = &verified.claims;
    if !claims.scope.contains("openid") {
        return Err(BearerError::InsufficientScope);
    }
    let user_id = UserId::parse(&claims.sub).map_err(|_| BearerError::InvalidToken)?;
    let user = services
        .store
        .user_by_id(&user_id)
        .await
        .map_err(|e| match e {
            StoreError::Unavailable(_) => {
                tracing::error!(error = %e, "store unavailable");
                BearerError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "store error");
                BearerError::Internal
            }
        })?
        .filter(|u| !u.disabled)
        .ok_or(BearerError::InvalidToken)?;
    Ok(UserInfo {
        claims: released::user_claims(&user, &claims.scope),
        sub: user.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_grammar() {
        assert_eq!(parse_bearer("Bearer abc.def-_~+/=="), Ok("abc.def-_~+/=="));
        assert_eq!(parse_bearer("bearer x"), Ok("x"));
        for bad in [
            "Bearer",
            "Bearer ",
            "Basic abc",
            "Bearer a b",
            "Bearer a\"b",
            "Bearer a=b",
        ] {
            assert!(parse_bearer(bad).is_err(), "{bad:?}");
        }
        assert!(parse_bearer(&format!("Bearer {}", "a".repeat(jwt::MAX_JWT_LEN + 1))).is_err());
    }
}
