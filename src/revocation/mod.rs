//! The views of the revocation record: which access tokens are dead before their `exp`.
//!
//! The record is the store ([`crate::store::RevocationStore`]): every revocation is
//! written there first, with the time after which it no longer matters. A view is what
//! requests consult: Redis, shared by every instance, or an in-process map on the embedded
//! default. A view may lose entries (Redis restarted without persistence, a failover to a
//! lagging replica, a process restart), so each says how far it is complete: the record
//! numbers its writes ([`RevocationSeq`], in commit order) and a view keeps the number it
//! holds every write up to. A restore sets it; an added write raises it only from the
//! number just before, since a gap is a write the view never got. A view with no number
//! (emptied), or one behind a number this instance has already seen (gone back in time),
//! answers [`RevocationError::Lost`], and the caller restores it from the record before
//! any token reads active again.
//!
//! How far back a view can go unnoticed: the instance that wrote a revocation notices at
//! its next request; every instance notices at its next request after it has read a
//! later number from the view, and at the latest at its next poll of the record
//! (every `SIGIL_KEY_POLL_MS`), where a view found behind is restored.
//!
//! A backend that cannot answer returns an error, and every caller turns that into 503:
//! an unknown revocation state is never read as "not revoked" (fail closed).

pub mod announcement;
pub mod memory;
pub mod mirrored;
pub mod redis;

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::domain::{ClientId, GrantId, Kid};
use crate::store::{RevocationRecord, RevocationSeq, RevocationStore, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    #[error("the revocation list is unavailable: {0}")]
    Unavailable(String),
    /// The view may have lost entries and must be restored from the record first.
    #[error("the revocation list lost its entries and must be restored")]
    Lost,
}

/// What an access token says about itself that a revocation can name.
#[derive(Debug, Clone, Copy)]
pub struct TokenRef<'a> {
    pub jti: &'a str,
    pub grant: &'a GrantId,
    /// The user, or for client_credentials the client itself.
    pub subject: &'a str,
    pub client: &'a ClientId,
    /// The key that signed it.
    pub kid: &'a Kid,
    pub issued_at: UnixTime,
}

/// Why a revocation did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    View(#[from] RevocationError),
}

/// Revokes: the record first (what survives), then `view` when there is one (an embedded
/// instance in another process learns from the record at its next poll). A failed view
/// write fails the call, and repeating it writes the view again, so nothing recorded stays
/// live in the view.
pub async fn revoke(
    store: &dyn RevocationStore,
    view: Option<&dyn RevocationList>,
    records: &[RevocationRecord],
) -> Result<(), RevokeError> {
    let seq = store.record_revocations(records).await?;
    if let Some(view) = view {
        view.add(records, seq).await?;
    }
    Ok(())
}

#[async_trait]
pub trait RevocationList: Send + Sync + 'static {
    /// Adds revocations the record wrote as `seq` (each lives until its `until`).
    async fn add(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError>;
    /// Makes the view whole again from the record's live entries, read after the record
    /// stood at `seq`, and marks it complete up to `seq`, in one step: a view restored
    /// halfway never counts as complete.
    async fn restore(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError>;
    /// Whether the view holds every write up to `recorded`, a number read from the
    /// record. Once it does, the view counts as lost whenever it is found behind it.
    async fn holds(&self, recorded: RevocationSeq) -> Result<bool, RevocationError>;
    /// Whether the token is revoked: by its `jti`, its grant, its signing key, or a
    /// revocation of its user or client made at or after it was issued.
    async fn is_revoked(&self, token: &TokenRef<'_>) -> Result<bool, RevocationError>;
    /// When every token of `client` was last revoked (its deletion or disabling), while
    /// that still matters.
    async fn client_revoked_at(
        &self,
        client: &ClientId,
    ) -> Result<Option<UnixTime>, RevocationError>;
    async fn ping(&self) -> Result<(), RevocationError>;
    /// Whether every writer of the record writes this view too (Redis), so that it knows
    /// of revocations this instance could not read from the store. An in-process view
    /// learns of other processes' writes only from the store.
    fn written_by_every_writer(&self) -> bool;
    /// Rung when the view knows it fell behind the record, so that whoever keeps it level
    /// restores it without waiting for its next poll.
    fn behind_signal(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        None
    }
    /// How this backend describes itself at start-up and in /readyz.
    fn describe(&self) -> &'static str;
}
