//! `spawn_app(backend)`: the real application on port 0, on a fresh SQLite file or a fresh
//! Postgres database with the real Redis (under a key prefix of its own), plus a helper
//! per endpoint and one assertion for OAuth errors.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sigil::app::Application;
use sigil::clock::{Clock as _, ShiftedClock};
use sigil::config::Config;
use sigil::services::Services;
use sqlx::Connection as _;

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";
pub const ISSUER: &str = "http://sigil.test";
pub const PASSWORD: &str = "correct horse battery staple";
// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const REDIRECT: &str = "https://app.example/cb";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub clock: ShiftedClock,
    pub services: Arc<Services>,
    pub env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

#[derive(Debug, Clone)]
pub struct TestClient {
    pub id: String,
    pub secret: Option<String>,
}

fn random_suffix() -> String {
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
        _dir: dir,
    }
}

/// A username as the store takes it.
pub fn username(raw: &str) -> sigil::domain::Username {
    sigil::domain::Username::parse(raw).unwrap()
}

pub fn jwt_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

pub fn form_of(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Live rows per table, read straight from the database: an attack must leave these
    /// unchanged.
    pub async fn row_counts(&self) -> Vec<i64> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM clients), \
            (SELECT COUNT(*) FROM sessions), \
            (SELECT COUNT(*) FROM auth_codes WHERE consumed_at IS NULL), \
            (SELECT COUNT(*) FROM grants WHERE revoked_at IS NULL), \
            (SELECT COUNT(*) FROM refresh_tokens WHERE rotated_at IS NULL), \
            (SELECT COUNT(*) FROM signing_keys)";
        let var = |name: &str| {
            self.env
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        match var("DATABASE_URL") {
            Some(url) => {
                use sqlx::Row as _;
                let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                let row = sqlx::query(SQL).fetch_one(&mut c).await.unwrap();
                (0..7).map(|i| row.get::<i64, _>(i)).collect()
            }
            None => {
                use sqlx::Row as _;
                let path = var("SIGIL_SQLITE_PATH").unwrap();
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{path}"))
                    .await
                    .unwrap();
                let row = sqlx::query(SQL).fetch_one(&mut c).await.unwrap();
                (0..7).map(|i| row.get::<i64, _>(i)).collect()
            }
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub async fn client(&self, public: bool, grants: &str, scopes: &str) -> TestClient {
        let spec = sigil::admin::ClientSpec {
            name: "Test App".into(),
            public,
            redirect_uris: vec![REDIRECT.into(), "http://127.0.0.1/loopback".into()],
            grant_types: grants.split(',').map(str::to_owned).collect(),
            scopes: scopes.into(),
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
            None,
            PASSWORD,
            self.now(),
        )
        .await
        .unwrap()
        .id
        .as_str()
        .to_owned()
    }

    /// A form POST, authenticating with client_secret_basic when the client has a
    /// secret and with client_id in the body otherwise.
    pub fn request_as(
        &self,
        path: &str,
        client: &TestClient,
        pairs: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut pairs = pairs.to_vec();
        let mut req = self.http.post(self.url(path));
        match &client.secret {
            Some(secret) => req = req.basic_auth(&client.id, Some(secret)),
            None => pairs.push(("client_id", &client.id)),
        }
        req.header("content-type", "application/x-www-form-urlencoded")
            .body(form_of(&pairs))
    }

    pub async fn post_as(
        &self,
        path: &str,
        client: &TestClient,
        pairs: &[(&str, &str)],
    ) -> Response {
        self.request_as(path, client, pairs).send().await.unwrap()
    }

    /// Sends `requests` at once and returns their statuses.
    pub async fn race(&self, requests: Vec<reqwest::RequestBuilder>) -> Vec<u16> {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|r| tokio::spawn(r.send()))
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap().unwrap().status().as_u16());
        }
        statuses
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn client_credentials(&self, client: &TestClient, scope: &str) -> Value {
        let res = self
            .post_as(
                "/token",
                client,
                &[("grant_type", "client_credentials"), ("scope", scope)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    pub async fn introspect(&self, caller: &TestClient, token: &str) -> Value {
        let res = self
            .post_as("/introspect", caller, &[("token", token)])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "introspection answers 200");
        assert_eq!(res.headers()["cache-control"], "no-store");
        res.json().await.unwrap()
    }

    pub async fn is_active(&self, caller: &TestClient, token: &str) -> bool {
        self.introspect(caller, token).await["active"] == Value::Bool(true)
    }

    pub async fn revoke(&self, caller: &TestClient, token: &str) -> Response {
        self.post_as("/revoke", caller, &[("token", token)]).await
    }

    pub fn authorize_params<'a>(
        &self,
        client: &'a TestClient,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut p = vec![
            ("response_type", "code"),
            ("client_id", client.id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "openid read"),
            ("state", "st4te"),
            ("nonce", "n0nce"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            p.retain(|(name, _)| name != k);
            if !v.is_empty() {
                p.push((k, v));
            }
        }
        p
    }

    pub async fn get_authorize(&self, params: &[(&str, &str)]) -> Response {
        self.http
            .get(format!("{}?{}", self.url("/authorize"), form_of(params)))
            .send()
            .await
            .unwrap()
    }

    /// Submits the login form shown for `params`.
    pub async fn login(&self, params: &[(&str, &str)], username: &str, password: &str) -> Response {
        let page = self.get_authorize(params).await;
        assert_eq!(page.status(), StatusCode::OK, "the login form is shown");
        let html = page.text().await.unwrap();
        let csrf = csrf_of(&html);
        let mut form = params.to_vec();
        form.push(("csrf_token", &csrf));
        form.push(("username", username));
        form.push(("password", password));
        self.post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            form_of(&form),
        )
        .await
    }

    /// Logs `username` in and returns the code delivered to the redirect URI.
    pub async fn code_for(&self, client: &TestClient, username: &str) -> String {
        let params = self.authorize_params(client, &[]);
        let res = self.login(&params, username, PASSWORD).await;
        let location = location(&res);
        assert!(location.starts_with(REDIRECT), "{location}");
        query_param(&location, "code").expect("a code")
    }

    pub async fn exchange_code(&self, client: &TestClient, code: &str) -> Response {
        self.post_as(
            "/token",
            client,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
    }

    /// The full browser flow: login, code, tokens.
    pub async fn tokens_for(&self, client: &TestClient, username: &str) -> Value {
        let code = self.code_for(client, username).await;
        let res = self.exchange_code(client, &code).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    pub async fn refresh(&self, client: &TestClient, refresh_token: &str) -> Response {
        self.post_as(
            "/token",
            client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("the form has a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub fn location(res: &Response) -> String {
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "a redirect");
    res.headers()["location"].to_str().unwrap().to_owned()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The one assertion for OAuth errors: status, `error` code, JSON, no-store.
pub async fn assert_oauth_error(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    assert_eq!(res.headers()["cache-control"], "no-store");
    if status == 401 {
        assert!(
            res.headers().contains_key("www-authenticate"),
            "401 carries WWW-Authenticate"
        );
    }
    if status == 503 {
        assert!(
            res.headers().contains_key("retry-after"),
            "503 carries Retry-After"
        );
    }
    let body: Value = res.json().await.expect("a JSON error body");
    assert_eq!(body["error"], code, "{body}");
    body
}

/// Generates one `#[tokio::test]` per backend for each named `async fn(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
}
