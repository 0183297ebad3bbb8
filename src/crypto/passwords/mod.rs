//! Password hashing: argon2id PHC strings ([`phc`]), run off the async executor on a
//! bounded pool of workers of its own ([`pool`]).
//!
//! A login flood must not starve /token or /introspect (ARCHITECTURE invariant 4), so at
//! most `concurrency` hashes run at once and at most `queue` more wait; past that a login
//! is refused as busy rather than queued forever. A login whose caller has gone before
//! its turn costs nothing, and argon2's memory is allocated once per worker.

mod phc;
mod pool;

pub use phc::{phc_params, uses_params, verify_blocking};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::CryptoError;
use pool::Pool;

/// Passwords longer than this are refused before hashing: argon2 would accept them, but a
/// megabyte password is an attack on the pool, not a credential.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// argon2id cost parameters. The default is the least memory of the configurations OWASP's
/// password storage cheat sheet lists as equivalent (m = 7 MiB, t = 5, p = 1, Keycloak's
/// default too; beside 19 MiB with t = 2 and 12 MiB with t = 3): about the same time for
/// one hash alone, but hashes running side by side, one per core, share the last-level
/// cache, and the smaller their buffers the less each evicts the other's blocks: the
/// cores together hash about a sixth more per second than at 12 MiB (see BENCHMARKS.md).
/// Hashes stored under other parameters still verify, and are rehashed at the next
/// login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: 7 * 1024,
            iterations: 5,
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
    pool: Arc<Pool>,
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
        let blocks = phc::block_count(&params);
        // Made here, in memory freed straight after: the workers' buffers appear with the
        // first login, so an instance nobody logs in to stays small.
        let dummy_password = super::random_token()?;
        let dummy = phc::hash_with(
            &params,
            dummy_password.as_bytes(),
            &mut pool::Memory::new(0),
        )?;
        Ok(Self {
            params,
            pool: Arc::new(Pool::new(concurrency, queue, blocks, pool::RELEASE_AFTER)?),
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
        self.pool
            .run(move |memory| phc::hash_with(&params, password.as_bytes(), memory))
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
        self.pool
            .run(move |memory| {
                let ok = phc::verify_with(&stored, password.as_bytes(), memory);
                counter.fetch_add(1, Ordering::Relaxed);
                if !ok || !known || too_long {
                    return Ok(Verified::No);
                }
                if uses_params(&stored, &params) {
                    Ok(Verified::Yes)
                } else {
                    Ok(Verified::YesRehashed(phc::hash_with(
                        &params,
                        password.as_bytes(),
                        memory,
                    )?))
                }
            })
            .await
    }

    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parameters cheap enough for tests to hash with.
    pub fn cheap() -> HashParams {
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
        // One worker, no queue: while one hash runs, the next caller is told busy at once.
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
        // The first job is on the worker well within this (it hashes for far longer).
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(matches!(h.hash("second").await, Err(CryptoError::Busy)));
        assert!(running.await.unwrap().is_ok());
        assert!(h.hash("third").await.is_ok(), "the worker is free again");
    }
}
