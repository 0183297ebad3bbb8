//! Housekeeping: what has expired is deleted, so no table grows without bound.
//!
//! Every instance tries a round each interval; the store lets exactly one claim it (a
//! conditional update of the round's due time), so rounds do not pile up with instances.
//! Each kind of row goes in batches of [`BATCH`], at most [`MAX_BATCHES`] per round, so a
//! round never holds a long lock or a long transaction; what is left waits for the next.

use std::time::Duration;

use crate::clock::UnixTime;
use crate::store::{Purge, Store, StoreError};

/// Rows deleted per statement.
pub const BATCH: i64 = 1000;
/// Statements per kind per round.
pub const MAX_BATCHES: usize = 50;

/// What a round did: rows deleted per kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub deleted: Vec<(Purge, u64)>,
}

/// How long rows are kept past their use.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    /// The revocation skew: grants stay while a token of theirs might be presented.
    pub skew: i64,
    /// Seconds security events are kept.
    pub audit: i64,
}

/// The time before which rows of `what` may go. Codes stay an hour past their expiry
/// (a late replay then reads as unknown, which it is anyway); grants stay while a token
/// of theirs might still be presented, the revocation skew included; security events
/// for the audit retention.
fn cutoff(what: Purge, now: UnixTime, keep: Keep) -> UnixTime {
    match what {
        Purge::Codes => now - 3600,
        Purge::Grants => now - keep.skew,
        Purge::AuditEvents => now.saturating_sub(keep.audit),
        Purge::Sessions | Purge::RefreshTokens | Purge::Revocations => now,
    }
}

/// Runs a round if this instance claims it: `None` when another instance has it, or it is
/// not due yet.
pub async fn round(
    store: &dyn Store,
    now: UnixTime,
    interval: Duration,
    keep: Keep,
) -> Result<Option<Round>, StoreError> {
    let next = now + i64::try_from(interval.as_secs()).unwrap_or(i64::MAX / 2);
    if !store.claim_purge(now, next).await? {
        return Ok(None);
    }
    let mut round = Round::default();
    for what in Purge::ALL {
        let mut total = 0;
        for _ in 0..MAX_BATCHES {
            let deleted = store.purge(what, cutoff(what, now, keep), BATCH).await?;
            total += deleted;
            if deleted < BATCH.unsigned_abs() {
                break;
            }
        }
        round.deleted.push((what, total));
    }
    Ok(Some(round))
}
