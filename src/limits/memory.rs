//! The in-process limiter, for the single-node embedded default.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Counter, LimitError, Limiter, Verdict, gcra};

/// Counters past this many are swept of the idle ones.
const SWEEP_AT: usize = 100_000;

pub struct MemoryLimiter {
    start: Instant,
    counters: Mutex<HashMap<String, u64>>,
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            counters: Mutex::new(HashMap::new()),
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
        }
        if map.len() > SWEEP_AT {
            map.retain(|_, tat| *tat > now);
        }
        Ok(())
    }
}
