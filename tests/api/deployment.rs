//! No half-configured production: Postgres without Redis is refused unless one node is
//! declared, and Redis over TLS with a user and password works.

use crate::helpers::{Backend, ThrowawayRedis, config_from, spawn_app_with, test_env};

/// `DATABASE_URL` (Postgres) without `REDIS_URL`: every instance would keep its own
/// revocations and counters. sigil refuses, and says why, unless told it is one node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_without_redis_needs_a_declared_single_node() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = test_env(Backend::Postgres, dir.path()).await;
    env.retain(|(k, _)| k != "REDIS_URL");
    let out = crate::helpers::sigil(&env, &["serve"], None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SIGIL_SINGLE_NODE=true"), "{stderr}");
    env.push(("SIGIL_SINGLE_NODE".into(), "true".into()));
    let app = sigil::app::Application::build(config_from(&env)).await;
    assert!(app.is_ok(), "one declared node starts");
}

/// `rediss://user:password@…` with a private CA (`SIGIL_REDIS_CA_FILE`): revocations and
/// limits work through it; a wrong password reads as Redis unavailable, never as valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_over_tls_with_a_user_and_password() {
    let redis = ThrowawayRedis::start_tls("sigil", "s3cret-passw0rd").await;
    let (url, ca) = (redis.url(), redis.ca_file().unwrap());
    let app = spawn_app_with(Backend::Postgres, |env| {
        env.retain(|(k, _)| k != "REDIS_URL");
        env.push(("REDIS_URL".into(), url.clone()));
        env.push(("SIGIL_REDIS_CA_FILE".into(), ca.display().to_string()));
    })
    .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let client = app.confidential().await;
    let token = app.client_credentials(&client, "read").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(app.is_active(&client, &token).await);
    assert_eq!(app.revoke(&client, &token).await.status(), 200);
    assert!(!app.is_active(&client, &token).await);

    // The same server with a wrong password: not ready, and nothing reads as valid.
    let mut env = app.env.clone();
    env.retain(|(k, _)| k != "REDIS_URL");
    env.push(("REDIS_URL".into(), url.replace("s3cret-passw0rd", "wrong")));
    let wrong = crate::helpers::spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    assert_eq!(wrong.get("/readyz").await.status(), 503);
    let res = wrong
        .post_as("/introspect", &client, &[("token", &token)])
        .await;
    crate::helpers::assert_oauth_error(res, 503, "temporarily_unavailable").await;
}
