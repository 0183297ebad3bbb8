//! The service layer's handle on everything it needs: configuration, the clock, the
//! store and revocation list chosen at start-up, the keys and the password pool.
//! Built once by [`crate::app`]; protocol code takes `&Services`, never an HTTP type.
//!
//! It sits below the protocols and above what they use: nothing here knows OAuth's
//! error codes or any HTTP type.

pub mod clients;
pub mod released;

use clients::{Cached, Lookup};
use std::sync::Arc;

use crate::audit::Actor;
use crate::clock::Clock;
use crate::clock::UnixTime;
use crate::config::Config;
use crate::crypto::passwords::PasswordHasher;
use crate::domain::ClientId;
use crate::domain::MAX_TOKEN_TTL;
use crate::events::Bus;
use crate::keys::propagation::Notifier;
use crate::keys::{KeyRing, KeysError, Policy};
use crate::limits::Limiter;
use crate::revocation::{RevocationError, RevocationList, TokenRef};
use crate::store::{ClientRecord, RevocationRecord, Revoked, Store, StoreError};
use crate::token::claims::VerifiedAccess;
use crate::token::jwt;

pub struct Services {
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<dyn Store>,
    pub revocation: Arc<dyn RevocationList>,
    /// The guessing limits' counters, shared by every instance (Redis) or in process.
    pub limits: Arc<dyn Limiter>,
    pub keys: KeyRing,
    pub key_policy: Policy,
    /// Announces key changes this instance makes to the others.
    pub key_changes: Notifier,
    /// This instance, as the audit trail names it when it acts on its own.
    pub instance: Actor,
    pub passwords: PasswordHasher,
    /// Held while restoring the revocation view, so concurrent requests that find it
    /// incomplete restore it once.
    pub restoring: tokio::sync::Mutex<()>,
    /// Client records for the hot paths, kept until they change.
    pub clients: clients::ClientCache,
    /// What this instance hears from, and tells, the others.
    pub bus: Bus,
}

/// Why a token's state cannot be told right now: every caller answers 503, never "valid".
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    #[error(transparent)]
    Keys(#[from] KeysError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::revocation::RevokeError> for Unavailable {
    fn from(e: crate::revocation::RevokeError) -> Self {
        match e {
            crate::revocation::RevokeError::Store(e) => Self::Store(e),
            crate::revocation::RevokeError::View(e) => Self::Revocation(e),
        }
    }
}

impl Services {
    /// Records a security event a request caused, in the store's audit trail and at
    /// this instance's clock (see [`crate::audit::record_in`]).
    pub async fn audit<E: std::fmt::Display>(
        &self,
        actor: &Actor,
        action: &str,
        subject: Option<&str>,
        context: crate::audit::Context<'_>,
        outcome: Result<(), &E>,
    ) {
        crate::audit::record_in(
            self.store.as_ref(),
            actor,
            action,
            subject,
            context,
            outcome,
            self.clock.now(),
        )
        .await;
    }

    /// The one check of an access token, behind /introspect, /userinfo and /revoke: its
    /// signature and claims (a JWT of ours, for us, unexpired, under a key still
    /// published), then the revocation list (which names revoked keys too). `None` for anything not live. An error when
    /// the keys or the revocation list cannot be trusted to answer, which every caller
    /// must treat as "unknown", never as live (fail closed).
    pub async fn live_access_token(
        &self,
        token: &str,
    ) -> Result<Option<Arc<VerifiedAccess>>, Unavailable> {
        let now = self.clock.now();
        let keys = match self.keys.current() {
            Ok(keys) => keys,
            // Keys unread for too long may include one revoked since. A view that every
            // writer updates itself names that kid anyway, so it still vouches; a view
            // that learns from the store as the keys do cannot.
            Err(KeysError::Stale(_)) if self.revocation.written_by_every_writer() => {
                self.keys.last()
            }
            Err(e) => return Err(e.into()),
        };
        let verified = match jwt::verify_access(&keys, token, &self.config.issuer, now) {
            Ok(verified) => verified,
            Err(e) => {
                tracing::debug!(error = %e, "access token refused");
                return Ok(None);
            }
        };
        let claims = &verified.claims;
        let token = TokenRef {
            jti: &claims.jti,
            grant: &claims.gid,
            subject: &claims.sub,
            client: &claims.client_id,
            kid: &verified.kid,
            issued_at: claims.iat,
        };
        if self.is_revoked(&token).await? {
            return Ok(None);
        }
        Ok(Some(verified))
    }

