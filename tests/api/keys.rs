//! The signing-key lifecycle, driven through the real CLI against running instances:
//! rotation without a single failed verification at a resource server that caches JWKS,
//! revocation reaching every instance within 2 s, rewrapping under a new master key, RSA
//! import verified by an independent JWT library, the schedule, and refusals that change
//! nothing.

use std::time::{Duration, Instant};

use jsonwebtoken::{DecodingKey, Validation, jwk::JwkSet};
use serde_json::Value;
use sigil::domain::SigningAlg;

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, assert_oauth_error, json_ok, jwt_part, sigil, spawn_app_with, spawn_from_env,
};

/// Sets `name` in an app's environment.
fn set(env: &mut Vec<(String, String)>, name: &str, value: &str) {
    env.retain(|(k, _)| k != name);
    env.push((name.into(), value.into()));
}

async fn jwks(app: &TestApp) -> (Value, Option<u64>) {
    let res = app.get("/jwks.json").await;
    assert_eq!(res.status(), 200);
    let max_age = res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .split("max-age=")
        .nth(1)
        .and_then(|v| v.parse().ok());
    (res.json().await.unwrap(), max_age)
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// A resource server as client libraries build one: it verifies access tokens against a
/// JWKS it caches for as long as `Cache-Control: max-age` allows, and no longer.
struct ResourceServer {
    set: JwkSet,
    fetched: Instant,
    max_age: Duration,
}

impl ResourceServer {
    async fn new(app: &TestApp) -> Self {
        let (doc, max_age) = jwks(app).await;
        Self {
            set: serde_json::from_value(doc).unwrap(),
            fetched: Instant::now(),
            max_age: Duration::from_secs(max_age.unwrap()),
        }
    }

    async fn verify(&mut self, app: &TestApp, token: &str) -> Result<(), String> {
        if self.fetched.elapsed() >= self.max_age {
            *self = Self::new(app).await;
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        let kid = header.kid.ok_or("no kid")?;
        let jwk = self
            .set
            .find(&kid)
            .ok_or_else(|| format!("kid {kid} not in the cached JWKS"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(header.alg);
        validation.validate_aud = false;
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

fn access_token(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// Two instances; tokens minted on one are checked, every 50 ms, by a resource server
/// that caches the other's JWKS, while `keys rotate` runs and the new key takes over.
async fn rotation_breaks_no_cached_jwks(backend: Backend) {
    let a = spawn_app_with(backend, |env| {
        // A short publish-ahead (so JWKS max-age 2 s) keeps the test to seconds.
        set(env, "SIGIL_KEY_PUBLISH_AHEAD", "4");
        set(env, "SIGIL_KEY_POLL_MS", "200");
    })
    .await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    let before = a.active_kid(SigningAlg::Es256);
    let mut rs = ResourceServer::new(&b).await;
    assert_eq!(rs.max_age, Duration::from_secs(2));

    let mut rotated = false;
    let mut failures = Vec::new();
    let mut checked = 0;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(9) {
        if !rotated && start.elapsed() > Duration::from_secs(1) {
            let out = json_ok(&sigil(&a.env, &["keys", "rotate", "--json"], None));
            assert_eq!(out["state"], "pending");
            rotated = true;
        }
        let token = access_token(&a.client_credentials(&client, "read").await);
        if let Err(e) = rs.verify(&b, &token).await {
            failures.push(e);
        }
        checked += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = a.active_kid(SigningAlg::Es256);
    assert_ne!(before, after, "the new key took over during the loop");
    assert_eq!(b.active_kid(SigningAlg::Es256), after, "on both instances");
    assert!(checked > 50, "{checked} tokens checked");
    assert!(
        failures.is_empty(),
        "{} failures: {failures:?}",
        failures.len()
    );
    // The retired key is still published: tokens it signed still verify.
    assert!(kids(&jwks(&b).await.0).contains(&before));
}

/// Polls `check` until it holds or `within` has passed; returns how long it took.
async fn within<F, Fut>(within: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < within {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// `keys revoke` makes the kid's tokens inactive, and drops it from JWKS, on every
/// instance within 2 s. The active key is revoked only with --force, which first puts a
/// new key in its place.
async fn revocation_reaches_every_instance_within_two_seconds(backend: Backend) {
    let a = spawn_app_with(backend, |env| {
        if backend == Backend::Postgres {
            // Polls too slow to make the deadline: only pub/sub can.
            set(env, "SIGIL_KEY_POLL_MS", "10000");
        }
    })
    .await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    let old = a.active_kid(SigningAlg::Es256);
    let token = access_token(&a.client_credentials(&client, "read").await);
    assert!(a.is_active(&client, &token).await && b.is_active(&client, &token).await);

    let before = json_ok(&sigil(&a.env, &["keys", "list", "--json"], None));
    let out = sigil(&a.env, &["keys", "revoke", &old, "--json"], None);
    assert!(!out.status.success(), "the active key needs --force");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(
        json_ok(&sigil(&a.env, &["keys", "list", "--json"], None)),
        before
    );

    let done = json_ok(&sigil(
        &a.env,
        &["keys", "revoke", &old, "--force", "--json"],
        None,
    ));
    assert_eq!(done["revoked"], old.as_str());
    let replacement = done["replacement"].as_str().unwrap().to_owned();
    for app in [&a, &b] {
        let took = within(Duration::from_secs(2), || async {
            !app.is_active(&client, &token).await && !kids(&jwks(app).await.0).contains(&old)
        })
        .await;
        assert!(
            took.is_some(),
            "the revocation reached this instance in 2 s"
        );
        // Signing goes on, with the replacement.
        let fresh = access_token(&app.client_credentials(&client, "read").await);
        assert_eq!(jwt_part(&fresh, 0)["kid"], replacement.as_str());
        assert!(app.is_active(&client, &fresh).await);
    }
    let res = a.userinfo(&token).await;
    assert_eq!(res.status(), 401, "refused at /userinfo too");
}

/// After `keys rewrap`, every key works under the new master key, and the old one opens
/// nothing: sigil refuses to start with it.
async fn rewrap_moves_every_key_to_the_new_master_key(backend: Backend) {
    let a = spawn_app_with(backend, |_| {}).await;
    let client = a.confidential().await;
    json_ok(&sigil(
        &a.env,
        &["keys", "rotate", "--alg", "EdDSA", "--json"],
        None,
    ));
    let token = access_token(&a.client_credentials(&client, "read").await);
    let dir = tempfile::tempdir().unwrap();
    let new_master = dir.path().join("master-2.key");
    let out = json_ok(&sigil(
        &a.env,
        &[
            "keys",
            "rewrap",
            "--new-master-key-file",
            new_master.to_str().unwrap(),
            "--json",
        ],
        None,
    ));
    assert_eq!(
        out["rewrapped"], 2,
        "the active ES256 key and the pending EdDSA one"
    );

    let mut env = a.env.clone();
    set(
        &mut env,
        "SIGIL_MASTER_KEY_FILE",
        new_master.to_str().unwrap(),
    );
    let moved = spawn_from_env(env.clone(), tempfile::tempdir().unwrap()).await;
    assert!(
        moved.is_active(&client, &token).await,
        "old tokens still verify"
    );
    let fresh = access_token(&moved.client_credentials(&client, "read").await);
    assert!(
        moved.is_active(&client, &fresh).await,
        "and new ones are signed"
    );
    json_ok(&sigil(&env, &["keys", "rotate", "--now", "--json"], None));

    // The old master key no longer opens the keys.
    let refused = sigil::app::Application::build(crate::helpers::config_from(&a.env)).await;
    let error = refused
        .err()
        .expect("no start with the old master key")
        .to_string();
    assert!(error.contains("cannot be opened"), "{error}");
    // Nor will the CLI seal a new key under it, which no instance could open.
    let out = sigil(&a.env, &["keys", "rotate", "--now"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be opened"));
}

fn openssl_rsa_key(path: &std::path::Path) {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .arg("-out")
        .arg(path)
        .output()
        .expect("openssl is installed (scripts/test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Verifies `token` with PyJWT (Python's standard JWT library) against `jwks`, as a
/// resource server in another language would.
fn pyjwt_verifies(token: &str, jwks: &Value, issuer: &str) -> Result<Value, String> {
    const SCRIPT: &str = "import json, sys, jwt\n\
token, jwks, issuer = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]\n\
kid = jwt.get_unverified_header(token)['kid']\n\
key = next(k for k in jwks['keys'] if k['kid'] == kid)\n\
claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=[key['alg']], issuer=issuer,\n\
    audience=issuer)\n\
print(json.dumps(claims))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", SCRIPT, token, &jwks.to_string(), issuer])
        .output()
        .expect("python3 with PyJWT is installed (scripts/test)");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// An RSA key made with openssl and imported signs access tokens that PyJWT verifies.
async fn an_imported_rsa_key_signs_tokens_pyjwt_verifies(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("rsa.pem");
    openssl_rsa_key(&pem);
    let first = spawn_app_with(backend, |_| {}).await;
    let imported = json_ok(&sigil(
        &first.env,
        &[
            "keys",
            "import",
            "--alg",
            "RS256",
            "--pem",
            pem.to_str().unwrap(),
            "--now",
            "--json",
        ],
        None,
    ));
    assert_eq!(imported["alg"], "RS256");
    assert_eq!(imported["state"], "active");
    let mut env = first.env.clone();
    set(&mut env, "SIGIL_ACCESS_TOKEN_ALG", "RS256");
    let app = spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    let client = app.confidential().await;
    let token = access_token(&app.client_credentials(&client, "read").await);
    assert_eq!(jwt_part(&token, 0)["alg"], "RS256");
    assert_eq!(jwt_part(&token, 0)["kid"], imported["kid"]);
    let (set, _) = jwks(&app).await;
    let claims = pyjwt_verifies(&token, &set, crate::helpers::ISSUER).unwrap();
    assert_eq!(claims["client_id"], client.id.as_str());
    // And a bit flipped in the signature is caught by PyJWT too.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(pyjwt_verifies(&forged, &set, crate::helpers::ISSUER).is_err());
    let discovery: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256", "RS256"])
    );
}

/// Every refused command names what was wrong and leaves the keys as they were.
async fn bad_key_commands_change_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let env = &app.env;
    let before = json_ok(&sigil(env, &["keys", "list", "--json"], None));
    let dir = tempfile::tempdir().unwrap();
    let not_a_key = dir.path().join("cert.pem");
    std::fs::write(
        &not_a_key,
        "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let refused = |args: &[&str], why: &str| {
        let out = sigil(env, args, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            stderr.contains(why),
            "{args:?}: expected {why:?} in {stderr}"
        );
    };
    refused(&["keys", "revoke", "no-such-kid"], "no key no-such-kid");
    refused(&["keys", "revoke", "a b"], "no key a b");
    let pem = not_a_key.to_str().unwrap();
    refused(
        &["keys", "import", "--alg", "RS256", "--pem", pem],
        "not a PEM PRIVATE KEY",
    );
    refused(
        &[
            "keys",
            "import",
            "--alg",
            "RS256",
            "--pem",
            "/no/such/file.pem",
        ],
        "--pem /no/such/file.pem",
    );
    refused(
        &["keys", "import", "--alg", "ES256", "--pem", pem],
        "only RS256 and PS256 keys are imported",
    );
    refused(
        &["keys", "rotate", "--alg", "RS256"],
        "cannot generate RS256 keys",
    );
    refused(&["keys", "rotate", "--alg", "HS256"], "--alg HS256");
    json_ok(&sigil(env, &["keys", "rotate", "--json"], None));
    refused(&["keys", "rotate"], "already pending");
    let pending = json_ok(&sigil(env, &["keys", "list", "--json"], None));

    // A master key others can read is refused, by the CLI and by serve.
    let master = env
        .iter()
        .find(|(k, _)| k == "SIGIL_MASTER_KEY_FILE")
        .map(|(_, v)| v.clone())
        .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o644)).unwrap();
    refused(&["keys", "rotate", "--now"], "readable by group or others");
    let start = sigil::app::Application::build(crate::helpers::config_from(env)).await;
    let error = start
        .err()
        .expect("no start with an open master key")
        .to_string();
    assert!(error.contains("chmod 600"), "{error}");
    std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o600)).unwrap();

    let after = json_ok(&sigil(env, &["keys", "list", "--json"], None));
    assert_eq!(
        after, pending,
        "nothing changed after the one good rotation"
    );
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 1
    );
    // Each attempt is in the audit trail, refused or not.
    let audit = json_ok(&sigil(env, &["audit", "list", "--json"], None));
    let outcomes: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        outcomes
            .iter()
            .any(|(a, o)| a == "keys.revoke" && o.starts_with("refused"))
    );
    assert!(
        outcomes
            .iter()
            .any(|(a, o)| a == "keys.import" && o.starts_with("refused"))
    );
    assert!(
        outcomes
            .iter()
            .any(|(a, o)| a == "keys.rotate" && o == "ok")
    );
}

/// With a rotation schedule, two instances that see the same key come due make exactly
/// one successor, which takes over after the publish-ahead interval.
async fn scheduled_rotation_happens_once(backend: Backend) {
    let a = spawn_app_with(backend, |env| {
        set(env, "SIGIL_KEY_ROTATION_DAYS", "1");
        set(env, "SIGIL_KEY_PUBLISH_AHEAD", "60");
        set(env, "SIGIL_KEY_POLL_MS", "100");
    })
    .await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let old = a.active_kid(SigningAlg::Es256);
    let list = || json_ok(&sigil(&a.env, &["keys", "list", "--json"], None));
    let pending = |keys: &Value| -> Vec<String> {
        keys.as_array()
            .unwrap()
            .iter()
            .filter(|k| k["state"] == "pending")
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    for app in [&a, &b] {
        app.clock.advance(86_400 - 60 + 1);
    }
    let made = within(Duration::from_secs(3), || async {
        !pending(&list()).is_empty()
    })
    .await;
    assert!(made.is_some(), "a successor is made when the key comes due");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let successors = pending(&list());
    assert_eq!(
        successors.len(),
        1,
        "exactly one, whichever instance made it"
    );
    let successor = successors[0].clone();
    for app in [&a, &b] {
        app.clock.advance(61);
    }
    let switched = within(Duration::from_secs(3), || async {
        a.active_kid(SigningAlg::Es256) == successor && b.active_kid(SigningAlg::Es256) == successor
    })
    .await;
    assert!(
        switched.is_some(),
        "the successor signs after publish-ahead"
    );
    let keys = list();
    let old_row = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == old.as_str())
        .unwrap();
    assert_eq!(old_row["state"], "retired");
    assert!(old_row["expires"].as_i64().unwrap() > old_row["retired"].as_i64().unwrap());
}

/// A client's ID tokens are signed with its registered `id_token_signed_response_alg`,
/// while access tokens keep the configured algorithm.
async fn id_tokens_use_the_clients_registered_algorithm(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    json_ok(&sigil(
        &app.env,
        &["keys", "rotate", "--alg", "EdDSA", "--now", "--json"],
        None,
    ));
    let eddsa = within(Duration::from_secs(3), || async {
        app.services
            .keys
            .current()
            .unwrap()
            .signer(SigningAlg::EdDsa)
            .is_some()
    })
    .await;
    assert!(eddsa.is_some(), "the instance picks up the new EdDSA key");
    let spec = sigil::admin::ClientSpec {
        name: "EdDSA app".into(),
        public: false,
        redirect_uris: vec![crate::helpers::REDIRECT.into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scopes: "openid read".into(),
        id_token_alg: Some("EdDSA".into()),
    };
    let (record, secret) =
        sigil::admin::register_client(app.services.store.as_ref(), &spec, app.now())
            .await
            .unwrap();
    let client = crate::helpers::TestClient {
        id: record.id.to_string(),
        secret: secret.map(|s| s.expose().to_owned()),
    };
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(jwt_part(id_token, 0)["alg"], "EdDSA");
    assert_eq!(
        jwt_part(id_token, 0)["kid"],
        app.active_kid(SigningAlg::EdDsa).as_str()
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(jwt_part(access, 0)["alg"], "ES256");
    // The EdDSA ID token verifies against the published JWKS with PyJWT as well.
    let (set, _) = jwks(&app).await;
    let issuer = crate::helpers::ISSUER;
    let claims = pyjwt_id_token(id_token, &set, &client.id, issuer).unwrap();
    assert_eq!(claims["nonce"], "n0nce");
    // A registration naming an algorithm sigil does not sign with is refused.
    let bad = sigil::admin::ClientSpec {
        id_token_alg: Some("HS256".into()),
        ..spec
    };
    assert!(
        sigil::admin::register_client(app.services.store.as_ref(), &bad, app.now())
            .await
            .is_err()
    );
}

fn pyjwt_id_token(
    token: &str,
    jwks: &Value,
    audience: &str,
    issuer: &str,
) -> Result<Value, String> {
    const SCRIPT: &str = "import json, sys, jwt\n\
token, jwks, audience, issuer = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]\n\
kid = jwt.get_unverified_header(token)['kid']\n\
key = next(k for k in jwks['keys'] if k['kid'] == kid)\n\
claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=[key['alg']], issuer=issuer,\n\
    audience=audience)\n\
print(json.dumps(claims))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", SCRIPT, token, &jwks.to_string(), audience, issuer])
        .output()
        .expect("python3 with PyJWT is installed (scripts/test)");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

both_backends!(
    id_tokens_use_the_clients_registered_algorithm,
    rotation_breaks_no_cached_jwks,
    revocation_reaches_every_instance_within_two_seconds,
    rewrap_moves_every_key_to_the_new_master_key,
    an_imported_rsa_key_signs_tokens_pyjwt_verifies,
    bad_key_commands_change_nothing,
    scheduled_rotation_happens_once,
);

/// An instance that cannot read its keys for five poll intervals stops vouching for
/// tokens: 503 at /introspect, not a stale "active". (Postgres: its database is dropped
/// under it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stale_keys_fail_closed() {
    let app = spawn_app_with(Backend::Postgres, |env| {
        set(env, "SIGIL_KEY_POLL_MS", "100");
    })
    .await;
    let client = app.confidential().await;
    let token = access_token(&app.client_credentials(&client, "read").await);
    assert!(app.is_active(&client, &token).await);
    let url = app
        .env
        .iter()
        .find(|(k, _)| k == "DATABASE_URL")
        .map(|(_, v)| v.clone())
        .unwrap();
    let name = url.rsplit('/').next().unwrap().to_owned();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(crate::helpers::PG_ADMIN_URL)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let res = app
        .post_as("/introspect", &client, &[("token", &token)])
        .await;
    let body = assert_oauth_error(res, 503, "temporarily_unavailable").await;
    assert!(body.get("active").is_none());
    let res = app.get("/jwks.json").await;
    assert_eq!(res.status(), 503);
}

/// The embedded default's secrets on disk (the master key, and the database holding
/// password hashes and sealed keys) are created readable by their owner alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    for name in ["SIGIL_MASTER_KEY_FILE", "SIGIL_SQLITE_PATH"] {
        let path = app
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
}
