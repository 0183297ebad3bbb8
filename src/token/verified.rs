//! A cache of access tokens whose signature and time-independent claims were verified,
//! keyed by the SHA-256 of the issuer and the token, so a resource server introspecting the same token again
//! costs a hash instead of an ECDSA verification.
//!
//! It belongs to one [`KeySet`](super::keyring::KeySet): a key change builds a new set
//! with an empty cache, so a revoked key's tokens cannot outlive it here. Expiry and
//! revocation are still checked on every call by the caller; only failures are never
//! cached (an attacker's garbage must not evict real entries).

use std::collections::HashMap;
use std::sync::RwLock;

use super::claims::VerifiedAccess;

pub struct VerifiedCache {
    entries: RwLock<HashMap<[u8; 32], VerifiedAccess>>,
    capacity: usize,
}

impl VerifiedCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    pub fn get(&self, digest: &[u8; 32]) -> Option<VerifiedAccess> {
        self.entries.read().ok()?.get(digest).cloned()
    }

    pub fn insert(&self, digest: [u8; 32], verified: VerifiedAccess) {
        if let Ok(mut map) = self.entries.write() {
            // Wholesale clearing keeps this bounded without bookkeeping; a full cache
            // means only that the next verifications are done the slow way again.
            if map.len() >= self.capacity {
                map.clear();
            }
            map.insert(digest, verified);
        }
    }
}
