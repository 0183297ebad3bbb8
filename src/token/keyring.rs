//! The signing keys, decrypted once and held in memory.
//!
//! Every token is signed and verified from here without touching the store. [`KeyRing::reload`]
//! swaps in a fresh set when keys change (rotation, revocation), atomically for readers.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::clock::Clock;
use crate::crypto::CryptoError;
use crate::crypto::keys::{MasterKey, generate_es256, p256_coordinates};
use crate::domain::{Kid, SigningAlg};
use crate::store::{KeyState, SigningKeyRecord, Store, StoreError};
use crate::token::verified::VerifiedCache;

/// About 10 MB at most: enough for every live token of a busy deployment's hot set.
const VERIFIED_CACHE_ENTRIES: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("no active signing key")]
    NoActiveKey,
}

pub struct ActiveKey {
    pub kid: Kid,
    pub encoding: EncodingKey,
}

pub struct KeySet {
    pub active: ActiveKey,
    /// Every published key (pending, active, retired), by kid.
    pub verifiers: HashMap<String, DecodingKey>,
    /// The JWKS document, rendered once per key change.
    pub jwks: Arc<str>,
    /// Access tokens already verified under these keys.
    pub verified: VerifiedCache,
}

impl KeySet {
    /// Opens the active key and indexes every published one.
    pub fn from_records(
        master: &MasterKey,
        records: &[SigningKeyRecord],
    ) -> Result<Self, KeyRingError> {
        build_set(master, records)
    }
}

pub struct KeyRing {
    current: RwLock<Arc<KeySet>>,
    master: MasterKey,
}

impl KeyRing {
    /// Loads the keys, creating the first one when the store has none active.
    pub async fn load(
        store: &dyn Store,
        master: MasterKey,
        clock: &dyn Clock,
    ) -> Result<Self, KeyRingError> {
        let mut records = store.signing_keys().await?;
        if !records.iter().any(|k| k.state == KeyState::Active) {
            let first = new_key_record(&master, KeyState::Active, clock)?;
            match store.insert_signing_key(&first).await {
                // Another instance created the first key at the same moment: use theirs.
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
            records = store.signing_keys().await?;
        }
        let set = build_set(&master, &records)?;
        Ok(Self {
            current: RwLock::new(Arc::new(set)),
            master,
        })
    }

    pub fn current(&self) -> Arc<KeySet> {
        // A poisoned lock only means a writer panicked mid-swap; the Arc inside is whole.
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Re-reads the keys from the store.
    pub async fn reload(&self, store: &dyn Store) -> Result<(), KeyRingError> {
        let records = store.signing_keys().await?;
        let set = Arc::new(build_set(&self.master, &records)?);
        match self.current.write() {
            Ok(mut g) => *g = set,
            Err(p) => *p.into_inner() = set,
        }
        Ok(())
    }
}

pub fn new_key_record(
    master: &MasterKey,
    state: KeyState,
    clock: &dyn Clock,
) -> Result<SigningKeyRecord, CryptoError> {
    let generated = generate_es256()?;
    let kid = crate::crypto::new_id(Kid::from_random)?;
    Ok(SigningKeyRecord {
        private_key_sealed: master.seal(kid.as_str().as_bytes(), &generated.pkcs8)?,
        kid,
        alg: SigningAlg::Es256,
        state,
        public_key: generated.public,
        created_at: clock.now(),
    })
}

fn build_set(master: &MasterKey, records: &[SigningKeyRecord]) -> Result<KeySet, KeyRingError> {
    let active = records
        .iter()
        .find(|k| k.state == KeyState::Active)
        .ok_or(KeyRingError::NoActiveKey)?;
    let pkcs8 = master.open(active.kid.as_str().as_bytes(), &active.private_key_sealed)?;
    let mut verifiers = HashMap::new();
    let mut jwks = Vec::new();
    for k in records.iter().filter(|k| k.alg == SigningAlg::Es256) {
        let (x, y) = p256_coordinates(&k.public_key)?;
        let (x, y) = (crate::crypto::b64url(x), crate::crypto::b64url(y));
        let decoding = DecodingKey::from_ec_components(&x, &y)
            .map_err(|_| CryptoError::Key("stored public key does not parse"))?;
        verifiers.insert(k.kid.as_str().to_owned(), decoding);
        jwks.push(serde_json::json!({
            "kty": "EC", "crv": "P-256", "x": x, "y": y,
            "kid": k.kid, "alg": "ES256", "use": "sig",
        }));
    }
    Ok(KeySet {
        active: ActiveKey {
            kid: active.kid.clone(),
            encoding: EncodingKey::from_ec_der(&pkcs8),
        },
        verifiers,
        jwks: serde_json::json!({ "keys": jwks }).to_string().into(),
        verified: VerifiedCache::new(VERIFIED_CACHE_ENTRIES),
    })
}
