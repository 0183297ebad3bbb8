//! The OAuth 2.1 protocol: authorization requests, client authentication, the grants,
//! introspection (RFC 7662) and revocation (RFC 7009). Typed values in, typed results
//! out; the HTTP layer only extracts and renders.

pub mod authorize;
pub mod client_auth;
pub mod error;
pub mod form;
pub mod grant;
pub mod introspect;
pub mod revoke;

pub use error::OAuthError;
