//! `/.well-known/openid-configuration` (OIDC Discovery) and
//! `/.well-known/oauth-authorization-server` (RFC 8414): what clients read to find every
//! endpoint and capability. It is the source of truth, so it lists only what is served.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::config::Config;
use crate::domain::SigningAlg;

/// The metadata document. `algorithms` are those with an active or pending key: exactly
/// what a client may register for its ID tokens, or meet in a token.
pub fn metadata(config: &Config, algorithms: &BTreeSet<SigningAlg>) -> Value {
    let algorithms: Vec<&str> = algorithms.iter().map(|a| a.as_str()).collect();
    let iss = &config.issuer;
    json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "introspection_endpoint": format!("{iss}/introspect"),
        "revocation_endpoint": format!("{iss}/revoke"),
        "jwks_uri": format!("{iss}/jwks.json"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "end_session_endpoint": format!("{iss}/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algorithms,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash", "name", "preferred_username", "email", "email_verified"],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
    })
}
