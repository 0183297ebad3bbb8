//! The shared limiter (Redis) with the one fact the hot paths ask of it copied in each
//! process: which counters are over their limit now, and until when. Asking "may this
//! caller try?" then costs no round trip; counting a failure still goes to Redis, and
//! failures are not the hot path.
//!
//! Whoever charges a counter past its limit learns it from the charge itself, records it
//! in Redis's set of limited counters (same script) and announces it on the event bus;
//! every instance adds what it hears to its copy. The copy answers while the subscription
//! is up and it has read the set since subscribing; otherwise each check asks Redis, as
//! before. A counter limited elsewhere reaches this instance as fast as the announcement
//! does (milliseconds): in that window a few more failures may be checked than the limit
//! allows, which GCRA's own tolerance already does. A limit is never lifted early here:
//! entries only expire, on this instance's monotonic clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::RecvError};

use super::redis::RedisLimiter;
use super::{Counter, LimitError, Limiter, Verdict};
use crate::events::{Bus, Event, Topic};

/// Counters limited somewhere, as announced.
#[derive(Serialize, Deserialize)]
struct Limited {
    name: String,
    wait_ms: u64,
}

pub struct MirroredLimiter {
    shared: RedisLimiter,
    bus: Bus,
    /// Counter name → when its limit lifts.
    limited: Mutex<HashMap<String, Instant>>,
    /// When the last limit in the copy lifts, in milliseconds after `epoch` (rounded up):
    /// entries only ever expire, so from then on none is limited, unless more are noted.
    lifts_at: AtomicU64,
    epoch: Instant,
    /// Subscribed, and the set read since: the copy may answer.
    current: AtomicBool,
}

impl MirroredLimiter {
    pub fn new(shared: RedisLimiter, bus: Bus, events: broadcast::Receiver<Event>) -> Arc<Self> {
        let limiter = Arc::new(Self {
            shared,
            bus,
            limited: Mutex::new(HashMap::new()),
            lifts_at: AtomicU64::new(0),
            epoch: Instant::now(),
            current: AtomicBool::new(false),
        });
        tokio::spawn(listen(Arc::downgrade(&limiter), events));
        limiter
    }

    fn note(&self, entries: impl IntoIterator<Item = (String, Duration)>) {
        let now = Instant::now();
        if let Ok(mut limited) = self.limited.lock() {
            limited.retain(|_, until| *until > now);
            for (name, wait) in entries {
                let until = now + wait;
                let entry = limited.entry(name).or_insert(until);
                *entry = (*entry).max(until);
                let lifts = until.duration_since(self.epoch).as_micros().div_ceil(1000);
                self.lifts_at
                    .fetch_max(u64::try_from(lifts).unwrap_or(u64::MAX), Ordering::AcqRel);
            }
        }
    }

    /// Reads the whole set from Redis, then lets the copy answer.
    async fn catch_up(&self) -> Result<(), LimitError> {
        let all = self.shared.limited_now().await?;
        self.note(all);
        self.current.store(true, Ordering::Release);
        Ok(())
    }
}

async fn listen(limiter: Weak<MirroredLimiter>, mut events: broadcast::Receiver<Event>) {
    loop {
        let event = events.recv().await;
        let Some(limiter) = limiter.upgrade() else {
            return;
        };
        let lost = match event {
            Ok(Event::Message(bytes)) => match serde_json::from_slice::<Vec<Limited>>(&bytes) {
                Ok(found) => {
                    limiter.note(
                        found
                            .into_iter()
                            .map(|l| (l.name, Duration::from_millis(l.wait_ms))),
                    );
                    false
                }
                Err(_) => true,
            },
            Ok(Event::Disconnected) => {
                limiter.current.store(false, Ordering::Release);
                false
            }
            Ok(Event::Connected) | Err(RecvError::Lagged(_)) => true,
            Err(RecvError::Closed) => return,
        };
        if lost {
            limiter.current.store(false, Ordering::Release);
            // Until this succeeds every check asks Redis; it is tried again with the next
            // event, and a reconnection is one.
            if let Err(e) = limiter.catch_up().await {
                tracing::warn!(error = %e, "could not read the limited counters");
            }
        }
    }
}

#[async_trait]
impl Limiter for MirroredLimiter {
    async fn check(&self, counters: &[Counter]) -> Result<Verdict, LimitError> {
        if !self.current.load(Ordering::Acquire) {
            return self.shared.check(counters).await;
        }
        let now = Instant::now();
        let limited = self
            .limited
            .lock()
            .map_err(|_| LimitError("lock poisoned".into()))?;
        let wait = counters
            .iter()
            .filter_map(|c| limited.get(&c.name))
            .map(|until| until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        Ok(if wait.is_zero() {
            Verdict::Allowed
        } else {
            Verdict::Limited(wait)
        })
    }

    async fn charge(&self, counters: &[Counter]) -> Result<(), LimitError> {
        let waits = self.shared.charge_each(counters).await?;
        let now_limited: Vec<Limited> = counters
            .iter()
            .zip(waits)
            .filter(|(_, wait)| !wait.is_zero())
            .map(|(c, wait)| Limited {
                name: c.name.clone(),
                wait_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            })
            .collect();
        if now_limited.is_empty() {
            return Ok(());
        }
        self.note(
            now_limited
                .iter()
                .map(|l| (l.name.clone(), Duration::from_millis(l.wait_ms))),
        );
        if let Ok(message) = serde_json::to_vec(&now_limited) {
            self.bus.publish(Topic::Limits, &message).await;
        }
        Ok(())
    }

    /// The copy knows while it is current: then nothing is limited once the last of its
    /// entries has lifted. One atomic read, with no lock and no walk over the entries,
    /// which may number many thousands after a spread-out attack.
    fn none_limited(&self) -> bool {
        self.current.load(Ordering::Acquire)
            && u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
                >= self.lifts_at.load(Ordering::Acquire)
    }
}
