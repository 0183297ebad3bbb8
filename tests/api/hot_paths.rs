//! The hot paths make no round trip (ARCHITECTURE "Hot paths"): once warm, issuing a
//! client_credentials token and introspecting one ask neither Redis nor Postgres.
//! Counted on the servers themselves: the commands a Redis of the test's own processed,
//! and the database made unreachable under a warm instance.

use std::time::Duration;

use crate::helpers::{
    Backend, TestApp, TestClient, ThrowawayRedis, block_database, spawn_app_with,
};

fn set(env: &mut Vec<(String, String)>, name: &str, value: &str) {
    env.retain(|(k, _)| k != name);
    env.push((name.into(), value.into()));
}

/// Commands Redis has processed since it started (the `INFO` asking counts as one).
async fn redis_commands(redis: &ThrowawayRedis) -> u64 {
    let mut conn = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut conn)
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

async fn issue_and_introspect(app: &TestApp, client: &TestClient) {
    let token = app.client_credentials(client, "read").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(app.is_active(client, &token).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_warm_issuance_and_introspection_need_neither_redis_nor_postgres() {
    let redis = ThrowawayRedis::start().await;
    let url = redis.url();
    // Background polls every 5 s: none falls inside the counted stretch.
    let app = spawn_app_with(Backend::Postgres, |env| {
        set(env, "REDIS_URL", &url);
        set(env, "SIGIL_KEY_POLL_MS", "5000");
    })
    .await;
    let client = app.confidential().await;
    issue_and_introspect(&app, &client).await;
    // Subscribed, and the copies of the revocation view and the limits caught up.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    issue_and_introspect(&app, &client).await;

    let before = redis_commands(&redis).await;
    for _ in 0..25 {
        issue_and_introspect(&app, &client).await;
    }
    let used = redis_commands(&redis).await - before;
    assert!(used <= 2, "50 requests cost {used} Redis commands");

    block_database(&app, true).await;
    for _ in 0..5 {
        issue_and_introspect(&app, &client).await;
    }
    block_database(&app, false).await;
}
