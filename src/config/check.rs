//! From the raw configuration to a [`Config`] the rest of sigil trusts: every value
//! parsed and bounded, every combination that cannot work refused with the setting named.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::raw::RawConfig;
use super::{Config, ConfigError, KeyConfig, RevocationConfig, StoreConfig, TlsFiles};
use crate::branding::{self, Branding, DisplayName, Logo, Rgb};
use crate::crypto::passwords::HashParams;
use crate::domain::{MAX_TOKEN_TTL, SigningAlg};
use crate::limits::{Limit, Limits};

impl RawConfig {
    pub(super) fn check(self) -> Result<Config, ConfigError> {
        let listen_raw = self.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_raw.parse().map_err(|_| ConfigError::Invalid {
            name: "SIGIL_LISTEN",
            message: format!("{listen_raw:?} is not an address:port"),
        })?;
        let tls = match (self.tls_cert_file, self.tls_key_file) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid {
                    name: "SIGIL_TLS_CERT_FILE",
                    message: "set both SIGIL_TLS_CERT_FILE and SIGIL_TLS_KEY_FILE, or neither"
                        .into(),
                });
            }
        };
        let issuer = match self.issuer {
            Some(i) => check_issuer(&i)?,
            None if tls.is_some() => format!("https://{listen}"),
            None => format!("http://{listen}"),
        };
        // Served over TLS, the issuer must say so: cookies and HSTS follow the issuer.
        if tls.is_some() && !issuer.starts_with("https://") {
            return Err(ConfigError::Invalid {
                name: "SIGIL_ISSUER",
                message: "must be an https:// URL when sigil serves TLS".into(),
            });
        }
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
                ca_file: self.redis_ca_file,
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
        let session_ttl = ttl(self.session_ttl, 8 * 3600, "SIGIL_SESSION_TTL")?;
        let session_idle_ttl = match self.session_idle_ttl {
            // The default never outlasts a shorter absolute lifetime.
            None => session_ttl.min(3600),
            Some(s) if s > 0 && s <= session_ttl => s,
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: "SIGIL_SESSION_IDLE_TTL",
                    message: "must be a positive number of seconds, at most SIGIL_SESSION_TTL"
                        .into(),
                });
            }
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
            session_ttl,
            session_idle_ttl,
            password_hash: HashParams {
                memory_kib: self.argon2_memory_kib.unwrap_or(defaults.memory_kib),
                iterations: self.argon2_iterations.unwrap_or(defaults.iterations),
                parallelism: self.argon2_parallelism.unwrap_or(defaults.parallelism),
            },
            login_concurrency: self.login_concurrency.unwrap_or(cpus).max(1),
            login_queue: self.login_queue.unwrap_or(64),
            workers: self.workers.unwrap_or(cpus).max(1),
            pin_workers: self.pin_workers.unwrap_or(true),
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
            tls,
            audit_retention: match self.audit_retention_days {
                None => 365 * 86_400,
                Some(d) if (1..=3650).contains(&d) => d * 86_400,
                Some(_) => {
                    return Err(ConfigError::Invalid {
                        name: "SIGIL_AUDIT_RETENTION_DAYS",
                        message: "must be 1 to 3650 days".into(),
                    });
                }
            },
            metrics_listen: match self.metrics_listen {
                None => None,
                Some(raw) => Some(raw.parse().map_err(|_| ConfigError::Invalid {
                    name: "SIGIL_METRICS_LISTEN",
                    message: format!("{raw:?} is not an address:port"),
                })?),
            },
            branding: branding(
                self.display_name.as_deref(),
                self.accent_color.as_deref(),
                self.logo_file.as_deref(),
            )?,
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

/// The pages' name, accent colour and logo; the logo is read (and its type checked) now,
/// so a wrong file stops the start rather than a page.
fn branding(
    name: Option<&str>,
    accent: Option<&str>,
    logo_file: Option<&Path>,
) -> Result<Branding, ConfigError> {
    let name = DisplayName::parse(name.unwrap_or(branding::DEFAULT_NAME)).map_err(|e| {
        ConfigError::Invalid {
            name: "SIGIL_DISPLAY_NAME",
            message: e.to_string(),
        }
    })?;
    let accent = match accent {
        None => branding::DEFAULT_ACCENT,
        Some(raw) => Rgb::parse(raw).map_err(|e| ConfigError::Invalid {
            name: "SIGIL_ACCENT_COLOR",
            message: e.to_string(),
        })?,
    };
    let logo = match logo_file {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            Some(Logo::parse(bytes).map_err(|e| ConfigError::Invalid {
                name: "SIGIL_LOGO_FILE",
                message: format!("{}: {e}", path.display()),
            })?)
        }
    };
    Ok(Branding::new(name, accent, logo))
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
