//! Limits on guessing: failed logins and failed client authentications, counted across
//! every instance, so that spreading guesses over instances buys nothing.
//!
//! What is counted, and why these three keys for logins:
//! - per (account, address), strict (default 5 per 15 min): one attacker on one address
//!   gets a handful of guesses at an account, then waits;
//! - per account, looser (default 20 per hour): many addresses guessing at one account
//!   meet a ceiling too, but one far above what a single attacker can push the account to
//!   from one address, so an attacker cannot lock a person out from everywhere by guessing
//!   from one place (the person's own address has its own, untouched, strict budget, and
//!   only a distributed attack reaches the account ceiling);
//! - per address (default 100 per hour): one address spraying guesses over many accounts.
//!
//! Client authentication at /token, /introspect and /revoke is counted per client_id and
//! per address. Only failures are charged, and only after the check that a caller is not
//! over a limit: a limited caller is refused before any password or secret is checked, so
//! no argon2 work runs for it. An unknown account is keyed and charged exactly like a real
//! one (by its normalised name), so lockouts tell nothing about which accounts exist.
//!
//! The limits are GCRA (the generic cell rate algorithm: a token bucket kept as one
//! timestamp per key), in Redis through one Lua script per step, run atomically on Redis's
//! own clock so every instance agrees; in process on the embedded default. `governor`, the
//! kept crate for the latter, only has a check that also consumes; counting failures alone
//! needs a check that does not, so both sides use the same few lines of arithmetic
//! (`gcra`) instead, tested against each other. A limiter that cannot answer fails closed:
//! the request gets 503, not a free guess.

mod gcra;
pub mod memory;
pub mod mirrored;
pub mod redis;

use std::time::Duration;

use async_trait::async_trait;

/// So many failures per period, at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub period: Duration,
}

impl Limit {
    /// Reads `N/SECONDS`, e.g. `5/900`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (count, seconds) = raw.split_once('/')?;
        let count: u32 = count.trim().parse().ok().filter(|c| *c > 0)?;
        let seconds: u64 = seconds.trim().parse().ok().filter(|s| *s > 0)?;
        Some(Self {
            count,
            period: Duration::from_secs(seconds),
        })
    }

    /// The GCRA emission interval: one failure "drains" in this long.
    fn interval_ms(&self) -> u64 {
        (u64::try_from(self.period.as_millis()).unwrap_or(u64::MAX) / u64::from(self.count)).max(1)
    }
}

/// The limits sigil enforces, all configurable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub login_per_account_address: Limit,
    pub login_per_account: Limit,
    pub login_per_address: Limit,
    pub client_per_id: Limit,
    pub client_per_address: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        let limit = |count, seconds| Limit {
            count,
            period: Duration::from_secs(seconds),
        };
        Self {
            login_per_account_address: limit(5, 900),
            login_per_account: limit(20, 3600),
            login_per_address: limit(100, 3600),
            client_per_id: limit(30, 600),
            client_per_address: limit(60, 600),
        }
    }
}

/// One counter: a name and the limit it is held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub name: String,
    pub limit: Limit,
}

/// A counter name never holds what it counts in clear: an account name, an address.
fn digest(parts: &[&str]) -> String {
    crate::crypto::b64url(&crate::crypto::sha256(parts.join("\u{0}").as_bytes()))
}

impl Limits {
    /// The counters of a login attempt at `account` (normalised, or as typed when it does
    /// not parse: unknown and malformed names are counted like real ones) from `address`.
    pub fn login(&self, account: &str, address: &str) -> Vec<Counter> {
        vec![
            Counter {
                name: format!("login:aa:{}", digest(&[account, address])),
                limit: self.login_per_account_address,
            },
            Counter {
                name: format!("login:a:{}", digest(&[account])),
                limit: self.login_per_account,
            },
            Counter {
                name: format!("login:ad:{}", digest(&[address])),
                limit: self.login_per_address,
            },
        ]
    }

    /// The counters of a client authentication as `client_id` from `address`.
    pub fn client(&self, client_id: &str, address: &str) -> Vec<Counter> {
        vec![
            Counter {
                name: format!("client:c:{}", digest(&[client_id])),
                limit: self.client_per_id,
            },
            Counter {
                name: format!("client:ad:{}", digest(&[address])),
                limit: self.client_per_address,
            },
        ]
    }
}

/// Whether a caller may try now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over a limit: try again after this long.
    Limited(Duration),
}

#[derive(Debug, thiserror::Error)]
#[error("the limiter is unavailable: {0}")]
pub struct LimitError(pub String);

#[async_trait]
pub trait Limiter: Send + Sync + 'static {
    /// Whether one more failure would stay within every counter's limit; changes nothing.
    async fn check(&self, counters: &[Counter]) -> Result<Verdict, LimitError>;
    /// Counts one failure on every counter.
    async fn charge(&self, counters: &[Counter]) -> Result<(), LimitError>;
    /// True only when this instance knows that no counter at all is over its limit now,
    /// so [`Self::check`] would allow any counters it were given. Every /token,
    /// /introspect and /revoke call authenticates a client, and naming its counters costs
    /// two digests; while nobody is limited (nearly always), the hot paths skip that.
    fn none_limited(&self) -> bool;
}
