//! Rotation without a failed verification, revocation everywhere within 2 s, rewrap,
//! and the schedule.

use std::time::{Duration, Instant};

use serde_json::Value;
use sigil::domain::SigningAlg;

use super::*;
use crate::both_backends;
use crate::helpers::{Backend, json_ok, jwt_part, sigil, spawn_app_with, spawn_from_env};

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

both_backends!(
    rotation_breaks_no_cached_jwks,
    revocation_reaches_every_instance_within_two_seconds,
    rewrap_moves_every_key_to_the_new_master_key,
    scheduled_rotation_happens_once,
);
