//! The configuration as written: a file (every field optional, unknown fields refused)
//! and the environment over it. Nothing here is checked yet; see `check`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ConfigError;

/// The file's shape; every field optional, unknown fields refused (a typo must not
/// silently leave a default in place).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) listen: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) database_url: Option<String>,
    pub(super) sqlite_path: Option<PathBuf>,
    pub(super) redis_url: Option<String>,
    pub(super) redis_prefix: Option<String>,
    pub(super) redis_ca_file: Option<PathBuf>,
    pub(super) master_key_file: Option<PathBuf>,
    pub(super) access_token_ttl: Option<i64>,
    pub(super) id_token_ttl: Option<i64>,
    pub(super) refresh_token_ttl: Option<i64>,
    pub(super) refresh_absolute_ttl: Option<i64>,
    pub(super) refresh_retry_window: Option<i64>,
    pub(super) code_ttl: Option<i64>,
    pub(super) session_ttl: Option<i64>,
    pub(super) session_idle_ttl: Option<i64>,
    pub(super) argon2_memory_kib: Option<u32>,
    pub(super) argon2_iterations: Option<u32>,
    pub(super) argon2_parallelism: Option<u32>,
    pub(super) login_concurrency: Option<usize>,
    pub(super) login_queue: Option<usize>,
    pub(super) workers: Option<usize>,
    pub(super) pin_workers: Option<bool>,
    pub(super) auto_migrate: Option<bool>,
    pub(super) db_max_connections: Option<u32>,
    pub(super) access_token_alg: Option<String>,
    pub(super) key_publish_ahead: Option<i64>,
    pub(super) key_rotation_days: Option<u32>,
    pub(super) key_poll_ms: Option<u64>,
    pub(super) revocation_skew: Option<i64>,
    pub(super) housekeeping_interval: Option<u64>,
    pub(super) request_timeout_ms: Option<u64>,
    pub(super) limit_login_per_account_address: Option<String>,
    pub(super) limit_login_per_account: Option<String>,
    pub(super) limit_login_per_address: Option<String>,
    pub(super) limit_client_per_id: Option<String>,
    pub(super) limit_client_per_address: Option<String>,
    pub(super) trusted_proxies: Option<String>,
    pub(super) single_node: Option<bool>,
    pub(super) display_name: Option<String>,
    pub(super) accent_color: Option<String>,
    pub(super) logo_file: Option<PathBuf>,
    pub(super) metrics_listen: Option<String>,
    pub(super) tls_cert_file: Option<PathBuf>,
    pub(super) tls_key_file: Option<PathBuf>,
    pub(super) audit_retention_days: Option<i64>,
}

pub(super) fn read_file(path: &Path) -> Result<RawConfig, ConfigError> {
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
    pub(super) fn apply_env(
        &mut self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
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
        over!(redis_ca_file, "SIGIL_REDIS_CA_FILE");
        over!(master_key_file, "SIGIL_MASTER_KEY_FILE");
        over!(access_token_ttl, "SIGIL_ACCESS_TOKEN_TTL");
        over!(id_token_ttl, "SIGIL_ID_TOKEN_TTL");
        over!(refresh_token_ttl, "SIGIL_REFRESH_TOKEN_TTL");
        over!(refresh_absolute_ttl, "SIGIL_REFRESH_ABSOLUTE_TTL");
        over!(refresh_retry_window, "SIGIL_REFRESH_RETRY_WINDOW");
        over!(code_ttl, "SIGIL_CODE_TTL");
        over!(session_ttl, "SIGIL_SESSION_TTL");
        over!(session_idle_ttl, "SIGIL_SESSION_IDLE_TTL");
        over!(argon2_memory_kib, "SIGIL_ARGON2_MEMORY_KIB");
        over!(argon2_iterations, "SIGIL_ARGON2_ITERATIONS");
        over!(argon2_parallelism, "SIGIL_ARGON2_PARALLELISM");
        over!(login_concurrency, "SIGIL_LOGIN_CONCURRENCY");
        over!(login_queue, "SIGIL_LOGIN_QUEUE");
        over!(workers, "SIGIL_WORKERS");
        over!(pin_workers, "SIGIL_PIN_WORKERS");
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
        over!(display_name, "SIGIL_DISPLAY_NAME");
        over!(accent_color, "SIGIL_ACCENT_COLOR");
        over!(logo_file, "SIGIL_LOGO_FILE");
        over!(metrics_listen, "SIGIL_METRICS_LISTEN");
        over!(tls_cert_file, "SIGIL_TLS_CERT_FILE");
        over!(tls_key_file, "SIGIL_TLS_KEY_FILE");
        over!(audit_retention_days, "SIGIL_AUDIT_RETENTION_DAYS");
        Ok(())
    }
}
