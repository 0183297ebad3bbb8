//! The service layer's handle on everything it needs: configuration, the clock, the
//! store and revocation list chosen at start-up, the keys and the password pool.
//! Built once by [`crate::app`]; protocol code takes `&Services`, never an HTTP type.
//!
//! It sits below the protocols and above what they use: nothing here knows OAuth's
//! error codes or any HTTP type.

use std::sync::Arc;

use crate::audit::Actor;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::passwords::PasswordHasher;
use crate::keys::propagation::Notifier;
use crate::keys::{KeyRing, KeysError, Policy};
use crate::revocation::{RevocationError, RevocationList};
use crate::store::Store;
use crate::token::claims::AccessClaims;
use crate::token::jwt;

pub struct Services {
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<dyn Store>,
    pub revocation: Arc<dyn RevocationList>,
    pub keys: KeyRing,
    pub key_policy: Policy,
    /// Announces key changes this instance makes to the others.
    pub key_changes: Notifier,
    /// This instance, as the audit trail names it when it acts on its own.
    pub instance: Actor,
    pub passwords: PasswordHasher,
}

/// Why a token's state cannot be told right now: every caller answers 503, never "valid".
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    #[error(transparent)]
    Keys(#[from] KeysError),
}

impl Services {
    /// The one check of an access token, behind /introspect, /userinfo and /revoke: its
    /// signature and claims (a JWT of ours, for us, unexpired, under a key still
    /// published), then the revocation list. `None` for anything not live. An error when
    /// the keys or the revocation list cannot be trusted to answer, which every caller
    /// must treat as "unknown", never as live (fail closed).
    pub async fn live_access_token(
        &self,
        token: &str,
    ) -> Result<Option<AccessClaims>, Unavailable> {
        let now = self.clock.now();
        let keys = self.keys.current()?;
        let claims = match jwt::verify_access(&keys, token, &self.config.issuer, now) {
            Ok(claims) => claims,
            Err(e) => {
                tracing::debug!(error = %e, "access token refused");
                return Ok(None);
            }
        };
        if self
            .revocation
            .is_revoked(&claims.jti, claims.gid.as_str())
            .await?
        {
            return Ok(None);
        }
        Ok(Some(claims))
    }
}