    /// Asks the revocation view, restoring it from the record first if it lost entries.
    async fn is_revoked(&self, token: &TokenRef<'_>) -> Result<bool, Unavailable> {
        match self.revocation.is_revoked(token).await {
            Err(RevocationError::Lost) => {
                self.restore_revocations().await?;
                Ok(self.revocation.is_revoked(token).await?)
            }
            other => Ok(other?),
        }
    }

    /// Restores the revocation view from the record: at start, and whenever the view
    /// says it lost entries.
    pub async fn restore_revocations(&self) -> Result<(), Unavailable> {
        let _one_at_a_time = self.restoring.lock().await;
        // The number first: everything it counts is then among the records read after.
        let seq = self.store.revocation_seq().await?;
        let records = self.store.live_revocations(self.clock.now()).await?;
        self.revocation.restore(&records, seq).await?;
        tracing::info!(
            entries = records.len(),
            seq,
            "revocation view restored from the record"
        );
        Ok(())
    }

    /// A client, from memory when this instance has it and it is still current (see
    /// [`clients`]), else from the store. Disabled clients come back too: refusing them
    /// is the caller's business.
    pub async fn client(&self, id: &ClientId) -> Result<Option<Arc<ClientRecord>>, Unavailable> {
        let fallback = match self.clients.get(id) {
            Lookup::Current(hit) => {
                if self.read_after_revocation(&hit).await? {
                    return Ok(Some(hit.record.clone()));
                }
                None
            }
            Lookup::Stale(hit) => Some(hit),
            Lookup::Missing => None,
        };
        let generation = self.clients.generation();
        let read_at = self.clock.now();
        match self.store.client(id).await {
            Ok(Some(record)) => Ok(Some(self.clients.insert(record, read_at, generation))),
            Ok(None) => {
                self.clients.remove(id);
                Ok(None)
            }
            // The store cannot say: the last copy read stands in for it, if it may.
            Err(StoreError::Unavailable(e)) => match fallback {
                Some(hit) if self.read_after_revocation(&hit).await? => {
                    Ok(Some(hit.record.clone()))
                }
                _ => Err(StoreError::Unavailable(e).into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Whether `copy` was read after the client's latest revocation (disabling or deleting
    /// a client revokes its tokens, so a copy read before may describe a client that is
    /// gone). Times are whole seconds: a copy read in the same second as the revocation
    /// may have been read before it.
    async fn read_after_revocation(&self, copy: &Cached) -> Result<bool, Unavailable> {
        let revoked_at = self.client_revoked_at(&copy.record.id).await?;
        Ok(revoked_at.is_none_or(|at| copy.read_at > at))
    }

    /// When every token of `client` was last revoked, restoring the view first if it
    /// lost entries.
    async fn client_revoked_at(&self, client: &ClientId) -> Result<Option<UnixTime>, Unavailable> {
        match self.revocation.client_revoked_at(client).await {
            Err(RevocationError::Lost) => {
                self.restore_revocations().await?;
                Ok(self.revocation.client_revoked_at(client).await?)
            }
            other => Ok(other?),
        }
    }

    /// Revokes: the record first, then the view. A failed view write fails the call, and
    /// a retry writes the view again, so nothing recorded stays live in the view.
    pub async fn revoke(&self, records: &[RevocationRecord]) -> Result<(), Unavailable> {
        Ok(
            crate::revocation::revoke(self.store.as_ref(), Some(self.revocation.as_ref()), records)
                .await?,
        )
    }

    /// A revocation of `revoked` for tokens that expire by `expires_at`.
    pub fn revocation(&self, revoked: Revoked, expires_at: UnixTime) -> RevocationRecord {
        RevocationRecord {
            revoked,
            revoked_at: self.clock.now(),
            until: expires_at + self.config.revocation_skew,
        }
    }

    /// A revocation of every token of a user or client: it lasts as long as the longest
    /// token sigil will mint, whatever the lifetime setting was for the ones it kills.
    pub fn revocation_of_all(&self, revoked: Revoked) -> RevocationRecord {
        self.revocation(revoked, self.clock.now() + MAX_TOKEN_TTL)
    }
}
