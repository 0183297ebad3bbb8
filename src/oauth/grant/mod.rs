//! The /token endpoint's grants, a file each. A request is parsed into its grant's own
//! type first, so no grant ever sees a half-valid request.

mod authorization_code;
mod client_credentials;
mod issue;
mod refresh_token;

use std::net::IpAddr;

use serde::Serialize;

use super::OAuthError;
use super::form::Form;
use crate::domain::{CodeVerifier, GrantType, Scope};
use crate::services::Services;
use crate::store::ClientRecord;
use crate::token::opaque::{AuthCode, RefreshToken};

pub use issue::mint_access_token;

#[derive(Debug)]
pub enum TokenRequest {
    AuthorizationCode {
        code: AuthCode,
        redirect_uri: Option<String>,
        verifier: CodeVerifier,
    },
    ClientCredentials {
        scope: Option<Scope>,
    },
    RefreshToken {
        token: RefreshToken,
        scope: Option<Scope>,
    },
}

impl TokenRequest {
    pub fn parse(form: &Form) -> Result<Self, OAuthError> {
        let grant = GrantType::parse(form.require("grant_type")?)
            .map_err(|_| OAuthError::UnsupportedGrantType)?;
        let scope = form
            .get("scope")
            .map(|s| Scope::parse(s).map_err(|e| OAuthError::InvalidScope(e.0.into())))
            .transpose()?;
        Ok(match grant {
            GrantType::AuthorizationCode => Self::AuthorizationCode {
                // A malformed code cannot be one of ours: that is a bad grant, not a bad
                // request (RFC 6749 §5.2).
                code: AuthCode::parse(form.require("code")?)
                    .map_err(|e| OAuthError::InvalidGrant(e.0.into()))?,
                redirect_uri: form.get("redirect_uri").map(str::to_owned),
                verifier: CodeVerifier::parse(form.require("code_verifier")?)
                    .map_err(|e| OAuthError::invalid_request(e.0))?,
            },
            GrantType::ClientCredentials => Self::ClientCredentials { scope },
            GrantType::RefreshToken => Self::RefreshToken {
                token: RefreshToken::parse(form.require("refresh_token")?)
                    .map_err(|e| OAuthError::InvalidGrant(e.0.into()))?,
                scope,
            },
        })
    }

    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            Self::ClientCredentials { .. } => GrantType::ClientCredentials,
            Self::RefreshToken { .. } => GrantType::RefreshToken,
        }
    }
}

/// RFC 6749 §5.1.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: Scope,
}

/// Runs a token request for an authenticated client, from `address` (for the audit
/// trail).
pub async fn exchange(
    services: &Services,
    client: &ClientRecord,
    request: TokenRequest,
    address: IpAddr,
) -> Result<TokenResponse, OAuthError> {
    if !client.may_use(request.grant_type()) {
        return Err(OAuthError::UnauthorizedClient(format!(
            "this client may not use the {} grant",
            request.grant_type().as_str()
        )));
    }
    match request {
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            verifier,
        } => {
            authorization_code::exchange(
                services,
                client,
                &code,
                redirect_uri.as_deref(),
                &verifier,
            )
            .await
        }
        TokenRequest::ClientCredentials { scope } => {
            client_credentials::exchange(services, client, scope).await
        }
        TokenRequest::RefreshToken { token, scope } => {
            refresh_token::exchange(services, client, &token, scope, address).await
        }
    }
}
