//! sigil's persistence: one [`Store`] trait (a trait per aggregate, gathered), chosen once
//! at start-up, with a Postgres and an SQLite implementation in crates of their own.
//!
//! Both backends run the same statements: one `.sql` file per statement under `sql/`,
//! stamped into each backend crate by [`impl_sql_store!`], where sqlx's macros check it
//! against that backend's migrated schema at build time. Rows decode into plain column
//! types and become typed records in [`rows`], once.
//!
//! Secrets never reach this layer in clear: codes, refresh tokens, sessions and client
//! secrets arrive as SHA-256 digests, passwords as argon2id PHC strings, private keys
//! sealed under the master key. Single use is enforced here, atomically, by conditional
//! updates inside one transaction (ARCHITECTURE invariants 6 and 7).

#![forbid(unsafe_code)]

mod records;
pub mod rows;
mod sql;

pub use records::*;

use async_trait::async_trait;
use sigil_domain::{ClientId, GrantId, Kid, SigningAlg, UnixTime, UserId, Username};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0}")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A stored value does not parse: written by something other than sigil, or damaged.
    /// Never read as a default; callers answer as for any internal failure.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict("a record with this key")
            }
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}

/// The store, chosen once at start-up: one trait per aggregate, gathered here.
#[async_trait]
pub trait Store:
    UserStore
    + ClientStore
    + GrantStore
    + KeyStore
    + AuditStore
    + RevocationStore
    + HousekeepingStore
    + 'static
{
    /// Applies every migration this build carries that the database lacks.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// Whether the database has every migration of this build, without changing it.
    async fn schema_status(&self) -> Result<SchemaStatus, StoreError>;
    async fn ping(&self) -> Result<(), StoreError>;
    /// The connection pool now, for the metrics.
    fn pool_use(&self) -> PoolUse;
}

/// How many of the pool's connections wait idle, and how many are out with a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub idle: u32,
    pub in_use: u32,
}

/// People and their browser sessions.
#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, user: &NewUser) -> Result<(), StoreError>;
    async fn user_by_username(&self, username: &Username)
    -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_id(&self, id: &UserId) -> Result<Option<UserRecord>, StoreError>;
    async fn set_password_hash(&self, user_id: &UserId, phc: &str) -> Result<(), StoreError>;
    async fn set_user_disabled(
        &self,
        username: &Username,
        disabled: bool,
    ) -> Result<(), StoreError>;
    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// Ends a user's access in one transaction: every browser session deleted, every grant
    /// (refresh family) revoked. Access tokens are for the revocation record to end.
    async fn end_user_access(&self, user_id: &UserId, now: UnixTime) -> Result<(), StoreError>;
    /// A login's writes in one transaction (one statement on Postgres): all or nothing.
    async fn start_session(&self, start: &SessionStart) -> Result<(), StoreError>;
    /// What `user` allowed `client`, if anything.
    async fn consent(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<Option<ConsentRecord>, StoreError>;
    /// Records a consent, replacing the one before (`scope` includes what it granted).
    async fn grant_consent(&self, consent: &ConsentRecord) -> Result<(), StoreError>;
    async fn consents_of(&self, user: &UserId) -> Result<Vec<ConsentRecord>, StoreError>;
    /// Withdraws a consent and, in the same transaction, revokes the client's grants for
    /// the user. Answers the grants revoked (for the revocation record).
    async fn revoke_consent(
        &self,
        user: &UserId,
        client: &ClientId,
        now: UnixTime,
    ) -> Result<Vec<GrantId>, StoreError>;
    /// Moves a session's idle end forward to `until`.
    async fn touch_session(&self, id_hash: &Digest, until: UnixTime) -> Result<(), StoreError>;
    /// Ends one browser session; one that does not exist is already ended.
    async fn end_session(&self, id_hash: &Digest) -> Result<(), StoreError>;
    /// The session with this id digest, if it has not expired at `now`.
    async fn session(
        &self,
        id_hash: &Digest,
        now: UnixTime,
    ) -> Result<Option<SessionRecord>, StoreError>;
}

