//! The signing-key lifecycle, in one place: states, creation and import, rotation,
//! revocation, rewrapping under a new master key, the rotation schedule, and how every
//! instance follows a change within two seconds.
//!
//! A key is `pending` (published, not signing) → `active` (signing; one per algorithm) →
//! `retired` (published until every token it signed has expired), or `revoked` (gone from
//! JWKS at once, its tokens inactive everywhere). The store holds the states and their
//! times; [`KeyRing`] holds this instance's view, a [`KeySet`] rebuilt whenever the rows
//! change and handed to `token`, which signs and verifies and never reads the store.
//!
//! Each instance re-reads the rows every poll interval and at once when Redis says they
//! changed ([`propagation`]). A revoked key is also a revocation in the record (kind
//! `kid`), which the revocation views carry. An instance that has not managed to read the
//! key rows for five intervals ([`KeysError::Stale`]) stops vouching for tokens (503),
//! since a key revoked meanwhile would still verify here, unless its revocation view is
//! one every writer updates itself (Redis), which names the revoked kid regardless: so
//! introspection goes on through a store outage, and a revoked key's tokens still die.

mod lifecycle;
pub mod material;
pub mod propagation;

pub use lifecycle::{
    Actor, Policy, check_master, ensure_active, import, revoke, rewrap, rotate, scheduled,
};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::clock::UnixTime;
use crate::crypto::CryptoError;
use crate::crypto::master_key::MasterKey;
use crate::domain::{Kid, SigningAlg};
use crate::store::{KeyState, Store, StoreError};
use crate::token::keyset::KeySet;

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("no key {0}")]
    UnknownKid(String),
    #[error("key {0} is already revoked")]
    AlreadyRevoked(Kid),
    #[error(
        "{0} is the active {1} key; revoking it leaves nothing to sign with. \
         Use --force to make a new active key first"
    )]
    OnlyActiveKey(Kid, SigningAlg),
    #[error("a {0} key is already pending ({1}); use --now to switch to it at once")]
    AlreadyPending(SigningAlg, Kid),
    #[error("sigil cannot generate {0} keys; import one (sigil keys import --alg {0} --pem FILE)")]
    CannotGenerate(SigningAlg),
    #[error("no active {0} key to sign with")]
    NoActiveKey(SigningAlg),
    #[error("key {0}: its private part does not match its public key")]
    Mismatch(Kid),
    #[error("key {0} cannot be opened with this master key: {1}")]
    Unopened(Kid, Box<KeysError>),
    /// The keys have not been read for too long to vouch for any token.
    #[error("the signing keys could not be refreshed for {0:?}")]
    Stale(Duration),
}

/// This instance's signing keys: the current [`KeySet`], and what it was built from.
pub struct KeyRing {
    current: RwLock<Arc<KeySet>>,
    master: MasterKey,
    view: Mutex<Vec<(Kid, KeyState, bool)>>,
    /// When the rows were last read successfully (monotonic: staleness is about real time
    /// passing, whatever a test does to the clock).
    refreshed: Mutex<Instant>,
    stale_after: Duration,
    /// Set when an active key could not be opened, so it is logged once, not every poll.
    warned: AtomicBool,
}

impl KeyRing {
    /// Loads the keys, first making an active key for each algorithm that `policy` needs
    /// to sign with. Every active key must open under `master`: starting with the wrong
    /// master key is an error here, not a surprise at the first token.
    pub async fn load(
        store: &dyn Store,
        master: MasterKey,
        policy: &Policy,
        actor: &Actor,
        now: UnixTime,
    ) -> Result<Self, KeysError> {
        for alg in policy.signing_algs() {
            ensure_active(store, &master, policy, alg, actor, now).await?;
        }
        let records = store.signing_keys().await?;
        let (set, unopened) = material::key_set(&master, &records, now)?;
        if let Some((kid, e)) = unopened.into_iter().next() {
            return Err(KeysError::Unopened(kid, Box::new(e)));
        }
        Ok(Self {
            current: RwLock::new(Arc::new(set)),
            master,
            view: Mutex::new(material::view(&records, now)),
            refreshed: Mutex::new(Instant::now()),
            stale_after: policy.stale_after,
            warned: AtomicBool::new(false),
        })
    }

    /// The key set to sign and verify with, unless the keys have gone unread too long.
    pub fn current(&self) -> Result<Arc<KeySet>, KeysError> {
        let age = self.refreshed.lock().map_or(Duration::MAX, |t| t.elapsed());
        if age > self.stale_after {
            return Err(KeysError::Stale(age));
        }
        Ok(self.last())
    }

    /// The last key set built, stale or not: for what may lag (the algorithms discovery
    /// lists), never for vouching for a token.
    pub fn last(&self) -> Arc<KeySet> {
        // A poisoned lock only means a writer panicked mid-swap; the Arc inside is whole.
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Re-reads the keys: activates pending keys whose time has come, makes a scheduled
    /// rotation when one is due, and rebuilds the set when anything it depends on changed.
    /// Returns whether this instance changed the rows (so others should hear of it).
    pub async fn refresh(
        &self,
        store: &dyn Store,
        policy: &Policy,
        actor: &Actor,
        now: UnixTime,
    ) -> Result<bool, KeysError> {
        let mut records = store.signing_keys().await?;
        let changed = lifecycle::due(store, &self.master, policy, actor, &records, now).await?;
        if changed {
            records = store.signing_keys().await?;
        }
        let view = material::view(&records, now);
        let unchanged = self.view.lock().map(|v| *v == view).unwrap_or(false);
        if !unchanged {
            let (set, unopened) = material::key_set(&self.master, &records, now)?;
            for (kid, e) in &unopened {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::error!(%kid, error = %e, "an active signing key cannot be opened");
                }
            }
            self.swap(set);
            if let Ok(mut v) = self.view.lock() {
                *v = view;
            }
        }
        if let Ok(mut t) = self.refreshed.lock() {
            *t = Instant::now();
        }
        Ok(changed)
    }

    fn swap(&self, set: KeySet) {
        let set = Arc::new(set);
        match self.current.write() {
            Ok(mut g) => *g = set,
            Err(p) => *p.into_inner() = set,
        }
    }
}
