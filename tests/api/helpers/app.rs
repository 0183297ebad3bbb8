//! The application under test: `spawn_app(backend)` starts the real `Application` on port
//! 0, on a fresh SQLite file or a fresh Postgres database with the real Redis (under a key
//! prefix of its own), and the records a test starts from (clients, users).

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use sigil::app::Application;
use sigil::clock::{Clock as _, ShiftedClock};
use sigil::config::Config;
use sigil::domain::SigningAlg;
use sigil::services::Services;
use sqlx::Connection as _;

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";
pub const ISSUER: &str = "http://sigil.test";
pub const PASSWORD: &str = "correct horse battery staple";
// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// Where every test client may be sent back to after logout.
pub const POST_LOGOUT: &str = "https://rp.example/signed-out";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const REDIRECT: &str = "https://app.example/cb";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

enum Database {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub clock: ShiftedClock,
    pub services: Arc<Services>,
    pub env: Vec<(String, String)>,
    /// The admin listener (`SIGIL_METRICS_LISTEN`), when configured.
    pub admin_address: Option<String>,
    _dir: tempfile::TempDir,
}

#[derive(Debug, Clone)]
pub struct TestClient {
    pub id: String,
    pub secret: Option<String>,
}

pub fn random_suffix() -> String {
    sigil::crypto::random_id()
        .unwrap()
        .to_lowercase()
        .replace(['-', '_'], "x")
}