/// OAuth clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn create_client(&self, client: &ClientRecord) -> Result<(), StoreError>;
    async fn client(&self, id: &ClientId) -> Result<Option<ClientRecord>, StoreError>;
    async fn list_clients(&self) -> Result<Vec<ClientRecord>, StoreError>;
    /// Deletes a client; its codes, grants and refresh tokens go with it.
    async fn delete_client(&self, id: &ClientId) -> Result<(), StoreError>;
    /// Disables (or enables) a client; disabling revokes every grant of it too, in the
    /// same transaction. `NotFound` for an unknown client.
    async fn set_client_disabled(
        &self,
        id: &ClientId,
        disabled: bool,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// A number that moves with every change to an existing client (deletion, disabling
    /// or enabling), in the same transaction: what a cache of client records polls.
    async fn clients_changed(&self) -> Result<i64, StoreError>;
}

/// Authorization codes, grants (refresh-token families) and refresh tokens.
#[async_trait]
pub trait GrantStore: Send + Sync {
    async fn create_code(&self, code: &CodeRecord) -> Result<(), StoreError>;
    async fn code(&self, code_hash: &Digest) -> Result<Option<CodeRecord>, StoreError>;
    /// Consumes the code and records its grant (and the grant's first refresh token) in
    /// one transaction. `Replayed` when the code was already consumed: nothing is written.
    async fn redeem_code(
        &self,
        code_hash: &Digest,
        grant: &GrantRecord,
        refresh: Option<&NewRefreshToken>,
        now: UnixTime,
    ) -> Result<Redemption, StoreError>;
    async fn refresh_token(&self, token_hash: &Digest)
    -> Result<Option<RefreshRecord>, StoreError>;
    /// The common refresh in one step: reads `presented` with its family and, when
    /// [`RefreshRecord::spendable_by`] `client` at `successor.issued_at`, rotates it into
    /// `successor` as [`rotate_refresh`](Self::rotate_refresh) would. Returns the record
    /// as it was read and whether this call rotated it; when it did not, nothing was
    /// written and the caller decides from the record. One round trip on Postgres.
    async fn refresh_and_rotate(
        &self,
        presented: &Digest,
        client: &ClientId,
        successor: &Successor,
    ) -> Result<Option<RefreshRead>, StoreError>;
    /// Marks `old` rotated and stores `new` in the same family, in one transaction, only
    /// if `old` was still current and its family unrevoked; otherwise writes nothing. `old`
    /// (and `retried`, the token a client retried with, whose successor `old` was) now
    /// name `new` as their successor, and the family's last access token expires at
    /// `access_expires_at`.
    async fn rotate_refresh(
        &self,
        old_hash: &Digest,
        new: &NewRefreshToken,
        now: UnixTime,
        access_expires_at: UnixTime,
        retried: Option<&Digest>,
    ) -> Result<Redemption, StoreError>;
    /// Revokes a whole family, and says what it found.
    async fn revoke_grant(
        &self,
        grant_id: &GrantId,
        now: UnixTime,
    ) -> Result<GrantRevocation, StoreError>;
}

/// [`GrantStore::refresh_and_rotate`] as a read and then a rotation: for a store whose
/// round trips cost nothing (SQLite, in process).
pub async fn read_then_rotate<S: GrantStore + ?Sized>(
    store: &S,
    presented: &Digest,
    client: &ClientId,
    successor: &Successor,
) -> Result<Option<RefreshRead>, StoreError> {
    let Some(record) = store.refresh_token(presented).await? else {
        return Ok(None);
    };
    let rotated = record.spendable_by(client, successor.issued_at)
        && store
            .rotate_refresh(
                presented,
                &successor.row_in(&record.grant),
                successor.issued_at,
                successor.access_expires_at,
                None,
            )
            .await?
            == Redemption::Redeemed;
    Ok(Some(RefreshRead { record, rotated }))
}

/// The revocation record's sequence number: each write takes the next one, in commit
/// order, so "a view holds every write up to n" is something a view can claim and be
/// checked against.
pub type RevocationSeq = i64;

/// The record of revocations: written before any view, read back to rebuild one.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Records revocations, each widening one already recorded for the same target, in
    /// one transaction that takes the record's next sequence number, which it returns.
    async fn record_revocations(
        &self,
        records: &[RevocationRecord],
    ) -> Result<RevocationSeq, StoreError>;
    /// The sequence number of the last recorded write.
    async fn revocation_seq(&self) -> Result<RevocationSeq, StoreError>;
    /// Every revocation that still matters at `now`.
    async fn live_revocations(&self, now: UnixTime) -> Result<Vec<RevocationRecord>, StoreError>;
}

