//! Configuration: defaults < `sigil.toml` (or `--config FILE`) < environment, read once
//! at start and checked into a [`Config`] that the rest of sigil trusts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::crypto::passwords::HashParams;
use crate::domain::SigningAlg;
use crate::limits::{Limit, Limits};

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
    Redis { url: String, prefix: String },
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
    pub session_ttl: i64,
    pub password_hash: HashParams,
    pub login_concurrency: usize,
    pub login_queue: usize,
    pub workers: usize,
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

/// The file's shape; every field optional, unknown fields refused (a typo must not
/// silently leave a default in place).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<String>,
    issuer: Option<String>,
    database_url: Option<String>,
    sqlite_path: Option<PathBuf>,
    redis_url: Option<String>,
    redis_prefix: Option<String>,
    master_key_file: Option<PathBuf>,
    access_token_ttl: Option<i64>,
    id_token_ttl: Option<i64>,
    refresh_token_ttl: Option<i64>,
    refresh_absolute_ttl: Option<i64>,
    refresh_retry_window: Option<i64>,
    code_ttl: Option<i64>,
    session_ttl: Option<i64>,
    argon2_memory_kib: Option<u32>,
    argon2_iterations: Option<u32>,
    argon2_parallelism: Option<u32>,
    login_concurrency: Option<usize>,
    login_queue: Option<usize>,
    workers: Option<usize>,
    auto_migrate: Option<bool>,
    db_max_connections: Option<u32>,
    access_token_alg: Option<String>,
    key_publish_ahead: Option<i64>,
    key_rotation_days: Option<u32>,
    key_poll_ms: Option<u64>,
    revocation_skew: Option<i64>,
    housekeeping_interval: Option<u64>,
    request_timeout_ms: Option<u64>,
    limit_login_per_account_address: Option<String>,
    limit_login_per_account: Option<String>,
    limit_login_per_address: Option<String>,
    limit_client_per_id: Option<String>,
    limit_client_per_address: Option<String>,
    trusted_proxies: Option<String>,
    single_node: Option<bool>,
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

