//! Password hashing: argon2id PHC strings, run off the async executor on a bounded pool.
//!
//! A login flood must not starve /token or /introspect (ARCHITECTURE invariant 4), so at
//! most `concurrency` hashes run at once on tokio's blocking threads and at most
//! `queue` more wait; past that a login is refused as busy rather than queued forever.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use super::{CryptoError, random_bytes};

/// Passwords longer than this are refused before hashing: argon2 would accept them, but a
/// megabyte password is an attack on the pool, not a credential.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// argon2id cost parameters (OWASP 2023: m = 19 MiB, t = 2, p = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, and the stored hash used other parameters: here is the new one to store.
    YesRehashed(String),
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: HashParams,
    running: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
    /// A hash of a random password, verified against when the user does not exist so
    /// that an unknown user costs the same time as a wrong password.
    dummy: Arc<str>,
    /// Argon2 verifications run so far: every login attempt adds exactly one, whether
    /// or not the user exists (the basis of a metric, and of the enumeration test).
    verifications: Arc<AtomicU64>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(params: HashParams, concurrency: usize, queue: usize) -> Result<Self, CryptoError> {
        let dummy_password = super::random_token()?;
        let dummy = hash_blocking(&params, dummy_password.as_bytes())?;
        Ok(Self {
            params,
            running: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: Arc::new(Semaphore::new(concurrency.max(1) + queue)),
            dummy: dummy.into(),
            verifications: Arc::new(AtomicU64::new(0)),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String, CryptoError> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(CryptoError::Password("password too long".into()));
        }
        let params = self.params;
        let password = password.to_owned();
        self.run(move || hash_blocking(&params, password.as_bytes()))
            .await
    }

    /// Verifies `password` against `stored`, or against the dummy hash when `stored` is
    /// `None`, so both paths take the same time and give the same answer.
    pub async fn verify(
        &self,
        stored: Option<&str>,
        password: &str,
    ) -> Result<Verified, CryptoError> {
        let known = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy.to_string(), str::to_owned);
        // Over-long passwords are still checked (against a truncation that cannot match a
        // real hash) so their timing matches an ordinary miss.
        let too_long = password.len() > MAX_PASSWORD_BYTES;
        let password = if too_long {
            String::new()
        } else {
            password.to_owned()
        };
        let params = self.params;
        let counter = self.verifications.clone();
        self.run(move || {
            let ok = verify_blocking(&stored, password.as_bytes());
            counter.fetch_add(1, Ordering::Relaxed);
            if !ok || !known || too_long {
                return Ok(Verified::No);
            }
            if uses_params(&stored, &params) {
                Ok(Verified::Yes)
            } else {
                Ok(Verified::YesRehashed(hash_blocking(
                    &params,
                    password.as_bytes(),
                )?))
            }
        })
        .await
    }

    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, CryptoError> + Send + 'static,
    ) -> Result<T, CryptoError> {
        let _queued = self
            .waiting
            .clone()
            .try_acquire_owned()
            .map_err(|_| CryptoError::Busy)?;
        let _running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| CryptoError::Busy)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| CryptoError::Password(e.to_string()))?
    }
}

fn argon2(params: &HashParams) -> Result<Argon2<'static>, CryptoError> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        None,
    )
    .map_err(|e| CryptoError::Password(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
}

fn hash_blocking(params: &HashParams, password: &[u8]) -> Result<String, CryptoError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| CryptoError::Password(e.to_string()))?;
    argon2(params)?
        .hash_password(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Password(e.to_string()))
}

/// Cost limits a stored hash must respect before argon2 sees it. Stored hashes are
/// sigil's own, but a corrupted or planted row must cost a refusal, not gigabytes of
/// memory or a panic: argon2 0.5's parameter check multiplies `8 * p` unchecked, which
/// overflows for a huge `p` (found by `fuzz/fuzz_targets/phc.rs`).
const MAX_MEMORY_KIB: u32 = 1 << 20;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 64;

/// The cost parameters of a stored argon2id PHC string, read without argon2's own
/// parameter parsing, or `None` if the string is anything else or out of bounds.
pub fn phc_params(stored: &str) -> Option<HashParams> {
    let parsed = PasswordHash::new(stored).ok()?;
    if parsed.algorithm != argon2::ARGON2ID_IDENT || parsed.version != Some(0x13) {
        return None;
    }
    // Exactly m, t and p, each once: argon2 reads a repeated parameter differently from
    // `get_decimal` (found by `fuzz/fuzz_targets/phc.rs`: `m=38,t=2,m=444444444` passed
    // the bound on its first `m` and had argon2 allocate by the second), and `keyid` or
    // `data` have no place in a hash sigil wrote.
    let mut names: Vec<&str> = parsed
        .params
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    names.sort_unstable();
    if names != ["m", "p", "t"] {
        return None;
    }
    let get = |name: &str| parsed.params.get_decimal(name);
    let found = HashParams {
        memory_kib: get("m")?,
        iterations: get("t")?,
        parallelism: get("p")?,
    };
    let in_bounds = (1..=MAX_PARALLELISM).contains(&found.parallelism)
        && (1..=MAX_ITERATIONS).contains(&found.iterations)
        && (8 * found.parallelism..=MAX_MEMORY_KIB).contains(&found.memory_kib);
    in_bounds.then_some(found)
}