/// Signing keys and their transitions, each one transaction. The schema allows one
/// active and one pending key per algorithm, so of two instances making the same change
/// at once, one gets a `Conflict` (or `false`) and nothing half-done is left.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// Adds a key in the state it carries (pending, or the very first active one).
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<(), StoreError>;
    /// Makes the pending key `kid` the active key of `alg`, retiring the one before (whose
    /// tokens all expire by `retired_expires_at`). `false`, with nothing changed, when `kid`
    /// is no longer pending (another instance activated it first).
    async fn activate_signing_key(
        &self,
        kid: &Kid,
        alg: SigningAlg,
        now: UnixTime,
        retired_expires_at: UnixTime,
    ) -> Result<bool, StoreError>;
    /// Stores `key` as the active key of its algorithm at once, retiring the one before.
    async fn replace_active_key(
        &self,
        key: &SigningKeyRecord,
        now: UnixTime,
        retired_expires_at: UnixTime,
    ) -> Result<(), StoreError>;
    /// Revokes a key. `false` when no such key is left to revoke.
    async fn revoke_signing_key(&self, kid: &Kid, now: UnixTime) -> Result<bool, StoreError>;
    /// Replaces the sealed private part of each key named, all or nothing: `NotFound`
    /// (and nothing changed) if one of them is gone.
    async fn reseal_signing_keys(&self, sealed: &[(Kid, Vec<u8>)]) -> Result<(), StoreError>;
}

/// What housekeeping purges: rows whose time has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purge {
    Codes,
    Sessions,
    RefreshTokens,
    /// Grants with no refresh token left and no live access token.
    Grants,
    Revocations,
    /// Security events older than the retention.
    AuditEvents,
}

impl Purge {
    pub const ALL: [Purge; 6] = [
        Self::Codes,
        Self::Sessions,
        Self::RefreshTokens,
        Self::Grants,
        Self::Revocations,
        Self::AuditEvents,
    ];
}

/// Housekeeping: expired rows deleted in bounded batches, one instance a round.
#[async_trait]
pub trait HousekeepingStore: Send + Sync {
    /// Claims the purge round due at `now` and sets the next one at `next`: `true` for
    /// exactly one of the instances asking at once, `false` when it is not due.
    async fn claim_purge(&self, now: UnixTime, next: UnixTime) -> Result<bool, StoreError>;
    /// Deletes at most `limit` rows of `what` that expired before `before`; how many.
    async fn purge(&self, what: Purge, before: UnixTime, limit: i64) -> Result<u64, StoreError>;
}

/// The audit trail of security events.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Events at or after `since`, oldest first, at most `limit`; only those of `kind`
    /// (an action such as `login`, or a prefix of dotted ones such as `keys`) when given.
    async fn audit_events(
        &self,
        since: UnixTime,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Compares what a database has applied with the migrations this build carries. A
/// database that has migrations this build does not know, or whose applied migration
/// differs from ours, is an error: running against it could misread every row.
pub fn schema_status(
    migrator: &sqlx::migrate::Migrator,
    applied: &[sqlx::migrate::AppliedMigration],
) -> Result<SchemaStatus, StoreError> {
    let ours = || {
        migrator
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
    };
    for a in applied {
        match ours().find(|m| m.version == a.version) {
            None => {
                return Err(StoreError::Migration(format!(
                    "the database has migration {} that this build does not know; run a newer sigil",
                    a.version
                )));
            }
            Some(m) if m.checksum != a.checksum => {
                return Err(StoreError::Migration(format!(
                    "migration {} differs from the one applied to the database",
                    a.version
                )));
            }
            Some(_) => {}
        }
    }
    let pending = ours()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .count();
    Ok(if pending == 0 {
        SchemaStatus::Current
    } else {
        SchemaStatus::Behind { pending }
    })
}

#[doc(hidden)]
pub mod __private {
    //! What [`impl_sql_store!`](crate::impl_sql_store) needs at its expansion site.
    pub use async_trait::async_trait;
    pub use sigil_domain as domain;
}
