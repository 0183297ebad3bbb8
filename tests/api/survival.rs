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

/// The sequence number the Redis view says it is whole up to.
async fn view_seq(redis: &ThrowawayRedis, app: &TestApp) -> Option<i64> {
    let prefix = app
        .env
        .iter()
        .find(|(k, _)| k == "SIGIL_REDIS_PREFIX")
        .map(|(_, v)| v.clone())
        .unwrap();
    let mut conn = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    redis::cmd("GET")
        .arg(format!("{prefix}rev:seq"))
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// The record's sequence number: how many revocation writes it holds.
async fn recorded_seq(app: &TestApp) -> i64 {
    app.services.store.revocation_seq().await.unwrap()
}

/// Two Postgres instances on one throwaway Redis that restarts from its snapshots, each
/// polling the record every `poll_ms`, and a confidential client.
async fn on_snapshot_redis(
    redis: &ThrowawayRedis,
    poll_ms: [&str; 2],
) -> (TestApp, TestApp, TestClient) {
    let url = redis.url();
    let a = spawn_app_with(Backend::Postgres, |env| {
        set(env, "REDIS_URL", &url);
        set(env, "SIGIL_KEY_POLL_MS", poll_ms[0]);
    })
    .await;
    let mut env = a.env.clone();
    set(&mut env, "SIGIL_KEY_POLL_MS", poll_ms[1]);
    let b = spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    (a, b, client)
}

/// Redis goes back in time (restarted from a snapshot taken before a revocation, as a
/// replica promoted before it caught up would be): the instance that revoked notices at
/// its next request, with no poll to help it, and restores the view from the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_revoker_notices_redis_going_back_in_time() {
    let mut redis = ThrowawayRedis::start_with_snapshots().await;
    let (a, b, client) = on_snapshot_redis(&redis, ["60000", "60000"]).await;
    let token = a.client_credentials(&client, "read").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let later = a.client_credentials(&client, "read").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(a.is_active(&client, &token).await);
    redis.snapshot().await;
    assert_eq!(a.revoke(&client, &token).await.status(), 200);
    assert!(!a.is_active(&client, &token).await);

    redis.restart().await;
    let (behind, recorded) = (view_seq(&redis, &a).await, recorded_seq(&a).await);
    assert!(
        behind.is_some_and(|seq| seq < recorded),
        "the view went back: {behind:?} < {recorded}"
    );
    // A later write through the other instance lands on a view that missed one: it must
    // not make the view claim to be whole.
    // (Its first call may find the connection it had to Redis gone: 503, and it retries.)
    let start = Instant::now();
    while b.revoke(&client, &later).await.status() != 200 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "revocation refused"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(view_seq(&redis, &a).await.is_some_and(|seq| seq < recorded));
    assert!(!active_once_answered(&a, &client, &token).await);
    assert_eq!(
        view_seq(&redis, &a).await,
        Some(recorded_seq(&a).await),
        "restored"
    );
    for t in [&token, &later] {
        assert!(!active_once_answered(&b, &client, t).await);
    }
}

/// The same, seen from an instance that never read the later view: it notices at its next
/// poll of the record, without any request, and restores the view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_every_instance_notices_redis_going_back_in_time_by_its_next_poll() {
    let mut redis = ThrowawayRedis::start_with_snapshots().await;
    let (a, b, client) = on_snapshot_redis(&redis, ["60000", "100"]).await;
    let token = a.client_credentials(&client, "read").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(b.is_active(&client, &token).await);
    redis.snapshot().await;
    assert_eq!(a.revoke(&client, &token).await.status(), 200);

    redis.restart().await;
    let recorded = recorded_seq(&a).await;
    assert!(view_seq(&redis, &a).await.is_some_and(|seq| seq < recorded));
    // One poll, the grace for a write in flight, and the restore.
    let start = Instant::now();
    while view_seq(&redis, &a).await != Some(recorded) {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "not restored by a poll"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!active_once_answered(&b, &client, &token).await);
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
    // The restored view says how far it is whole, so asking again needs no second restore.
    assert_eq!(view_seq(&redis, &a).await, Some(recorded_seq(&a).await));

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
