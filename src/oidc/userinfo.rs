//! The UserInfo endpoint (OIDC Core §5.3), called with a Bearer access token (RFC 6750).
//!
//! The token is checked exactly as /introspect checks it (signature, claims, revocation
//! list, failing closed), and must carry `openid`.

use serde::Serialize;

use crate::domain::ParseError;
use crate::services::Services;
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
    pub sub: String,
    pub preferred_username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

pub async fn userinfo(services: &Services, token: &str) -> Result<UserInfo, BearerError> {
    let now = services.clock.now();
    let claims = jwt::verify_access(
        &services.keys.current(),
        token,
        &services.config.issuer,
        now,
    )
    .map_err(|_| BearerError::InvalidToken)?;
    let revoked = services
        .revocation
        .is_revoked(&claims.jti, &claims.gid)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "revocation list unavailable");
            BearerError::Unavailable
        })?;
    if revoked {
        return Err(BearerError::InvalidToken);
    }
    if !claims.scope.split(' ').any(|s| s == "openid") {
        return Err(BearerError::InsufficientScope);
    }
    let user = services
        .store
        .user_by_id(&claims.sub)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "store unavailable");
            BearerError::Unavailable
        })?
        .filter(|u| !u.disabled)
        .ok_or(BearerError::InvalidToken)?;
    let with_email = claims.scope.split(' ').any(|s| s == "email");
    Ok(UserInfo {
        sub: user.id,
        preferred_username: user.username,
        email: if with_email { user.email } else { None },
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
