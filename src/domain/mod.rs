//! Parse-don't-validate newtypes for everything that arrives from the network or the CLI.
//!
//! Each constructor bounds the size, checks the grammar of its RFC and returns a typed
//! error; code past the edge holds only valid values. Nothing here knows about HTTP.

mod client_id;
mod grant_type;
mod pkce;
mod redirect_uri;
mod scope;
mod text;

pub use client_id::ClientId;
pub use grant_type::GrantType;
pub use pkce::{CodeChallenge, CodeVerifier};
pub use redirect_uri::RedirectUri;
pub use scope::Scope;
pub use text::{Nonce, State, Username};

/// Why an input was refused. The message is safe to show to the caller: it names the
/// rule broken, never echoes a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub &'static str);
