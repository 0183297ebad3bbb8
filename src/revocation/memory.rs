//! In-process revocation list for the single-node embedded mode.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use super::{RevocationError, RevocationList};
use crate::clock::{Clock, UnixTime};

#[derive(Default)]
struct Entries {
    tokens: HashMap<String, UnixTime>,
    grants: HashMap<String, UnixTime>,
    writes: u64,
}

pub struct MemoryRevocationList {
    entries: RwLock<Entries>,
    clock: Arc<dyn Clock>,
}

impl MemoryRevocationList {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            entries: RwLock::new(Entries::default()),
            clock,
        }
    }

    fn insert(&self, grant: bool, id: &str, ttl_secs: u64) -> Result<(), RevocationError> {
        let now = self.clock.now();
        let until = now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
        let mut e = self
            .entries
            .write()
            .map_err(|_| RevocationError::Unavailable("lock poisoned".into()))?;
        let map = if grant { &mut e.grants } else { &mut e.tokens };
        map.insert(id.to_owned(), until);
        e.writes += 1;
        // Sweep expired entries now and then so the map tracks live revocations only.
        if e.writes % 1024 == 0 {
            e.tokens.retain(|_, until| *until > now);
            e.grants.retain(|_, until| *until > now);
        }
        Ok(())
    }
}

#[async_trait]
impl RevocationList for MemoryRevocationList {
    async fn revoke_token(&self, jti: &str, ttl_secs: u64) -> Result<(), RevocationError> {
        self.insert(false, jti, ttl_secs)
    }

    async fn revoke_grant(&self, grant_id: &str, ttl_secs: u64) -> Result<(), RevocationError> {
        self.insert(true, grant_id, ttl_secs)
    }

    async fn is_revoked(&self, jti: &str, grant_id: &str) -> Result<bool, RevocationError> {
        let now = self.clock.now();
        let e = self
            .entries
            .read()
            .map_err(|_| RevocationError::Unavailable("lock poisoned".into()))?;
        let live = |m: &HashMap<String, UnixTime>, k: &str| m.get(k).is_some_and(|u| *u > now);
        Ok(live(&e.tokens, jti) || live(&e.grants, grant_id))
    }

    async fn ping(&self) -> Result<(), RevocationError> {
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "in-process (single node)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ShiftedClock;

    #[tokio::test]
    async fn entries_expire_with_their_tokens() {
        let clock = ShiftedClock::new();
        let list = MemoryRevocationList::new(Arc::new(clock.clone()));
        list.revoke_token("j1", 60).await.unwrap();
        list.revoke_grant("g1", 60).await.unwrap();
        assert!(list.is_revoked("j1", "other").await.unwrap());
        assert!(list.is_revoked("other", "g1").await.unwrap());
        assert!(!list.is_revoked("j2", "g2").await.unwrap());
        clock.advance(61);
        assert!(!list.is_revoked("j1", "g1").await.unwrap());
    }
}