fn read_file(path: &Path) -> Result<RawConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn env_parse<T: std::str::FromStr>(
    env: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<T>, ConfigError> {
    env(name)
        .map(|v| {
            v.parse().map_err(|_| ConfigError::Invalid {
                name,
                message: format!("cannot parse {v:?}"),
            })
        })
        .transpose()
}

impl RawConfig {
    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        macro_rules! over {
            ($field:ident, $name:literal) => {
                if let Some(v) = env_parse(env, $name)? {
                    self.$field = Some(v);
                }
            };
        }
        over!(listen, "SIGIL_LISTEN");
        over!(issuer, "SIGIL_ISSUER");
        over!(database_url, "DATABASE_URL");
        over!(sqlite_path, "SIGIL_SQLITE_PATH");
        over!(redis_url, "REDIS_URL");
        over!(redis_prefix, "SIGIL_REDIS_PREFIX");
        over!(master_key_file, "SIGIL_MASTER_KEY_FILE");
        over!(access_token_ttl, "SIGIL_ACCESS_TOKEN_TTL");
        over!(id_token_ttl, "SIGIL_ID_TOKEN_TTL");
        over!(refresh_token_ttl, "SIGIL_REFRESH_TOKEN_TTL");
        over!(refresh_absolute_ttl, "SIGIL_REFRESH_ABSOLUTE_TTL");
        over!(refresh_retry_window, "SIGIL_REFRESH_RETRY_WINDOW");
        over!(code_ttl, "SIGIL_CODE_TTL");
        over!(session_ttl, "SIGIL_SESSION_TTL");
        over!(argon2_memory_kib, "SIGIL_ARGON2_MEMORY_KIB");
        over!(argon2_iterations, "SIGIL_ARGON2_ITERATIONS");
        over!(argon2_parallelism, "SIGIL_ARGON2_PARALLELISM");
        over!(login_concurrency, "SIGIL_LOGIN_CONCURRENCY");
        over!(login_queue, "SIGIL_LOGIN_QUEUE");
        over!(workers, "SIGIL_WORKERS");
        over!(auto_migrate, "SIGIL_AUTO_MIGRATE");
        over!(db_max_connections, "SIGIL_DB_MAX_CONNECTIONS");
        over!(access_token_alg, "SIGIL_ACCESS_TOKEN_ALG");
        over!(key_publish_ahead, "SIGIL_KEY_PUBLISH_AHEAD");
        over!(key_rotation_days, "SIGIL_KEY_ROTATION_DAYS");
        over!(key_poll_ms, "SIGIL_KEY_POLL_MS");
        over!(revocation_skew, "SIGIL_REVOCATION_SKEW");
        over!(housekeeping_interval, "SIGIL_HOUSEKEEPING_INTERVAL");
        over!(request_timeout_ms, "SIGIL_REQUEST_TIMEOUT_MS");
        over!(
            limit_login_per_account_address,
            "SIGIL_LIMIT_LOGIN_PER_ACCOUNT_ADDRESS"
        );
        over!(limit_login_per_account, "SIGIL_LIMIT_LOGIN_PER_ACCOUNT");
        over!(limit_login_per_address, "SIGIL_LIMIT_LOGIN_PER_ADDRESS");
        over!(limit_client_per_id, "SIGIL_LIMIT_CLIENT_PER_ID");
        over!(limit_client_per_address, "SIGIL_LIMIT_CLIENT_PER_ADDRESS");
        over!(trusted_proxies, "SIGIL_TRUSTED_PROXIES");
        over!(single_node, "SIGIL_SINGLE_NODE");
        Ok(())
    }

    fn check(self) -> Result<Config, ConfigError> {
        let listen_raw = self.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_raw.parse().map_err(|_| ConfigError::Invalid {
            name: "SIGIL_LISTEN",
            message: format!("{listen_raw:?} is not an address:port"),
        })?;
        let issuer = match self.issuer {
            Some(i) => check_issuer(&i)?,
            None => format!("http://{listen}"),
        };
        let store = match self.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                StoreConfig::Postgres { url }
            }
            Some(url) if url.starts_with("sqlite:") => StoreConfig::Sqlite {
                path: sqlite_path_of(&url)?,
            },
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: "DATABASE_URL",
                    message: "must be a postgres:// or sqlite:// URL \
                        (or unset, for the embedded store)"
                        .into(),
                });
            }
            None => StoreConfig::Sqlite {
                path: self.sqlite_path.unwrap_or_else(|| "sigil.db".into()),
            },
        };
        let revocation = match self.redis_url {
            Some(url) => RevocationConfig::Redis {
                url,
                prefix: self.redis_prefix.unwrap_or_else(|| "sigil:".into()),
            },
            None => RevocationConfig::Memory,
        };
        // Postgres is how several instances share one store; without Redis each would keep
        // revocations and guessing counters to itself. One instance must be declared.
        if matches!(store, StoreConfig::Postgres { .. })
            && revocation == RevocationConfig::Memory
            && !self.single_node.unwrap_or(false)
        {
            return Err(ConfigError::Invalid {
                name: "REDIS_URL",
                message: "a Postgres store without Redis would give every instance its own \
                    revocation list and guessing limits; set REDIS_URL, or \
                    SIGIL_SINGLE_NODE=true if exactly one instance runs"
                    .into(),
            });
        }
        let ttl = |v: Option<i64>, default: i64, name: &'static str| match v {
            None => Ok(default),
            Some(s) if s > 0 => Ok(s),
            Some(_) => Err(ConfigError::Invalid {
                name,
                message: "must be a positive number of seconds".into(),
            }),
        };
        let token_ttl = |v: Option<i64>, name: &'static str| match ttl(v, 600, name)? {
            s if s <= MAX_TOKEN_TTL => Ok(s),
            _ => Err(ConfigError::Invalid {
                name,
                message: format!("at most {MAX_TOKEN_TTL} seconds"),
            }),
        };
        let defaults = HashParams::default();
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Config {
            listen,
            issuer,
            store,
            revocation,
            master_key_file: self
                .master_key_file
                .unwrap_or_else(|| "keys/master.key".into()),
            access_token_ttl: token_ttl(self.access_token_ttl, "SIGIL_ACCESS_TOKEN_TTL")?,
            id_token_ttl: token_ttl(self.id_token_ttl, "SIGIL_ID_TOKEN_TTL")?,
            refresh_token_ttl: ttl(
                self.refresh_token_ttl,
                30 * 86_400,
                "SIGIL_REFRESH_TOKEN_TTL",
            )?,
            refresh_absolute_ttl: ttl(
                self.refresh_absolute_ttl,
                90 * 86_400,
                "SIGIL_REFRESH_ABSOLUTE_TTL",
            )?,
            refresh_retry_window: match self.refresh_retry_window {
                None => 10,
                Some(s) if (0..=300).contains(&s) => s,
                Some(_) => {
                    return Err(ConfigError::Invalid {
                        name: "SIGIL_REFRESH_RETRY_WINDOW",
                        message: "must be 0 to 300 seconds".into(),
                    });
                }
            },
            code_ttl: ttl(self.code_ttl, 60, "SIGIL_CODE_TTL")?,
            session_ttl: ttl(self.session_ttl, 8 * 3600, "SIGIL_SESSION_TTL")?,
            password_hash: HashParams {
                memory_kib: self.argon2_memory_kib.unwrap_or(defaults.memory_kib),
                iterations: self.argon2_iterations.unwrap_or(defaults.iterations),
                parallelism: self.argon2_parallelism.unwrap_or(defaults.parallelism),
            },
            login_concurrency: self.login_concurrency.unwrap_or(cpus).max(1),
            login_queue: self.login_queue.unwrap_or(64),
            workers: self.workers.unwrap_or(cpus).max(1),
            auto_migrate: self.auto_migrate.unwrap_or(true),
            db_max_connections: self.db_max_connections.unwrap_or(10).max(1),
            keys: KeyConfig {
                access_token_alg: match self.access_token_alg {
                    None => SigningAlg::Es256,
                    Some(raw) => SigningAlg::parse(&raw).map_err(|_| ConfigError::Invalid {
                        name: "SIGIL_ACCESS_TOKEN_ALG",
                        message: format!("{raw:?} is not one of ES256, EdDSA, RS256, PS256"),
                    })?,
                },
                publish_ahead: match self.key_publish_ahead {
                    None => 3600,
                    Some(s) if s >= 0 => s,
                    Some(_) => {
                        return Err(ConfigError::Invalid {
                            name: "SIGIL_KEY_PUBLISH_AHEAD",
                            message: "must be a number of seconds, 0 or more".into(),
                        });
                    }
                },
                rotation_days: match self.key_rotation_days {
                    None | Some(0) => None,
                    Some(days) => Some(days),
                },
                poll_ms: match self.key_poll_ms {
                    None => 1000,
                    Some(ms) if (50..=60_000).contains(&ms) => ms,
                    Some(_) => {
                        return Err(ConfigError::Invalid {
                            name: "SIGIL_KEY_POLL_MS",
                            message: "must be 50 to 60000 milliseconds".into(),
                        });
                    }
                },
            },
            housekeeping_interval: std::time::Duration::from_secs(
                self.housekeeping_interval.unwrap_or(600).clamp(10, 86_400),
            ),
            request_timeout: std::time::Duration::from_millis(
                self.request_timeout_ms
                    .unwrap_or(10_000)
                    .clamp(100, 120_000),
            ),
            limits: {
                let d = Limits::default();
                let limit = |raw: Option<String>, default: Limit, name: &'static str| match raw {
                    None => Ok(default),
                    Some(raw) => Limit::parse(&raw).ok_or(ConfigError::Invalid {
                        name,
                        message: format!("{raw:?} is not COUNT/SECONDS, e.g. 5/900"),
                    }),
                };
                Limits {
                    login_per_account_address: limit(
                        self.limit_login_per_account_address,
                        d.login_per_account_address,
                        "SIGIL_LIMIT_LOGIN_PER_ACCOUNT_ADDRESS",
                    )?,
                    login_per_account: limit(
                        self.limit_login_per_account,
                        d.login_per_account,
                        "SIGIL_LIMIT_LOGIN_PER_ACCOUNT",
                    )?,
                    login_per_address: limit(
                        self.limit_login_per_address,
                        d.login_per_address,
                        "SIGIL_LIMIT_LOGIN_PER_ADDRESS",
                    )?,
                    client_per_id: limit(
                        self.limit_client_per_id,
                        d.client_per_id,
                        "SIGIL_LIMIT_CLIENT_PER_ID",
                    )?,
                    client_per_address: limit(
                        self.limit_client_per_address,
                        d.client_per_address,
                        "SIGIL_LIMIT_CLIENT_PER_ADDRESS",
                    )?,
                }
            },
            trusted_proxies: trusted_proxies(self.trusted_proxies.as_deref())?,
            revocation_skew: match self.revocation_skew {
                None => 60,
                Some(s) if (0..=3600).contains(&s) => s,
                Some(_) => {
                    return Err(ConfigError::Invalid {
                        name: "SIGIL_REVOCATION_SKEW",
                        message: "must be 0 to 3600 seconds".into(),
                    });
                }
            },
        })
    }
}

