//! Several instances on one Postgres and one Redis: what one does, the others see.

use serde_json::Value;

use crate::helpers::{Backend, assert_oauth_error, spawn_app, spawn_from_env};

/// Three instances: a revocation made on one reads inactive on the other two within
/// 100 ms of its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_is_seen_by_the_others() {
    let a = spawn_app(Backend::Postgres).await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let c = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    let token = a.client_credentials(&client, "read").await;
    let token = token["access_token"].as_str().unwrap();
    for app in [&b, &c] {
        assert!(
            app.is_active(&client, token).await,
            "every instance verifies A's token with the shared key"
        );
    }
    assert_eq!(a.revoke(&client, token).await.status(), 200);
    let revoked = std::time::Instant::now();
    for app in [&b, &c] {
        assert!(!app.is_active(&client, token).await, "seen at once");
    }
    assert!(revoked.elapsed() < std::time::Duration::from_millis(100));
}

/// A revocation whose view write failed (Redis briefly refusing it, its data intact)
/// is written again the next time the revoked family is presented: no path leaves a family
/// revoked in the store while its access tokens read active.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_revocation_write_is_made_again() {
    let redis = crate::helpers::ThrowawayRedis::start().await;
    let url = redis.url();
    let app = crate::helpers::spawn_app_with(Backend::Postgres, |env| {
        env.retain(|(k, _)| k != "REDIS_URL");
        env.push(("REDIS_URL".into(), url.clone()));
        env.push(("SIGIL_REFRESH_RETRY_WINDOW".into(), "0".into()));
        // The background levelling of the view (every poll interval) would also repair
        // it, and once fell inside the test: a minute's interval leaves the repair to
        // the re-presentation this test is about.
        env.push(("SIGIL_KEY_POLL_MS".into(), "60000".into()));
    })
    .await;
    let client = app.confidential().await;
    app.user("alice").await;
    let first = app.tokens_for(&client, "alice").await;
    let old = first["refresh_token"].as_str().unwrap();
    let second: Value = app.refresh(&client, old).await.json().await.unwrap();
    let access = second["access_token"].as_str().unwrap();

    // Redis refuses SET for a while (its data intact, reads and scripts still served):
    // the view write of the family's revocation fails.
    let admin = redis::Client::open(url.as_str()).unwrap();
    let mut conn = admin.get_multiplexed_async_connection().await.unwrap();
    let acl = |rule: &'static str| redis::cmd("ACL").arg(&["SETUSER", "default", rule]).clone();
    let _: () = acl("-set").query_async(&mut conn).await.unwrap();
    let reuse = app.refresh(&client, old).await;
    assert_oauth_error(reuse, 503, "temporarily_unavailable").await;
    let _: () = acl("+set").query_async(&mut conn).await.unwrap();
    assert!(
        app.is_active(&client, access).await,
        "the view never got the revocation"
    );
    // Presenting the revoked family again makes the view whole.
    let again = app.refresh(&client, old).await;
    assert_oauth_error(again, 400, "invalid_grant").await;
    assert!(!app.is_active(&client, access).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_reuse_across_instances_revokes_the_family_everywhere() {
    let a = spawn_app(Backend::Postgres).await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    a.user("alice").await;
    let first = a.tokens_for(&client, "alice").await;
    let old = first["refresh_token"].as_str().unwrap();
    let second: Value = a.refresh(&client, old).await.json().await.unwrap();
    // Past the retry window (on b's clock too), so this is reuse.
    b.clock.advance(11);
    assert_oauth_error(b.refresh(&client, old).await, 400, "invalid_grant").await;
    assert!(
        !a.is_active(&client, second["access_token"].as_str().unwrap())
            .await
    );
    assert!(
        !a.is_active(&client, first["access_token"].as_str().unwrap())
            .await
    );
}
