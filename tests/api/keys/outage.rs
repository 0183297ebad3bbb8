//! An instance that cannot read its key rows: it stops vouching for tokens unless its
//! revocation view is one every writer updates (Redis), which names a revoked key anyway.

use std::time::Duration;

use sqlx::Connection as _;

use super::*;
use crate::helpers::{
    Backend, PG_ADMIN_URL, assert_oauth_error, json_ok, jwt_part, sigil, spawn_app_with,
    spawn_from_env,
};

fn env_of(env: &[(String, String)], name: &str) -> String {
    env.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap()
}

async fn admin_sql(sql: String) {
    let mut admin = sqlx::PgConnection::connect(PG_ADMIN_URL).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .unwrap();
}

/// On one node with an in-process view, keys unread for five poll intervals stop
/// vouching for tokens: 503 at /introspect, not a stale "active", and JWKS is not served
/// stale either. (Postgres: its database is dropped under it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_single_node_stale_keys_fail_closed() {
    let app = spawn_app_with(Backend::Postgres, |env| {
        env.retain(|(k, _)| k != "REDIS_URL");
        set(env, "SIGIL_SINGLE_NODE", "true");
        set(env, "SIGIL_KEY_POLL_MS", "100");
    })
    .await;
    let client = app.confidential().await;
    let token = access_token(&app.client_credentials(&client, "read").await);
    assert!(app.is_active(&client, &token).await);
    let name = env_of(&app.env, "DATABASE_URL")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    admin_sql(format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let res = app
        .post_as("/introspect", &client, &[("token", &token)])
        .await;
    let body = assert_oauth_error(res, 503, "temporarily_unavailable").await;
    assert!(body.get("active").is_none());
    let res = app.get("/jwks.json").await;
    assert_eq!(res.status(), 503);
}

/// Instance `b` is cut off from Postgres (its own database role refused, as a network
/// partition would), while the operator and instance `a` still reach it. `b` keeps
/// answering introspection from Redis, and a key revoked meanwhile is dead at `b` too
/// within 2 s: the revocation names the kid, and the view carries it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_key_revoked_while_an_instance_cannot_read_it_is_dead_there_too() {
    let a = spawn_app_with(Backend::Postgres, |env| {
        set(env, "SIGIL_KEY_POLL_MS", "100");
    })
    .await;
    let role = format!("sigil_cut_{}", crate::helpers::random_suffix());
    admin_sql(format!("CREATE ROLE {role} LOGIN SUPERUSER")).await;
    let mut env = a.env.clone();
    let url = env_of(&env, "DATABASE_URL").replace("postgres@", &format!("{role}@"));
    set(&mut env, "DATABASE_URL", &url);
    let b = spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    let token = access_token(&a.client_credentials(&client, "read").await);
    let old = jwt_part(&token, 0)["kid"].as_str().unwrap().to_owned();
    assert!(b.is_active(&client, &token).await, "b knows the caller");

    admin_sql(format!("ALTER ROLE {role} NOLOGIN")).await;
    admin_sql(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
    ))
    .await;
    // Past five poll intervals b's keys are stale; it still answers, from Redis.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let res = b.get("/readyz").await;
    assert_eq!(res.status(), 503, "b says it cannot reach its store");
    assert!(b.is_active(&client, &token).await, "introspection goes on");

    let done = json_ok(&sigil(
        &a.env,
        &["keys", "revoke", &old, "--force", "--json"],
        None,
    ));
    assert_eq!(done["revoked"], old.as_str());
    let took = within(Duration::from_secs(2), || async {
        !b.is_active(&client, &token).await
    })
    .await;
    assert!(
        took.is_some(),
        "the revoked key's token is still active at b"
    );
    assert!(!a.is_active(&client, &token).await);
    admin_sql(format!("DROP ROLE {role}")).await;
}
