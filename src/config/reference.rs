//! Every setting, its default and what it means: the one list `sigil config reference`
//! prints and `docs/configuration.md` holds. Tests hold it to the code both ways: each
//! setting here is one the configuration reads (or, for logging, `main`), each one read
//! is here, and each file key is one the file accepts.

/// One setting: its environment name; in `sigil.toml`, the same name in lower case
/// without `SIGIL_` (none for the logging settings, read before the file).
pub struct Setting {
    pub env: &'static str,
    pub in_file: bool,
    pub default: &'static str,
    pub meaning: &'static str,
}

const fn s(env: &'static str, default: &'static str, meaning: &'static str) -> Setting {
    Setting {
        env,
        in_file: true,
        default,
        meaning,
    }
}

pub const SETTINGS: &[Setting] = &[
    s("SIGIL_LISTEN", "`127.0.0.1:8080`", "address to listen on"),
    s(
        "SIGIL_ISSUER",
        "`http://<listen>`",
        "issuer URL; `https://` makes cookies `Secure` (and `__Host-`) and sends HSTS",
    ),
    s(
        "DATABASE_URL",
        "unset: SQLite",
        "`postgres://…`, or `sqlite://PATH` for the embedded store",
    ),
    s("SIGIL_SQLITE_PATH", "`sigil.db`", "embedded store file"),
    s(
        "SIGIL_DB_MAX_CONNECTIONS",
        "10",
        "store connection pool size",
    ),
    s(
        "SIGIL_AUTO_MIGRATE",
        "`true`",
        "`serve` applies pending migrations at start",
    ),
    s(
        "REDIS_URL",
        "unset: in-process",
        "`redis://…` or `rediss://user:password@host:port`: revocations and guessing limits shared by every instance",
    ),
    s("SIGIL_REDIS_PREFIX", "`sigil:`", "key namespace in Redis"),
    s(
        "SIGIL_REDIS_CA_FILE",
        "system roots",
        "for `rediss://`: the CA of the server's certificate",
    ),
    s(
        "SIGIL_SINGLE_NODE",
        "`false`",
        "with Postgres and no Redis: declare that exactly one instance runs (otherwise refused)",
    ),
    s(
        "SIGIL_MASTER_KEY_FILE",
        "`keys/master.key`",
        "encrypts signing keys at rest; must be mode 0600 (see `keys/README.md`)",
    ),
    s(
        "SIGIL_ACCESS_TOKEN_TTL",
        "600",
        "seconds an access token lives",
    ),
    s("SIGIL_ID_TOKEN_TTL", "600", "seconds an ID token lives"),
    s(
        "SIGIL_REFRESH_TOKEN_TTL",
        "2592000",
        "seconds a refresh token lives unused; every use rotates it",
    ),
    s(
        "SIGIL_REFRESH_ABSOLUTE_TTL",
        "7776000",
        "seconds a refresh family lives however often it is used",
    ),
    s(
        "SIGIL_REFRESH_RETRY_WINDOW",
        "10",
        "seconds after a rotation in which a client that lost the response may retry with the same token (0: never)",
    ),
    s(
        "SIGIL_CODE_TTL",
        "60",
        "seconds an authorization code lives",
    ),
    s(
        "SIGIL_SESSION_TTL",
        "28800",
        "browser session, absolute lifetime in seconds",
    ),
    s(
        "SIGIL_SESSION_IDLE_TTL",
        "3600",
        "browser session without use, seconds (at most `SIGIL_SESSION_TTL`)",
    ),
    s(
        "SIGIL_REVOCATION_SKEW",
        "60",
        "seconds a revocation outlives the expiry of what it kills",
    ),
    s(
        "SIGIL_HOUSEKEEPING_INTERVAL",
        "600",
        "seconds between purges of expired rows (one instance a round, in batches)",
    ),
    s(
        "SIGIL_REQUEST_TIMEOUT_MS",
        "10000",
        "how long a client may take to send its headers, and then its body",
    ),
    s("SIGIL_ARGON2_MEMORY_KIB", "7168", "argon2id memory (OWASP)"),
    s("SIGIL_ARGON2_ITERATIONS", "5", "argon2id passes (OWASP)"),
    s("SIGIL_ARGON2_PARALLELISM", "1", "argon2id lanes (OWASP)"),
    s(
        "SIGIL_LOGIN_CONCURRENCY",
        "CPUs",
        "password hashes computed at once",
    ),
    s(
        "SIGIL_LOGIN_QUEUE",
        "64",
        "password hashes that may wait; beyond, a login is told to retry (503)",
    ),
    s("SIGIL_WORKERS", "CPUs", "HTTP worker threads"),
    s(
        "SIGIL_PIN_WORKERS",
        "`true`",
        "each HTTP worker on a CPU of its own, when the workers match the CPUs sigil may use one to one",
    ),
    s(
        "SIGIL_LIMIT_LOGIN_PER_ACCOUNT_ADDRESS",
        "`5/900`",
        "failed logins per (account, address): COUNT/SECONDS",
    ),
    s(
        "SIGIL_LIMIT_LOGIN_PER_ACCOUNT",
        "`20/3600`",
        "failed logins per account, from anywhere",
    ),
    s(
        "SIGIL_LIMIT_LOGIN_PER_ADDRESS",
        "`100/3600`",
        "failed logins per address, over any accounts",
    ),
    s(
        "SIGIL_LIMIT_CLIENT_PER_ID",
        "`30/600`",
        "failed client authentications per client_id",
    ),
    s(
        "SIGIL_LIMIT_CLIENT_PER_ADDRESS",
        "`60/600`",
        "failed client authentications per address",
    ),
    s(
        "SIGIL_TRUSTED_PROXIES",
        "none",
        "addresses or networks whose `X-Forwarded-For` and `X-Request-Id` are believed",
    ),
    s(
        "SIGIL_ACCESS_TOKEN_ALG",
        "`ES256`",
        "`ES256`, `EdDSA`, `RS256` or `PS256` (RSA: imported keys)",
    ),
    s(
        "SIGIL_KEY_PUBLISH_AHEAD",
        "3600",
        "seconds a new key is published before it signs; JWKS `max-age` is half of it, at most 300",
    ),
    s(
        "SIGIL_KEY_ROTATION_DAYS",
        "off",
        "rotate on a schedule, once across all instances",
    ),
    s(
        "SIGIL_KEY_POLL_MS",
        "1000",
        "how often each instance re-reads the keys; five misses and it answers 503",
    ),
    s(
        "SIGIL_TLS_CERT_FILE",
        "none: plain HTTP",
        "serve https: the certificate chain, PEM; TLS 1.2 and 1.3, reloaded on SIGHUP or when the file changes",
    ),
    s(
        "SIGIL_TLS_KEY_FILE",
        "none",
        "the certificate's private key, PEM (with `SIGIL_TLS_CERT_FILE`)",
    ),
    s(
        "SIGIL_AUDIT_RETENTION_DAYS",
        "365",
        "days security events are kept; older ones are purged in batches by housekeeping",
    ),
    s(
        "SIGIL_METRICS_LISTEN",
        "unset: on `SIGIL_LISTEN`",
        "serve `/metrics` on this address:port instead, off the public listener",
    ),
    s(
        "SIGIL_DISPLAY_NAME",
        "`sigil`",
        "the organisation's name on the pages (1 to 64 characters)",
    ),
    s(
        "SIGIL_ACCENT_COLOR",
        "`#255bc4`",
        "the buttons' colour, `#rrggbb` or `#rgb`; their text is black or white, whichever contrasts more",
    ),
    s(
        "SIGIL_LOGO_FILE",
        "none",
        "a PNG, JPEG, WebP or SVG (at most 256 KiB), read at start and served at `/branding/logo`",
    ),
    Setting {
        env: "SIGIL_LOG",
        in_file: false,
        default: "`info` (`serve`), `warn` (other commands)",
        meaning: "tracing filter, e.g. `sigil=debug`",
    },
    Setting {
        env: "SIGIL_LOG_FORMAT",
        in_file: false,
        default: "`text`",
        meaning: "`json`: one JSON object a line on stderr, each request's lines carrying its id",
    },
    Setting {
        env: "SIGIL_OTLP_ENDPOINT",
        in_file: false,
        default: "unset: no export",
        meaning: "an OpenTelemetry collector (`http://collector:4318`): every span, each request's with its id, method, path and status, over OTLP/HTTP JSON",
    },
];

