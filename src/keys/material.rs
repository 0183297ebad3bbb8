//! From stored rows to usable keys and back: making a key's record (generated or
//! imported, its private part sealed under the master key), opening a record to sign,
//! and building the key set that `token` is handed.

use std::collections::BTreeSet;

use super::KeysError;
use crate::clock::UnixTime;
use crate::crypto::keys::{KeyPair, PublicKey};
use crate::crypto::master_key::MasterKey;
use crate::domain::{Kid, SigningAlg};
use crate::store::{KeyState, SigningKeyRecord};
use crate::token::keyset::{KeySet, SigningKey, VerifyingKey};

/// Where a new key starts.
#[derive(Debug, Clone, Copy)]
pub enum Start {
    /// Pending, signing from `activate_at` on.
    PendingUntil(UnixTime),
    /// Active at once.
    Active,
}

/// The record of a new key for `pair` (whose PKCS#8 document is `pkcs8`).
pub fn record(
    master: &MasterKey,
    pkcs8: &[u8],
    pair: &KeyPair,
    start: Start,
    now: UnixTime,
) -> Result<SigningKeyRecord, KeysError> {
    let kid = crate::crypto::new_id(Kid::from_random)?;
    let (state, activate_at, activated_at) = match start {
        Start::PendingUntil(at) => (KeyState::Pending, Some(at), None),
        Start::Active => (KeyState::Active, None, Some(now)),
    };
    Ok(SigningKeyRecord {
        private_key_sealed: master.seal(kid.as_str().as_bytes(), pkcs8)?,
        kid,
        alg: pair.alg(),
        state,
        public_key: pair.public()?.to_stored(),
        created_at: now,
        activate_at,
        activated_at,
        retired_at: None,
        expires_at: None,
        revoked_at: None,
    })
}

/// A fresh key of `alg` (ES256 or EdDSA).
pub fn generate(
    master: &MasterKey,
    alg: SigningAlg,
    start: Start,
    now: UnixTime,
) -> Result<SigningKeyRecord, KeysError> {
    if !alg.can_generate() {
        return Err(KeysError::CannotGenerate(alg));
    }
    let (pkcs8, pair) = KeyPair::generate(alg)?;
    record(master, &pkcs8, &pair, start, now)
}

/// Opens a stored key to sign with.
pub fn open(master: &MasterKey, key: &SigningKeyRecord) -> Result<SigningKey, KeysError> {
    let pkcs8 = master.open(key.kid.as_str().as_bytes(), &key.private_key_sealed)?;
    let pair = KeyPair::from_pkcs8(key.alg, &pkcs8)?;
    if pair.public()?.to_stored() != key.public_key {
        return Err(KeysError::Mismatch(key.kid.clone()));
    }
    Ok(SigningKey {
        kid: key.kid.clone(),
        pair,
    })
}

/// The key set for `records` at `now`: the active key of each algorithm opened to sign,
/// every published key ready to verify (from its public half alone).
///
/// An active key that cannot be opened (a master key that no longer fits, a damaged row)
/// does not sign, and is returned with why; verification and revocation still follow the
/// records, so a revoked key leaves the set even then.
pub fn key_set(
    master: &MasterKey,
    records: &[SigningKeyRecord],
    now: UnixTime,
) -> Result<(KeySet, Vec<(Kid, KeysError)>), KeysError> {
    let mut signers = Vec::new();
    let mut unopened = Vec::new();
    let mut published = Vec::new();
    let mut offered = BTreeSet::new();
    for key in records {
        if key.state == KeyState::Active {
            match open(master, key) {
                Ok(signer) => signers.push(signer),
                Err(e) => unopened.push((key.kid.clone(), e)),
            }
        }
        if matches!(key.state, KeyState::Active | KeyState::Pending) {
            offered.insert(key.alg);
        }
        if key.is_published(now) {
            let public = PublicKey::from_stored(key.alg, &key.public_key)?;
            published.push(VerifyingKey::new(key.kid.clone(), key.alg, &public)?);
        }
    }
    Ok((KeySet::new(signers, published, offered), unopened))
}

/// What a key set built at `now` depends on: each key's kid, state and whether it is
/// published. A set is rebuilt only when this changes.
pub fn view(records: &[SigningKeyRecord], now: UnixTime) -> Vec<(Kid, KeyState, bool)> {
    let mut view: Vec<_> = records
        .iter()
        .map(|k| (k.kid.clone(), k.state, k.is_published(now)))
        .collect();
    view.sort_by(|a, b| a.0.cmp(&b.0));
    view
}
