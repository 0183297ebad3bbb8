//! Client records for the hot paths (/token, /introspect, /revoke): read from the store
//! once, then served from memory until they change (ARCHITECTURE "Hot paths").
//!
//! A change to a client reaches this cache three ways, and any one of them is enough:
//! - the event bus (Redis): whoever changes a client announces it, and every instance
//!   drops its copies at once;
//! - the store's change number for clients, polled with the keys: a change made by
//!   another process on the embedded default, or while the bus was down, is seen within
//!   one poll interval;
//! - the revocation view: disabling or deleting a client also revokes every token of it,
//!   and a copy read at or before that revocation is never served (checked on every hit,
//!   so even the moment before the other news arrives is covered).
//!
//! Only enabled clients are kept: a disabled or unknown one is read from the store each
//! time, so enabling a client needs no news at all. News does not drop the copies; it
//! makes every copy read before it stale (a generation number, so a slow read that
//! began before the news is stale too). A stale copy is never served while the store
//! answers; while it is unreachable, the freshest copy this instance has stands in for
//! the store (up to [`MAX_AGE`] old, and, checked by the caller, only if read after the
//! client's latest revocation): issuance and introspection for known clients go on
//! through an outage, as they would have had the news come a moment later.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::clock::UnixTime;
use crate::domain::ClientId;
use crate::store::ClientRecord;

/// Clients kept at most; past that the least used go first.
const CAPACITY: u64 = 10_000;

/// The longest a copy is kept: a bound on staleness should every way news arrives fail at
/// once, and on how long an outage of the store is bridged.
const MAX_AGE: Duration = Duration::from_secs(3600);

#[derive(Debug)]
pub struct Cached {
    pub record: Arc<ClientRecord>,
    /// When the store gave this copy (whole seconds, like revocation times).
    pub read_at: UnixTime,
    /// The generation its read began in: current, or stale.
    generation: u64,
}

pub struct ClientCache {
    entries: moka::sync::Cache<ClientId, Arc<Cached>, foldhash::fast::RandomState>,
    generation: AtomicU64,
    /// The store's change number for clients as last polled; `i64::MIN` before the first.
    polled: AtomicI64,
}

impl Default for ClientCache {
    fn default() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(MAX_AGE)
                // Only ids the store knows are inserted, so no caller picks the keys.
                .build_with_hasher(foldhash::fast::RandomState::default()),
            generation: AtomicU64::new(0),
            polled: AtomicI64::new(i64::MIN),
        }
    }
}

/// What the cache holds for a client.
pub enum Lookup {
    /// A copy read since the latest news: it may be served.
    Current(Arc<Cached>),
    /// A copy read before the latest news: only for when the store cannot be read.
    Stale(Arc<Cached>),
    Missing,
}

impl ClientCache {
    pub fn get(&self, id: &ClientId) -> Lookup {
        match self.entries.get(id) {
            Some(hit) if hit.generation == self.generation() => Lookup::Current(hit),
            Some(hit) => Lookup::Stale(hit),
            None => Lookup::Missing,
        }
    }

    /// Taken before a store read, and handed back to [`Self::insert`] with its result.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `record`, read at `read_at` by a read that began at `generation` (stale at
    /// once if news came since), unless it is disabled, which also drops any copy.
    pub fn insert(
        &self,
        record: ClientRecord,
        read_at: UnixTime,
        generation: u64,
    ) -> Arc<ClientRecord> {
        let record = Arc::new(record);
        if record.disabled {
            self.entries.invalidate(&record.id);
        } else {
            let cached = Arc::new(Cached {
                record: record.clone(),
                read_at,
                generation,
            });
            self.entries.insert(record.id.clone(), cached);
        }
        record
    }

    /// The store no longer has `id`: its copy goes.
    pub fn remove(&self, id: &ClientId) {
        self.entries.invalidate(id);
    }

    /// Makes every copy stale: a client changed (which one does not matter, changes are
    /// rare).
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The store's change number for clients, from a poll: makes every copy stale when it
    /// moved since the last poll (or on the first, which has nothing to compare with).
    pub fn store_changed(&self, seq: i64) {
        if self.polled.swap(seq, Ordering::AcqRel) != seq {
            self.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Scope, SigningAlg};

    fn client(id: &str, disabled: bool) -> ClientRecord {
        ClientRecord {
            id: ClientId::parse(id).unwrap(),
            name: id.into(),
            secret_hash: None,
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            grant_types: vec![],
            scope: Scope::parse("read").unwrap(),
            id_token_alg: SigningAlg::Es256,
            first_party: false,
            disabled,
            created_at: 0,
        }
    }

    fn current(cache: &ClientCache, id: &ClientId) -> Option<UnixTime> {
        match cache.get(id) {
            Lookup::Current(c) => Some(c.read_at),
            _ => None,
        }
    }

    fn stale(cache: &ClientCache, id: &ClientId) -> Option<UnixTime> {
        match cache.get(id) {
            Lookup::Stale(c) => Some(c.read_at),
            _ => None,
        }
    }

    #[test]
    fn news_makes_copies_stale_and_a_read_older_than_the_news_is_stale_at_once() {
        let cache = ClientCache::default();
        let a = ClientId::parse("a").unwrap();
        let g = cache.generation();
        cache.insert(client("a", false), 10, g);
        assert_eq!(current(&cache, &a), Some(10));

        // News: the copy is kept, but only as a stand-in for an unreachable store.
        cache.invalidate_all();
        assert_eq!(stale(&cache, &a), Some(10));

        // A read that began before the news and finishes after it is stale at once.
        let g = cache.generation();
        cache.invalidate_all();
        cache.insert(client("a", false), 11, g);
        assert_eq!(
            stale(&cache, &a),
            Some(11),
            "an older read came back as current"
        );

        // A read after the news is current again.
        cache.insert(client("a", false), 12, cache.generation());
        assert_eq!(current(&cache, &a), Some(12));

        // Disabled clients are never kept, and drop the copy; so does a deletion.
        cache.insert(client("a", true), 13, cache.generation());
        assert!(matches!(cache.get(&a), Lookup::Missing));
        cache.insert(client("a", false), 14, cache.generation());
        cache.remove(&a);
        assert!(matches!(cache.get(&a), Lookup::Missing));

        // The store's number: the first poll and every move make copies stale, a repeat
        // does not.
        cache.insert(client("a", false), 15, cache.generation());
        cache.store_changed(5);
        assert_eq!(stale(&cache, &a), Some(15), "first poll");
        cache.insert(client("a", false), 16, cache.generation());
        cache.store_changed(5);
        assert_eq!(current(&cache, &a), Some(16), "unchanged");
        cache.store_changed(6);
        assert_eq!(stale(&cache, &a), Some(16), "moved");
    }
}
