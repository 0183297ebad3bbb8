//! The only reader of the wall clock.
//!
//! Every expiry decision in sigil (token `exp`, code lifetime, session age, refresh
//! sliding window) asks a [`Clock`], so tests move time instead of sleeping and a
//! future leap-smear or monotonic source changes one file.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub use sigil_domain::UnixTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> UnixTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned read of the wall clock
    fn now(&self) -> UnixTime {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// Nanoseconds since the Unix epoch by the system clock, for ordering records written
/// within one second by different processes (never for an expiry decision).
#[allow(clippy::disallowed_methods)] // the wall clock, read here and nowhere else
pub fn ordering_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The system clock plus an offset that tests can move forward.
#[derive(Debug, Default, Clone)]
pub struct ShiftedClock {
    offset: Arc<AtomicI64>,
}

impl ShiftedClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves this clock (and every clone of it) forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> UnixTime {
        SystemClock.now() + self.offset.load(Ordering::SeqCst)
    }
}
