//! The shared view (Redis) with a copy of it in each process, so that a token's
//! revocation state is answered without a network round trip (ARCHITECTURE "Hot paths").
//!
//! A writer puts each revocation in Redis and announces it on the event bus in the same
//! pipeline, with the record's sequence number. Every instance applies what it hears to
//! its copy, which counts itself whole up to a number by the views' usual rule (a write
//! counts once every write below it has been heard). The copy answers while:
//! - the subscription is up: a message published while it was down is lost, so each
//!   (re)subscription, and any message the process fell behind on or could not read,
//!   starts the copy over as behind;
//! - no write has been missing for longer than [`GAP_GRACE`]: two writers announce in an
//!   order of their own, so a number may arrive just before the one below it, but one
//!   missing for longer was lost.
//!
//! Otherwise each request asks Redis, one round trip as before, and the follow loop
//! restores the copy from the record at once (it is told, and `holds` says the copy is
//! behind), after which the copy answers again. A writer that crashed between its record
//! and its announcement leaves a number nobody hears; the follow loop's poll of the
//! record finds the copy behind within one poll interval and restores it. So the copy
//! never answers "not revoked" for a revocation it can know it missed; what it cannot
//! know is a message still on the wire, which is the propagation delay (milliseconds).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::sync::broadcast::{self, error::RecvError};

use super::announcement::decode;
use super::memory::MemoryRevocationList;
use super::redis::RedisRevocationList;
use super::{RevocationError, RevocationList, TokenRef};
use crate::clock::{Clock, UnixTime};
use crate::domain::ClientId;
use crate::events::Event;
use crate::store::{RevocationRecord, RevocationSeq};

/// How long a write may be missing below one already heard before the copy stops
/// answering on its own.
pub const GAP_GRACE: Duration = Duration::from_millis(100);

pub struct MirroredRevocationList {
    shared: RedisRevocationList,
    copy: MemoryRevocationList,
    subscribed: AtomicBool,
    /// Rung when the copy falls behind, so it is restored without waiting for a poll.
    behind: Arc<Notify>,
}

impl MirroredRevocationList {
    /// The shared view `shared` (announcing its writes), copied in process from `events`.
    pub fn new(
        shared: RedisRevocationList,
        clock: Arc<dyn Clock>,
        events: broadcast::Receiver<Event>,
    ) -> Arc<Self> {
        let list = Arc::new(Self {
            shared,
            copy: MemoryRevocationList::new(clock),
            subscribed: AtomicBool::new(false),
            behind: Arc::new(Notify::new()),
        });
        tokio::spawn(listen(Arc::downgrade(&list), events));
        list
    }

    fn copy_answers(&self) -> bool {
        self.subscribed.load(Ordering::Acquire) && self.copy.is_current(GAP_GRACE)
    }

    fn fell_behind(&self) {
        self.copy.forget_seq();
        self.behind.notify_one();
    }
}

async fn listen(
    list: std::sync::Weak<MirroredRevocationList>,
    mut events: broadcast::Receiver<Event>,
) {
    loop {
        let event = events.recv().await;
        let Some(list) = list.upgrade() else {
            return;
        };
        match event {
            Ok(Event::Connected) => {
                list.subscribed.store(true, Ordering::Release);
                list.fell_behind();
            }
            Ok(Event::Disconnected) => list.subscribed.store(false, Ordering::Release),
            Ok(Event::Message(bytes)) => match decode(&bytes) {
                Some((seq, records)) => {
                    if list.copy.add(&records, seq).await.is_err() {
                        list.fell_behind();
                    }
                }
                None => {
                    tracing::warn!("an unreadable revocation announcement");
                    list.fell_behind();
                }
            },
            Err(RecvError::Lagged(_)) => list.fell_behind(),
            Err(RecvError::Closed) => return,
        }
    }
}

#[async_trait]
impl RevocationList for MirroredRevocationList {
    async fn add(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError> {
        self.shared.add(records, seq).await?;
        // This instance's own write counts at once; its echo from the bus is then a repeat.
        self.copy.add(records, seq).await
    }

    async fn restore(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError> {
        // Redis is rewritten only when it is behind too: a copy that merely lost its
        // subscription does not make every instance rewrite the shared view.
        if !self.shared.holds(seq).await? {
            self.shared.restore(records, seq).await?;
        }
        self.copy.restore(records, seq).await
    }

    async fn holds(&self, recorded: RevocationSeq) -> Result<bool, RevocationError> {
        Ok(self.copy.holds(recorded).await? && self.shared.holds(recorded).await?)
    }

    async fn is_revoked(&self, token: &TokenRef<'_>) -> Result<bool, RevocationError> {
        if self.copy_answers() {
            return self.copy.is_revoked(token).await;
        }
        self.shared.is_revoked(token).await
    }

    async fn client_revoked_at(
        &self,
        client: &ClientId,
    ) -> Result<Option<UnixTime>, RevocationError> {
        if self.copy_answers() {
            return self.copy.client_revoked_at(client).await;
        }
        self.shared.client_revoked_at(client).await
    }

    async fn ping(&self) -> Result<(), RevocationError> {
        self.shared.ping().await
    }

    fn written_by_every_writer(&self) -> bool {
        true
    }

    fn behind_signal(&self) -> Option<Arc<Notify>> {
        Some(self.behind.clone())
    }

    fn describe(&self) -> &'static str {
        "redis, copied in process"
    }
}