/// The file of a `sqlite:` URL as sqlx users write it: `sqlite://sigil.db` and
/// `sqlite:sigil.db` are relative paths, `sqlite:///var/lib/sigil.db` an absolute one.
/// Connection options are sigil's to choose (WAL, foreign keys, create when missing), so
/// a URL carrying its own (`?mode=…`) is refused rather than half-honoured.
fn sqlite_path_of(url: &str) -> Result<PathBuf, ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid {
        name: "DATABASE_URL",
        message: message.into(),
    };
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.contains('?') || path.contains('#') {
        return Err(invalid(
            "a sqlite:// URL takes no options; sigil sets its own",
        ));
    }
    if path.is_empty() || path == ":memory:" {
        return Err(invalid("a sqlite:// URL must name a database file"));
    }
    Ok(PathBuf::from(path))
}

/// Reads `SIGIL_TRUSTED_PROXIES`: addresses or networks, comma-separated.
fn trusted_proxies(raw: Option<&str>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    name: "SIGIL_TRUSTED_PROXIES",
                    message: format!("{s:?} is not an address or a network"),
                })
        })
        .collect()
}

fn check_issuer(raw: &str) -> Result<String, ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid {
        name: "SIGIL_ISSUER",
        message: message.into(),
    };
    let url = url::Url::parse(raw).map_err(|_| invalid("not an absolute URL"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid("must be an https (or, for development, http) URL"));
    }
    // OIDC Discovery §3: no query or fragment in an issuer.
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query or fragment"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_are_the_embedded_single_node() {
        let c = Config::load(None, &env_of(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.issuer, "http://127.0.0.1:8080");
        assert_eq!(
            c.store,
            StoreConfig::Sqlite {
                path: "sigil.db".into()
            }
        );
        assert_eq!(c.revocation, RevocationConfig::Memory);
        assert_eq!(c.access_token_ttl, 600);
        assert_eq!(c.password_hash, HashParams::default());
        assert_eq!(c.keys.access_token_alg, SigningAlg::Es256);
        assert_eq!(c.keys.rotation_days, None);
        assert!(c.keys.jwks_max_age() < c.keys.publish_ahead);
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sigil.toml");
        std::fs::write(
            &file,
            "issuer = \"https://file.example\"\naccess_token_ttl = 60\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&file),
            &env_of(&[
                ("SIGIL_ISSUER", "https://env.example/"),
                ("DATABASE_URL", "postgres://u@h/db"),
                ("REDIS_URL", "redis://127.0.0.1/"),
            ]),
        )
        .unwrap();
        assert_eq!(c.issuer, "https://env.example");
        assert_eq!(c.access_token_ttl, 60);
        assert!(c.is_https());
        assert!(matches!(c.store, StoreConfig::Postgres { .. }));
        assert!(matches!(c.revocation, RevocationConfig::Redis { .. }));
    }

    #[test]
    fn postgres_without_redis_needs_a_declared_single_node() {
        let err = Config::load(None, &env_of(&[("DATABASE_URL", "postgres://u@h/db")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("SIGIL_SINGLE_NODE=true"), "{err}");
        let single = Config::load(
            None,
            &env_of(&[
                ("DATABASE_URL", "postgres://u@h/db"),
                ("SIGIL_SINGLE_NODE", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(single.revocation, RevocationConfig::Memory);
    }

    #[test]
    fn a_sqlite_database_url_selects_the_embedded_store() {
        for (url, path) in [
            ("sqlite://sigil.db", "sigil.db"),
            ("sqlite:data/sigil.db", "data/sigil.db"),
            (
                "sqlite:///var/lib/sigil/sigil.db",
                "/var/lib/sigil/sigil.db",
            ),
        ] {
            let env = [("DATABASE_URL", url)];
            let c = Config::load(None, &|name: &str| {
                env.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            })
            .unwrap();
            assert_eq!(c.store, StoreConfig::Sqlite { path: path.into() }, "{url}");
        }
        for bad in ["sqlite://", "sqlite::memory:", "sqlite://x.db?mode=ro"] {
            let env = [("DATABASE_URL", bad)];
            let r = Config::load(None, &|name: &str| {
                env.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            });
            assert!(r.is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Config::load(None, &env_of(&[("SIGIL_LISTEN", "nowhere")])).is_err());
        assert!(Config::load(None, &env_of(&[("SIGIL_ISSUER", "https://x/?a=b")])).is_err());
        assert!(Config::load(None, &env_of(&[("DATABASE_URL", "mysql://x")])).is_err());
        assert!(Config::load(None, &env_of(&[("SIGIL_ACCESS_TOKEN_TTL", "0")])).is_err());
        assert!(Config::load(None, &env_of(&[("SIGIL_ACCESS_TOKEN_ALG", "HS256")])).is_err());
        assert!(Config::load(None, &env_of(&[("SIGIL_KEY_POLL_MS", "5")])).is_err());
        assert!(Config::load(None, &env_of(&[("SIGIL_ACCESS_TOKEN_TTL", "86401")])).is_err());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sigil.toml");
        std::fs::write(&file, "isuer = \"typo\"\n").unwrap();
        assert!(Config::load(Some(&file), &env_of(&[])).is_err());
    }
}
