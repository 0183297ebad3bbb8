//! The revocation list: which access tokens (by `jti`) and which grants (by grant id)
//! are dead before their expiry.
//!
//! Entries live exactly as long as the tokens they kill could, so the list stays small.
//! A backend that cannot answer returns an error, and every caller turns that into 503:
//! an unknown revocation state is never read as "not revoked" (fail closed).

pub mod memory;
pub mod redis;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    #[error("the revocation list is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait RevocationList: Send + Sync + 'static {
    /// Revokes one access token until `ttl_secs` from now.
    async fn revoke_token(&self, jti: &str, ttl_secs: u64) -> Result<(), RevocationError>;
    /// Revokes every access token of a grant until `ttl_secs` from now.
    async fn revoke_grant(&self, grant_id: &str, ttl_secs: u64) -> Result<(), RevocationError>;
    /// Whether the token or its grant is revoked, in one round trip.
    async fn is_revoked(&self, jti: &str, grant_id: &str) -> Result<bool, RevocationError>;
    async fn ping(&self) -> Result<(), RevocationError>;
    /// How this backend describes itself at start-up and in /readyz.
    fn describe(&self) -> &'static str;
}
