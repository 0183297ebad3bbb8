//! Revocations survive the loss of their view: a Redis restarted empty, and an embedded
//! instance restarted, both come back from the store's record before any revoked token
//! reads active again. And a Postgres deployment without Redis must say it is one node.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{
    Backend, TestApp, TestClient, ThrowawayRedis, spawn_app_with, spawn_from_env,
};

/// Whether `token` is active, once the instance answers at all: while its Redis
/// connection comes back it may answer 503 (fail closed), never anything else.
async fn active_once_answered(app: &TestApp, caller: &TestClient, token: &str) -> bool {
    let start = Instant::now();
    loop {
        let res = app
            .post_as("/introspect", caller, &[("token", token)])
            .await;
        match res.status().as_u16() {
            200 => {
                let body: Value = res.json().await.unwrap();
                return body["active"] == Value::Bool(true);
            }
            503 => assert!(start.elapsed() < Duration::from_secs(5), "no answer in 5 s"),
            other => panic!("introspection answered {other}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn set(env: &mut Vec<(String, String)>, name: &str, value: &str) {
    env.retain(|(k, _)| k != name);
    env.push((name.into(), value.into()));
}

/// Redis killed and started again empty: every revocation it held comes back from the
/// record (jti, grant, user), on every instance, before any answer; tokens never revoked
/// stay active.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_revocations_survive_redis_restarting_empty() {
    let mut redis = ThrowawayRedis::start().await;
    let url = redis.url();
    let a = spawn_app_with(Backend::Postgres, |env| set(env, "REDIS_URL", &url)).await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    let issue = || async {
        a.client_credentials(&client, "read").await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (revoked, kept) = (issue().await, issue().await);
    assert_eq!(a.revoke(&client, &revoked).await.status(), 200);
    a.user("alice").await;
    let tokens = a.tokens_for(&client, "alice").await;
    let family_access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(a.revoke(&client, &refresh).await.status(), 200);
    for app in [&a, &b] {
        assert!(!app.is_active(&client, &revoked).await);
        assert!(!app.is_active(&client, &family_access).await);
        assert!(app.is_active(&client, &kept).await);
    }

    redis.restart().await;
    for app in [&b, &a] {
        assert!(
            !active_once_answered(app, &client, &revoked).await,
            "still revoked"
        );
        assert!(!active_once_answered(app, &client, &family_access).await);
        assert!(active_once_answered(app, &client, &kept).await);
    }
    // The restored view is marked whole, so asking again needs no second restore.
    let redis_client = redis::Client::open(redis.url()).unwrap();
    let mut conn = redis_client
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let prefix = a
        .env
        .iter()
        .find(|(k, _)| k == "SIGIL_REDIS_PREFIX")
        .map(|(_, v)| v.clone())
        .unwrap();
    let marker: Option<String> = redis::cmd("GET")
        .arg(format!("{prefix}rev:complete"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(marker.is_some());

    // While Redis is down the answer is 503, never active: true; afterwards all is well.
    redis.stop();
    let res = a.post_as("/introspect", &client, &[("token", &kept)]).await;
    crate::helpers::assert_oauth_error(res, 503, "temporarily_unavailable").await;
    redis.restart().await;
    assert!(!active_once_answered(&a, &client, &revoked).await);
    assert!(active_once_answered(&a, &client, &kept).await);
}

/// An embedded instance restarted on the same file forgets no revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_revocations_survive_a_restart() {
    let first = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let client = first.confidential().await;
    let token = first.client_credentials(&client, "read").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(first.revoke(&client, &token).await.status(), 200);
    // A new instance on the same file starts with an empty in-process view.
    let again = spawn_from_env(first.env.clone(), tempfile::tempdir().unwrap()).await;
    assert!(!again.is_active(&client, &token).await);
}