/// Checks `password` against a stored PHC string, on the calling thread: argon2 work,
/// for the bounded pool (or a fuzz target), never for the async executor. A malformed or
/// out-of-bounds stored hash verifies as false: a broken row must never let anyone in,
/// nor take the server down.
pub fn verify_blocking(stored: &str, password: &[u8]) -> bool {
    if phc_params(stored).is_none() {
        tracing::error!("a stored password hash is malformed or out of bounds");
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    // The verifier takes its parameters from the PHC string itself.
    Argon2::default().verify_password(password, &parsed).is_ok()
}

/// Whether a stored PHC string is argon2id with exactly `params`; anything else is "no",
/// which leads to a re-hash on the next successful login.
pub fn uses_params(stored: &str, params: &HashParams) -> bool {
    phc_params(stored).is_some_and(|found| found == *params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> HashParams {
        HashParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = PasswordHasher::new(cheap(), 2, 2).unwrap();
        let phc = h.hash("correct horse").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert_eq!(
            h.verify(Some(&phc), "correct horse").await.unwrap(),
            Verified::Yes
        );
        assert_eq!(h.verify(Some(&phc), "wrong").await.unwrap(), Verified::No);
        assert_eq!(h.verify(None, "correct horse").await.unwrap(), Verified::No);
    }

    #[tokio::test]
    async fn rehashes_when_parameters_change() {
        let old = PasswordHasher::new(cheap(), 1, 1).unwrap();
        let phc = old.hash("pw").await.unwrap();
        let new_params = HashParams {
            memory_kib: 128,
            ..cheap()
        };
        let new = PasswordHasher::new(new_params, 1, 1).unwrap();
        match new.verify(Some(&phc), "pw").await.unwrap() {
            Verified::YesRehashed(h) => assert!(h.contains("m=128,t=1,p=1")),
            other => panic!("expected a rehash, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn malformed_stored_hash_never_verifies() {
        let h = PasswordHasher::new(cheap(), 1, 1).unwrap();
        for bad in [
            "",
            "$argon2id$",
            "plaintext",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$",
        ] {
            assert_eq!(h.verify(Some(bad), "").await.unwrap(), Verified::No);
        }
    }

    #[test]
    fn phc_parameters_are_bounded_before_argon2_sees_them() {
        let ok = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        assert_eq!(phc_params(ok), Some(HashParams::default()));
        for bad in [
            // Found by the fuzzer: argon2 0.5 overflows on 8 * p.
            "$argon2id$v=1$m=19456,t=2,p=944562221$clJOnQ",
            "$argon2id$v=19$m=19456,t=2,p=944562221$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=19456,t=100000,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=4,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            // Found by the fuzzer: a repeated parameter read one way by the bound, the
            // other way by argon2.
            "$argon2id$v=19$m=38,t=2,m=444444444,p=1$zblc2Bh2$3O5T/S3O5T/S1ZbJHwO2nQ",
            "$argon2id$v=19$m=19456,t=2,p=1,t=100000$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=19456,t=2,p=1,keyid=AAAA$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=19456,t=2$c29tZXNhbHQ$aGFzaA",
        ] {
            assert_eq!(phc_params(bad), None, "{bad}");
            assert!(!uses_params(bad, &HashParams::default()));
            assert!(!verify_blocking(bad, b"x"));
        }
    }

    #[tokio::test]
    async fn over_long_password_is_refused() {
        let h = PasswordHasher::new(cheap(), 1, 1).unwrap();
        let long = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(h.hash(&long).await.is_err());
        let phc = h.hash("a").await.unwrap();
        assert_eq!(h.verify(Some(&phc), &long).await.unwrap(), Verified::No);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_pool_refuses_instead_of_queueing_forever() {
        // One slot, no queue: while one hash runs, the next caller is told busy at once.
        let slow = HashParams {
            memory_kib: 64 * 1024,
            iterations: 4,
            parallelism: 1,
        };
        let h = PasswordHasher::new(slow, 1, 0).unwrap();
        let running = {
            let h = h.clone();
            tokio::spawn(async move { h.hash("first").await })
        };
        // Wait until the first hash holds the slot.
        while h.waiting.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(h.hash("second").await, Err(CryptoError::Busy)));
        assert!(running.await.unwrap().is_ok());
        assert!(h.hash("third").await.is_ok(), "the slot is free again");
    }
}
