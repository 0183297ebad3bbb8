//! Tokens: JWT minting and verification (access and ID tokens) with the key set handed in,
//! and the opaque formats (refresh tokens, codes, client secrets, session ids).
//!
//! Within this module imports run one way: `jwt` → `keyset` → `verified` → `claims`.

pub mod claims;
pub mod jwt;
pub mod keyset;
pub mod opaque;
pub mod verified;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is not one of ours, or no longer valid. Deliberately vague: the reason
    /// is logged at debug level and never told to the presenter.
    #[error("invalid token: {0}")]
    Invalid(&'static str),
    #[error("signing failed: {0}")]
    Signing(String),
    /// Nothing can sign with this algorithm right now.
    #[error("no active {0} signing key")]
    NoActiveKey(crate::domain::SigningAlg),
}
