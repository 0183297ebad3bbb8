//! Configuration: defaults < `sigil.toml` (or `--config FILE`) < environment, read once
//! at start and checked into a [`Config`] that the rest of sigil trusts.

mod check;
mod raw;
pub mod reference;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::branding::Branding;
use crate::crypto::passwords::HashParams;
use crate::domain::SigningAlg;
use crate::limits::Limits;

use raw::{RawConfig, read_file};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

/// Where credentials live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    Postgres { url: String },
    Sqlite { path: PathBuf },
}

/// Where revocations live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationConfig {
    /// `ca_file`: the CA of a `rediss://` server's certificate, when not a public one.
    Redis {
        url: String,
        prefix: String,
        ca_file: Option<PathBuf>,
    },
    Memory,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The issuer URL, without a trailing slash.
    pub issuer: String,
    pub store: StoreConfig,
    pub revocation: RevocationConfig,
    pub master_key_file: PathBuf,
    pub access_token_ttl: i64,
    pub id_token_ttl: i64,
    /// Idle lifetime of a refresh token: each rotation starts it again.
    pub refresh_token_ttl: i64,
    /// Absolute lifetime of a refresh family, however often it is used.
    pub refresh_absolute_ttl: i64,
    /// How long after a rotation a client that lost the response may retry with the
    /// same refresh token (0: never).
    pub refresh_retry_window: i64,
    pub code_ttl: i64,
    /// A browser session's absolute lifetime.
    pub session_ttl: i64,
    /// How long a browser session lasts without being used.
    pub session_idle_ttl: i64,
    pub password_hash: HashParams,
    pub login_concurrency: usize,
    pub login_queue: usize,
    pub workers: usize,
    /// Each HTTP worker on a CPU of its own when the workers match the CPUs one to one
    /// (see `app::placement`).
    pub pin_workers: bool,
    pub auto_migrate: bool,
    pub db_max_connections: u32,
    pub keys: KeyConfig,
    /// Added to a revocation's life beyond the expiry of what it kills, for clocks that
    /// disagree a little.
    pub revocation_skew: i64,
    /// How often expired rows are purged (one instance a round).
    pub housekeeping_interval: std::time::Duration,
    /// How long a client may take to send a request's headers, and then its body.
    pub request_timeout: std::time::Duration,
    pub limits: Limits,
    /// Peers whose `X-Forwarded-For` is believed: the load balancers in front of sigil.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The organisation's name, colour and logo on the pages.
    pub branding: Branding,
    /// Where /metrics is served instead of the main listener (an admin network).
    pub metrics_listen: Option<SocketAddr>,
    /// Serve https from these PEM files (reloaded when they change).
    pub tls: Option<TlsFiles>,
    /// Seconds security events are kept before housekeeping purges them.
    pub audit_retention: i64,
}

/// The certificate chain and private key of sigil's own https listener, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub use crate::domain::MAX_TOKEN_TTL;

/// How signing keys are used, rotated and followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyConfig {
    /// The algorithm of access tokens.
    pub access_token_alg: SigningAlg,
    /// How long a new key is published before it signs: longer than any JWKS cache
    /// (see [`KeyConfig::jwks_max_age`]), so no resource server meets a token whose key
    /// it has not seen.
    pub publish_ahead: i64,
    /// Rotate on a schedule: every this many days (off when `None`).
    pub rotation_days: Option<u32>,
    /// How often each instance re-reads the keys (milliseconds): the fallback to Redis
    /// pub/sub, and the only path on the embedded default.
    pub poll_ms: u64,
}

impl KeyConfig {
    /// The JWKS `Cache-Control: max-age`: at most half the publish-ahead interval (and
    /// at most five minutes), so a cache always refreshes before a new key signs.
    pub fn jwks_max_age(&self) -> i64 {
        (self.publish_ahead / 2).clamp(0, 300)
    }

    /// How long an instance may go without reading the keys before it stops vouching
    /// for tokens: five poll intervals.
    pub fn stale_after(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms.saturating_mul(5))
    }
}

impl Config {
    /// Whether the issuer is served over https, and so cookies must be `Secure`.
    pub fn is_https(&self) -> bool {
        self.issuer.starts_with("https://")
    }
}

impl Config {
    /// Loads the configuration: `file` if given (an error if missing), else `sigil.toml`
    /// when present, then the environment through `env`.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut raw = match file {
            Some(path) => read_file(path)?,
            None if Path::new("sigil.toml").exists() => read_file(Path::new("sigil.toml"))?,
            None => RawConfig::default(),
        };
        raw.apply_env(env)?;
        raw.check()
    }

    /// The process environment, for `load`.
    pub fn from_process_env(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load(file, &|name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }
}
