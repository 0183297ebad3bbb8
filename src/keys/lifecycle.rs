//! The operations on signing keys, shared by the CLI and by instances acting on their
//! own. Each changes the store in one transaction (or not at all) and leaves an audit
//! event. Two instances doing the same thing at once are kept apart by the schema: one
//! active and one pending key per algorithm, and activations that only take a key still
//! pending.

use std::collections::BTreeSet;
use std::time::Duration;

use super::KeysError;
use super::material::{self, Start};
use crate::clock::UnixTime;
use crate::config::Config;
use crate::crypto::keys::KeyPair;
use crate::crypto::master_key::MasterKey;
use crate::domain::{Kid, MAX_TOKEN_TTL, SigningAlg};
use crate::store::{
    KeyState, RevocationRecord, RevocationSeq, Revoked as RevokedTarget, SigningKeyRecord, Store,
    StoreError,
};

pub use crate::audit::Actor;

/// The rules keys follow, from configuration.
#[derive(Debug, Clone)]
pub struct Policy {
    pub access_token_alg: SigningAlg,
    /// How long a new key is published before it signs.
    pub publish_ahead: i64,
    pub rotation_days: Option<u32>,
    /// How long a retired key stays published: the longest token lifetime, plus a
    /// margin for a token minted as the key was retired.
    pub retired_lifetime: i64,
    pub stale_after: Duration,
    /// The clock-skew margin a revocation outlives its tokens by.
    pub revocation_skew: i64,
}

impl Policy {
    pub fn from_config(config: &Config) -> Self {
        Self {
            access_token_alg: config.keys.access_token_alg,
            publish_ahead: config.keys.publish_ahead,
            rotation_days: config.keys.rotation_days,
            retired_lifetime: config.access_token_ttl.max(config.id_token_ttl) + 60,
            stale_after: config.keys.stale_after(),
            revocation_skew: config.revocation_skew,
        }
    }

    /// The algorithms an instance must be able to sign with: access tokens', and ES256,
    /// the ID tokens of every client that registered no other.
    pub fn signing_algs(&self) -> BTreeSet<SigningAlg> {
        [self.access_token_alg, SigningAlg::Es256].into()
    }
}

async fn audited<T>(
    store: &dyn Store,
    actor: &Actor,
    action: &str,
    subject: Option<&str>,
    now: UnixTime,
    result: Result<T, KeysError>,
) -> Result<T, KeysError> {
    let outcome = result.as_ref().map(|_| ());
    crate::audit::record(store, actor, action, subject, outcome, now).await;
    result
}

fn pending_of(records: &[SigningKeyRecord], alg: SigningAlg) -> Option<&SigningKeyRecord> {
    records
        .iter()
        .find(|k| k.alg == alg && k.state == KeyState::Pending)
}

/// Checks that `master` opens every stored key. A key sealed under a master key that no
/// longer opens the others (one replaced by `rewrap`) would be a key no instance can use.
pub async fn check_master(store: &dyn Store, master: &MasterKey) -> Result<(), KeysError> {
    for key in store.signing_keys().await? {
        master
            .open(key.kid.as_str().as_bytes(), &key.private_key_sealed)
            .map_err(|e| KeysError::Unopened(key.kid.clone(), Box::new(e.into())))?;
    }
    Ok(())
}

/// Makes an active key of `alg` when there is none (the first start).
pub async fn ensure_active(
    store: &dyn Store,
    master: &MasterKey,
    policy: &Policy,
    alg: SigningAlg,
    actor: &Actor,
    now: UnixTime,
) -> Result<(), KeysError> {
    let records = store.signing_keys().await?;
    if records
        .iter()
        .any(|k| k.alg == alg && k.state == KeyState::Active)
    {
        return Ok(());
    }
    if let Some(pending) = pending_of(&records, alg) {
        // A key waiting for its turn is better than a new one nobody has cached.
        let result = store
            .activate_signing_key(&pending.kid, alg, now, now + policy.retired_lifetime)
            .await
            .map(drop)
            .map_err(KeysError::from);
        let kid = pending.kid.as_str();
        return audited(store, actor, "keys.activate", Some(kid), now, result).await;
    }
    let result = async {
        let key = material::generate(master, alg, Start::Active, now)?;
        match store.insert_signing_key(&key).await {
            // Another instance made the first key at the same moment: theirs serves.
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(key.kid),
            Err(e) => Err(e.into()),
        }
    }
    .await;
    let kid = result.as_ref().map(|k| k.as_str().to_owned()).ok();
    audited(store, actor, "keys.create", kid.as_deref(), now, result)
        .await
        .map(drop)
}