/// A fresh Postgres database, named for nothing but this test.
pub async fn fresh_database() -> String {
    let name = format!("sigil_test_{}", random_suffix());
    let mut conn = sqlx::PgConnection::connect(PG_ADMIN_URL)
        .await
        .expect("Postgres must be running on 127.0.0.1:5432 (see .ci/run)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .unwrap();
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

/// The environment a test app reads, as `sigil` would from the process.
pub async fn test_env(backend: Backend, dir: &std::path::Path) -> Vec<(String, String)> {
    let mut env = vec![
        ("SIGIL_LISTEN", "127.0.0.1:0".to_owned()),
        ("SIGIL_ISSUER", ISSUER.to_owned()),
        (
            "SIGIL_MASTER_KEY_FILE",
            dir.join("master.key").display().to_string(),
        ),
        (
            "SIGIL_SQLITE_PATH",
            dir.join("sigil.db").display().to_string(),
        ),
        // Cheap hashing keeps the suite fast; the OWASP defaults are checked in unit tests.
        ("SIGIL_ARGON2_MEMORY_KIB", "1024".to_owned()),
        ("SIGIL_ARGON2_ITERATIONS", "1".to_owned()),
        ("SIGIL_WORKERS", "1".to_owned()),
    ];
    if backend == Backend::Postgres {
        env.push(("DATABASE_URL", fresh_database().await));
        env.push(("REDIS_URL", REDIS_URL.to_owned()));
        env.push((
            "SIGIL_REDIS_PREFIX",
            format!("sigil-test-{}:", random_suffix()),
        ));
    }
    env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

pub fn config_from(env: &[(String, String)]) -> Config {
    Config::load(None, &|name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap()
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(
    backend: Backend,
    tweak: impl FnOnce(&mut Vec<(String, String)>),
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut env = test_env(backend, dir.path()).await;
    tweak(&mut env);
    spawn_from_env(env, dir).await
}

pub async fn spawn_from_env(env: Vec<(String, String)>, dir: tempfile::TempDir) -> TestApp {
    let clock = ShiftedClock::new();
    let app = Application::build_with_clock(config_from(&env), Arc::new(clock.clone()))
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let services = app.services().clone();
    let admin_address = app
        .admin_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    TestApp {
        address,
        http,
        clock,
        services,
        env,
        admin_address,
        _dir: dir,
    }
}

/// Runs the `sigil` binary as an operator would, with exactly `env` for environment.
pub fn sigil(env: &[(String, String)], args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigil"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the sigil binary runs");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

/// The JSON a successful `--json` command printed.
pub fn json_ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

/// A username as the store takes it.
pub fn username(raw: &str) -> sigil::domain::Username {
    sigil::domain::Username::parse(raw).unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A connection straight to the test's database, bypassing sigil.
    async fn database(&self) -> Database {
        let var = |name: &str| {
            self.env
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        match var("DATABASE_URL") {
            Some(url) => Database::Postgres(sqlx::PgConnection::connect(&url).await.unwrap()),
            None => {
                let path = var("SIGIL_SQLITE_PATH").unwrap();
                Database::Sqlite(
                    sqlx::SqliteConnection::connect(&format!("sqlite:{path}"))
                        .await
                        .unwrap(),
                )
            }
        }
    }

    /// A connection straight to the test's Postgres database, for a test that holds
    /// locks or reads values sigil never shows.
    pub async fn postgres(&self) -> sqlx::PgConnection {
        match self.database().await {
            Database::Postgres(c) => c,
            Database::Sqlite(_) => panic!("a Postgres test app"),
        }
    }

    /// Live rows per table, read straight from the database: an attack must leave these
    /// unchanged.
    pub async fn row_counts(&self) -> Vec<i64> {
        use sqlx::Row as _;
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM clients), \
            (SELECT COUNT(*) FROM sessions), \
            (SELECT COUNT(*) FROM auth_codes WHERE consumed_at IS NULL), \
            (SELECT COUNT(*) FROM grants WHERE revoked_at IS NULL), \
            (SELECT COUNT(*) FROM refresh_tokens WHERE rotated_at IS NULL), \
            (SELECT COUNT(*) FROM signing_keys)";
        match self.database().await {
            Database::Postgres(mut c) => {
                let row = sqlx::query(SQL).fetch_one(&mut c).await.unwrap();
                (0..7).map(|i| row.get::<i64, _>(i)).collect()
            }
            Database::Sqlite(mut c) => {
                let row = sqlx::query(SQL).fetch_one(&mut c).await.unwrap();
                (0..7).map(|i| row.get::<i64, _>(i)).collect()
            }
        }
    }

    /// Runs `sql` straight on the test's database, bypassing sigil: how a test plays the
    /// part of a tampered or damaged store.
    pub async fn execute_sql(&self, sql: &str) {
        let sql = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()));
        match self.database().await {
            Database::Postgres(mut c) => sql.execute(&mut c).await.map(drop),
            Database::Sqlite(mut c) => sql.execute(&mut c).await.map(drop),
        }
        .unwrap();
    }

    /// The kid of the server's active key of `alg`.
    pub fn active_kid(&self, alg: SigningAlg) -> String {
        let keys = self.services.keys.current().unwrap();
        keys.signer(alg).unwrap().kid.as_str().to_owned()
    }

    /// Signs `message` with the server's active key of `alg`, as only the server can.
    pub fn sign_as_server(&self, alg: SigningAlg, message: &[u8]) -> Vec<u8> {
        let keys = self.services.keys.current().unwrap();
        keys.signer(alg).unwrap().pair.sign(message).unwrap()
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub async fn client(&self, public: bool, grants: &str, scopes: &str) -> TestClient {
        let spec = sigil::admin::ClientSpec {
            name: "Test App".into(),
            public,
            redirect_uris: vec![REDIRECT.into(), "http://127.0.0.1/loopback".into()],
            post_logout_redirect_uris: vec![POST_LOGOUT.into()],
            grant_types: grants.split(',').map(str::to_owned).collect(),
            scopes: scopes.into(),
            id_token_alg: None,
            // Skips consent, so flows go straight to the code; consent's own tests make
            // third-party clients.
            first_party: !public,
        };
        let (record, secret) =
            sigil::admin::register_client(self.services.store.as_ref(), &spec, self.now())
                .await
                .unwrap();
        TestClient {
            id: record.id.as_str().to_owned(),
            secret: secret.map(|s| s.expose().to_owned()),
        }
    }

    /// A confidential client with every grant.
    pub async fn confidential(&self) -> TestClient {
        self.client(
            false,
            "authorization_code,refresh_token,client_credentials",
            "openid read write",
        )
        .await
    }

    pub async fn user(&self, username: &str) -> String {
        sigil::admin::create_user(
            self.services.store.as_ref(),
            &self.services.passwords,
            username,
            sigil::admin::Profile::default(),
            PASSWORD,
            self.now(),
        )
        .await
        .unwrap()
        .id
        .as_str()
        .to_owned()
    }
}