impl Setting {
    /// Its key in `sigil.toml`.
    pub fn file_key(&self) -> Option<String> {
        self.in_file.then(|| {
            self.env
                .strip_prefix("SIGIL_")
                .unwrap_or(self.env)
                .to_ascii_lowercase()
        })
    }
}

/// The reference as Markdown: what `sigil config reference` prints.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Configuration reference\n\n\
         Generated by `sigil config reference`; a test fails when this file and the code \
         disagree.\n\n\
         Defaults < `sigil.toml` (or `--config FILE`) < environment. The file uses the \
         names in lower case without `SIGIL_` (`issuer = \"…\"`, `database_url = \"…\"`, \
         `access_token_ttl = 300`); unknown keys are refused.\n\n\
         | variable | file key | default | meaning |\n| --- | --- | --- | --- |\n",
    );
    for s in SETTINGS {
        let key = s
            .file_key()
            .map_or_else(|| "(environment only)".to_owned(), |k| format!("`{k}`"));
        out.push_str(&format!(
            "| `{}` | {key} | {} | {} |\n",
            s.env, s.default, s.meaning
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use super::*;
    use crate::config::Config;

    #[test]
    fn every_setting_read_is_listed_and_every_listed_one_is_read() {
        let asked = RefCell::new(BTreeSet::new());
        Config::load(None, &|name: &str| {
            asked.borrow_mut().insert(name.to_owned());
            None
        })
        .unwrap();
        let listed: BTreeSet<String> = SETTINGS
            .iter()
            .filter(|s| s.in_file)
            .map(|s| s.env.to_owned())
            .collect();
        assert_eq!(asked.into_inner(), listed);
    }

    #[test]
    fn every_file_key_is_one_the_file_accepts() {
        for setting in SETTINGS {
            let Some(key) = setting.file_key() else {
                continue;
            };
            // A wrong type is fine here; an unknown key is drift.
            if let Err(e) = toml::from_str::<super::super::raw::RawConfig>(&format!("{key} = []")) {
                assert!(!e.to_string().contains("unknown field"), "{key}: {e}");
            }
        }
        let unknown = toml::from_str::<super::super::raw::RawConfig>("no_such_key = 1");
        assert!(unknown.is_err_and(|e| e.to_string().contains("unknown field")));
    }

    #[test]
    fn names_are_unique() {
        let names: BTreeSet<&str> = SETTINGS.iter().map(|s| s.env).collect();
        assert_eq!(names.len(), SETTINGS.len());
    }
}