/// Rotates the keys of `alg`: a new pending key that starts signing after the
/// publish-ahead interval, or with `at_once`, a new active key now (the pending one, if
/// there is one). The key it replaces retires.
pub async fn rotate(
    store: &dyn Store,
    master: &MasterKey,
    policy: &Policy,
    alg: SigningAlg,
    at_once: bool,
    actor: &Actor,
    now: UnixTime,
) -> Result<Kid, KeysError> {
    let result = async {
        let records = store.signing_keys().await?;
        let pending = pending_of(&records, alg);
        if at_once {
            if let Some(p) = pending {
                store
                    .activate_signing_key(&p.kid, alg, now, now + policy.retired_lifetime)
                    .await?;
                return Ok(p.kid.clone());
            }
            let key = material::generate(master, alg, Start::Active, now)?;
            store
                .replace_active_key(&key, now, now + policy.retired_lifetime)
                .await?;
            return Ok(key.kid);
        }
        if let Some(p) = pending {
            return Err(KeysError::AlreadyPending(alg, p.kid.clone()));
        }
        let key = material::generate(
            master,
            alg,
            Start::PendingUntil(now + policy.publish_ahead),
            now,
        )?;
        insert_pending(store, &key).await?;
        Ok(key.kid)
    }
    .await;
    let kid = result.as_ref().map(|k| k.as_str().to_owned()).ok();
    audited(store, actor, "keys.rotate", kid.as_deref(), now, result).await
}

async fn insert_pending(store: &dyn Store, key: &SigningKeyRecord) -> Result<(), KeysError> {
    match store.insert_signing_key(key).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => {
            // Another rotation of the same algorithm won the race.
            let records = store.signing_keys().await?;
            let other = pending_of(&records, key.alg)
                .map(|k| k.kid.clone())
                .unwrap_or_else(|| key.kid.clone());
            Err(KeysError::AlreadyPending(key.alg, other))
        }
        Err(e) => Err(e.into()),
    }
}

/// Imports an RSA key (RS256 or PS256) from a PEM file's bytes, as a pending key, or with
/// `at_once` as the active key of its algorithm.
#[allow(clippy::too_many_arguments)]
pub async fn import(
    store: &dyn Store,
    master: &MasterKey,
    policy: &Policy,
    alg: SigningAlg,
    pem: &[u8],
    at_once: bool,
    actor: &Actor,
    now: UnixTime,
) -> Result<Kid, KeysError> {
    let result = async {
        let (pkcs8, pair) = KeyPair::import_pem(alg, pem)?;
        if at_once {
            let key = material::record(master, &pkcs8, &pair, Start::Active, now)?;
            store
                .replace_active_key(&key, now, now + policy.retired_lifetime)
                .await?;
            return Ok(key.kid);
        }
        let start = Start::PendingUntil(now + policy.publish_ahead);
        let key = material::record(master, &pkcs8, &pair, start, now)?;
        insert_pending(store, &key).await?;
        Ok(key.kid)
    }
    .await;
    let kid = result.as_ref().map(|k| k.as_str().to_owned()).ok();
    audited(store, actor, "keys.import", kid.as_deref(), now, result).await
}

/// What a revocation did.
#[derive(Debug)]
pub struct Revoked {
    pub kid: Kid,
    /// The key made active first, when the revoked one was signing.
    pub replacement: Option<Kid>,
    /// The revocation of its tokens, recorded as write `seq`, for the caller to put in
    /// the shared view.
    pub record: RevocationRecord,
    pub seq: RevocationSeq,
}

