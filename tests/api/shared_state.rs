//! Several instances on one Postgres and one Redis: what one does, the others see.

use serde_json::Value;

use crate::helpers::{Backend, assert_oauth_error, spawn_app, spawn_from_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_is_seen_by_another() {
    let a = spawn_app(Backend::Postgres).await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    let token = a.client_credentials(&client, "read").await;
    let token = token["access_token"].as_str().unwrap();
    assert!(
        b.is_active(&client, token).await,
        "B verifies A's token with the shared key"
    );
    assert_eq!(a.revoke(&client, token).await.status(), 200);
    assert!(
        !b.is_active(&client, token).await,
        "B sees A's revocation at once"
    );
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
