//! Parse-don't-validate newtypes for everything that arrives from the network, the CLI or
//! the store.
//!
//! Each constructor bounds the size, checks the grammar of its RFC and returns a typed
//! error; code past the edge holds only valid values. Nothing here knows about HTTP or
//! SQL, and nothing here reads the clock.

#![forbid(unsafe_code)]

mod alg;
mod grant_type;
mod ids;
mod pkce;
mod redirect_uri;
mod scope;
mod text;

pub use alg::SigningAlg;
pub use grant_type::GrantType;
pub use ids::{ClientId, GrantId, Kid, UserId};
pub use pkce::{CodeChallenge, CodeVerifier};
pub use redirect_uri::RedirectUri;
pub use scope::Scope;
pub use text::{DisplayName, Email, Nonce, State, Username};

/// Seconds since the Unix epoch. Signed so that arithmetic on expiries never wraps.
pub type UnixTime = i64;

/// The longest an access or ID token may live (configuration refuses more). A revocation
/// of a whole user or client lasts this long, plus a skew margin, so it outlives every
/// token it kills whatever the lifetime setting was when they were minted.
pub const MAX_TOKEN_TTL: i64 = 86_400;

/// Why an input was refused. The message is safe to show to the caller: it names the
/// rule broken, never echoes a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub &'static str);