/// Revokes key `kid`: gone from JWKS at once, every token it signed inactive (a kid
/// revocation in the record; the caller writes it to the shared view). The active
/// key of an algorithm is only revoked with `force`, and then a new active key (the
/// pending one, or a fresh one) takes its place first, so signing never stops.
pub async fn revoke(
    store: &dyn Store,
    master: &MasterKey,
    policy: &Policy,
    kid: &str,
    force: bool,
    actor: &Actor,
    now: UnixTime,
) -> Result<Revoked, KeysError> {
    let result = async {
        let kid = Kid::parse(kid).map_err(|_| KeysError::UnknownKid(kid.to_owned()))?;
        let records = store.signing_keys().await?;
        let key = records
            .iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| KeysError::UnknownKid(kid.to_string()))?;
        let replacement = match key.state {
            KeyState::Revoked => return Err(KeysError::AlreadyRevoked(kid)),
            KeyState::Active if !force => return Err(KeysError::OnlyActiveKey(kid, key.alg)),
            KeyState::Active => {
                let alg = key.alg;
                if pending_of(&records, alg).is_none() && !alg.can_generate() {
                    return Err(KeysError::CannotGenerate(alg));
                }
                Some(rotate(store, master, policy, alg, true, actor, now).await?)
            }
            KeyState::Pending | KeyState::Retired => None,
        };
        // The tokens first, in the revocation record, which every view follows even
        // where the key rows cannot be read; a failure after it leaves them dead and the
        // key revocable again.
        let record = RevocationRecord {
            revoked: RevokedTarget::Kid(kid.clone()),
            revoked_at: now,
            until: now + MAX_TOKEN_TTL + policy.revocation_skew,
        };
        let seq = store
            .record_revocations(std::slice::from_ref(&record))
            .await?;
        if !store.revoke_signing_key(&kid, now).await? {
            return Err(KeysError::AlreadyRevoked(kid));
        }
        Ok(Revoked {
            kid,
            replacement,
            record,
            seq,
        })
    }
    .await;
    audited(store, actor, "keys.revoke", Some(kid), now, result).await
}

/// Re-encrypts every private key under `new`, in one transaction. Nothing changes unless
/// every key opens under `old`.
pub async fn rewrap(
    store: &dyn Store,
    old: &MasterKey,
    new: &MasterKey,
    actor: &Actor,
    now: UnixTime,
) -> Result<usize, KeysError> {
    let result = async {
        let records = store.signing_keys().await?;
        let mut sealed = Vec::with_capacity(records.len());
        for key in &records {
            let aad = key.kid.as_str().as_bytes();
            let pkcs8 = old
                .open(aad, &key.private_key_sealed)
                .map_err(|e| KeysError::Unopened(key.kid.clone(), Box::new(e.into())))?;
            sealed.push((key.kid.clone(), new.seal(aad, &pkcs8)?));
        }
        store.reseal_signing_keys(&sealed).await?;
        Ok(sealed.len())
    }
    .await;
    audited(store, actor, "keys.rewrap", None, now, result).await
}

/// What an instance does on each refresh: activates the pending keys whose time has
/// come, and when a rotation schedule is set and an active key is due, makes its
/// successor. Returns whether anything changed.
pub(super) async fn due(
    store: &dyn Store,
    master: &MasterKey,
    policy: &Policy,
    actor: &Actor,
    records: &[SigningKeyRecord],
    now: UnixTime,
) -> Result<bool, KeysError> {
    let mut changed = false;
    for key in records.iter().filter(|k| k.state == KeyState::Pending) {
        if key.activate_at.is_some_and(|at| at <= now)
            && store
                .activate_signing_key(&key.kid, key.alg, now, now + policy.retired_lifetime)
                .await?
        {
            audited(
                store,
                actor,
                "keys.activate",
                Some(key.kid.as_str()),
                now,
                Ok::<(), KeysError>(()),
            )
            .await?;
            changed = true;
        }
    }
    changed |= scheduled(store, master, policy, actor, records, now).await?;
    Ok(changed)
}

/// A scheduled rotation, when `SIGIL_KEY_ROTATION_DAYS` is set: each generated algorithm
/// whose active key has signed for that long, less the publish-ahead interval, gets a
/// pending successor. Of several instances seeing it due at once, the store lets one
/// insert it (one pending key per algorithm); the others find it done.
pub async fn scheduled(
    store: &dyn Store,
    master: &MasterKey,
    policy: &Policy,
    actor: &Actor,
    records: &[SigningKeyRecord],
    now: UnixTime,
) -> Result<bool, KeysError> {
    let Some(days) = policy.rotation_days else {
        return Ok(false);
    };
    let period = i64::from(days) * 86_400;
    let mut changed = false;
    for active in records.iter().filter(|k| k.state == KeyState::Active) {
        let since = active.activated_at.unwrap_or(active.created_at);
        let due = since + period - policy.publish_ahead <= now;
        if !due || !active.alg.can_generate() || pending_of(records, active.alg).is_some() {
            continue;
        }
        let start = Start::PendingUntil(now + policy.publish_ahead);
        let key = material::generate(master, active.alg, start, now)?;
        match store.insert_signing_key(&key).await {
            Ok(()) => {
                crate::audit::record::<KeysError>(
                    store,
                    actor,
                    "keys.rotate",
                    Some(key.kid.as_str()),
                    Ok(()),
                    now,
                )
                .await;
                changed = true;
            }
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(changed)
}
