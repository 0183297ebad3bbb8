//! The service layer's handle on everything it needs: configuration, the clock, the
//! store and revocation list chosen at start-up, the keys and the password pool.
//! Built once by [`crate::app`]; protocol code takes `&Services`, never an HTTP type.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::passwords::PasswordHasher;
use crate::revocation::RevocationList;
use crate::store::Store;
use crate::token::keyring::KeyRing;

pub struct Services {
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<dyn Store>,
    pub revocation: Arc<dyn RevocationList>,
    pub keys: KeyRing,
    pub passwords: PasswordHasher,
}

impl Services {
    /// How long a revocation-list entry for a whole grant must live: as long as the
    /// longest-lived access token minted under it, plus a margin for one minted while
    /// the revocation was being written.
    pub fn grant_revocation_ttl(&self) -> u64 {
        u64::try_from(self.config.access_token_ttl + 60).unwrap_or(u64::MAX)
    }

    /// Revokes a grant everywhere: its family in the store (no more refreshes), then its
    /// access tokens on the revocation list.
    pub async fn revoke_grant(&self, grant_id: &str) -> Result<(), crate::oauth::OAuthError> {
        self.store.revoke_grant(grant_id, self.clock.now()).await?;
        self.revocation
            .revoke_grant(grant_id, self.grant_revocation_ttl())
            .await?;
        Ok(())
    }
}
