//! The in-process limiter, for the single-node embedded default.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Counter, LimitError, Limiter, Verdict, gcra};

/// Counters past this many are swept of the idle ones.
const SWEEP_AT: usize = 100_000;

pub struct MemoryLimiter {
    start: Instant,
    counters: Mutex<HashMap<String, u64>>,
    /// No counter is over its limit from this time on (milliseconds on `start`'s clock),
    /// unless more failures are counted: the latest end of any limit charged so far.
    limited_until: AtomicU64,
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            counters: Mutex::new(HashMap::new()),
            limited_until: AtomicU64::new(0),
        }
    }
}

impl MemoryLimiter {
    /// Milliseconds on a monotonic clock: limits measure real time passing.
    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn poisoned<T>(_: T) -> LimitError {
        LimitError("lock poisoned".into())
    }
}

#[async_trait]
impl Limiter for MemoryLimiter {
    async fn check(&self, counters: &[Counter]) -> Result<Verdict, LimitError> {
        let now = self.now();
        let map = self.counters.lock().map_err(Self::poisoned)?;
        let wait = counters
            .iter()
            .filter_map(|c| {
                gcra::wait_ms(
                    map.get(&c.name).copied(),
                    now,
                    c.limit.interval_ms(),
                    c.limit.count,
                )
            })
            .max();
        Ok(wait.map_or(Verdict::Allowed, |ms| {
            Verdict::Limited(Duration::from_millis(ms))
        }))
    }

    async fn charge(&self, counters: &[Counter]) -> Result<(), LimitError> {
        let now = self.now();
        let mut map = self.counters.lock().map_err(Self::poisoned)?;
        for c in counters {
            let tat = gcra::charged(map.get(&c.name).copied(), now, c.limit.interval_ms());
            map.insert(c.name.clone(), tat);
            let until = gcra::limited_until(tat, c.limit.interval_ms(), c.limit.count);
            self.limited_until.fetch_max(until, Ordering::AcqRel);
        }
        if map.len() > SWEEP_AT {
            map.retain(|_, tat| *tat > now);
        }
        Ok(())
    }

    fn none_limited(&self) -> bool {
        self.now() >= self.limited_until.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limit;

    fn counter(name: &str, count: u32, millis: u64) -> Counter {
        Counter {
            name: name.into(),
            limit: Limit {
                count,
                period: Duration::from_millis(millis),
            },
        }
    }

    #[tokio::test]
    async fn none_limited_holds_exactly_while_check_allows_everything() {
        let limiter = MemoryLimiter::default();
        // Two failures a minute, then one in a 200 ms window that ends soon.
        let (slow, fast) = (counter("slow", 2, 60_000), counter("fast", 1, 200));
        assert!(limiter.none_limited(), "nothing counted yet");
        limiter.charge(std::slice::from_ref(&slow)).await.unwrap();
        assert!(limiter.none_limited(), "one failure of two fits");
        assert_eq!(
            limiter.check(std::slice::from_ref(&slow)).await.unwrap(),
            Verdict::Allowed
        );
        limiter.charge(std::slice::from_ref(&fast)).await.unwrap();
        assert!(!limiter.none_limited(), "a counter is at its limit");
        assert!(matches!(
            limiter.check(std::slice::from_ref(&fast)).await.unwrap(),
            Verdict::Limited(_)
        ));
        // Counters that were never charged are allowed, but the shortcut is off while
        // any limit lasts: it answers for every counter at once.
        assert_eq!(
            limiter.check(&[counter("other", 1, 200)]).await.unwrap(),
            Verdict::Allowed
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(limiter.none_limited(), "the only limit has lifted");
        assert_eq!(
            limiter.check(std::slice::from_ref(&fast)).await.unwrap(),
            Verdict::Allowed
        );
        limiter.charge(std::slice::from_ref(&slow)).await.unwrap();
        assert!(
            !limiter.none_limited(),
            "the second failure of two reaches the limit"
        );
    }
}
