//! Account and client changes end access everywhere within 2 s: the CLI's `users
//! disable`, `users set-password`, `clients delete` and `clients disable` revoke what the
//! user or client holds, on every instance.

use std::time::Duration;

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, TestClient, inactive_everywhere_within_2s, json_ok, sigil, spawn_app,
    spawn_from_env,
};

async fn two_instances(backend: Backend) -> (TestApp, TestApp) {
    let a = spawn_app(backend).await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    (a, b)
}

async fn disabling_a_user_ends_their_access(backend: Backend) {
    let (a, b) = two_instances(backend).await;
    let client = a.confidential().await;
    a.user("alice").await;
    a.user("bob").await;
    let alice = a.tokens_for(&client, "alice").await;
    let bob = b.tokens_for(&client, "bob").await;
    let access = alice["access_token"].as_str().unwrap();
    json_ok(&sigil(
        &a.env,
        &["users", "disable", "--username", "alice", "--json"],
        None,
    ));
    inactive_everywhere_within_2s(&[&a, &b], &client, access).await;
    let refresh = alice["refresh_token"].as_str().unwrap();
    assert_eq!(a.refresh(&client, refresh).await.status(), 400);
    // Bob is untouched.
    assert!(
        b.is_active(&client, bob["access_token"].as_str().unwrap())
            .await
    );
}

async fn a_new_password_ends_every_session_and_token(backend: Backend) {
    let (a, b) = two_instances(backend).await;
    let client = a.confidential().await;
    a.user("alice").await;
    let tokens = a.tokens_for(&client, "alice").await;
    // The browser's session would skip the form; after the change it must not.
    let params = a.authorize_params(&client, &[]);
    assert_eq!(
        a.get_authorize(&params).await.status(),
        303,
        "a live session"
    );
    json_ok(&sigil(
        &a.env,
        &[
            "users",
            "set-password",
            "--username",
            "alice",
            "--password-stdin",
            "--json",
        ],
        Some("a brand new passphrase"),
    ));
    inactive_everywhere_within_2s(&[&a, &b], &client, tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(
        a.get_authorize(&params).await.status(),
        200,
        "the form again"
    );
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(b.refresh(&client, refresh).await.status(), 400);
    // Logging in again works, and its tokens live: the revocation cut at its own time.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = a.login(&params, "alice", "a brand new passphrase").await;
    let code = crate::helpers::query_param(&crate::helpers::location(&res), "code").unwrap();
    let fresh: serde_json::Value = a.exchange_code(&client, &code).await.json().await.unwrap();
    assert!(
        b.is_active(&client, fresh["access_token"].as_str().unwrap())
            .await
    );
}

async fn deleting_or_disabling_a_client_revokes_its_tokens(backend: Backend) {
    let (a, b) = two_instances(backend).await;
    let doomed = a.confidential().await;
    let switched_off = a.confidential().await;
    let bystander = a.confidential().await;
    let issue = |c: &TestClient| {
        let c = c.clone();
        let a = &a;
        async move {
            a.client_credentials(&c, "read").await["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (t1, t2, t3) = (
        issue(&doomed).await,
        issue(&switched_off).await,
        issue(&bystander).await,
    );

    json_ok(&sigil(
        &a.env,
        &["clients", "delete", &doomed.id, "--json"],
        None,
    ));
    inactive_everywhere_within_2s(&[&a, &b], &bystander, &t1).await;

    // Instance b shows the client's login form, and so holds a copy of the client.
    let params = b.authorize_params(&switched_off, &[]);
    assert_eq!(b.get_authorize(&params).await.status(), 200);
    json_ok(&sigil(
        &a.env,
        &["clients", "disable", &switched_off.id, "--json"],
        None,
    ));
    inactive_everywhere_within_2s(&[&a, &b], &bystander, &t2).await;
    let page = b.get_authorize(&params).await;
    assert_eq!(
        page.status(),
        400,
        "b's copy of the client is not used once disabled"
    );
    assert!(page.text().await.unwrap().contains("or disabled"));
    let res = b
        .token(&switched_off)
        .grant("client_credentials")
        .send()
        .await;
    crate::helpers::assert_oauth_error(res, 401, "invalid_client").await;

    // Enabled again, it works again; what was revoked stays revoked.
    json_ok(&sigil(
        &a.env,
        &["clients", "enable", &switched_off.id, "--json"],
        None,
    ));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = issue(&switched_off).await;
    assert!(b.is_active(&bystander, &fresh).await);
    assert!(!b.is_active(&bystander, &t2).await);
    assert!(
        b.is_active(&bystander, &t3).await,
        "other clients are untouched"
    );
}

/// A refresh family lives no longer than its absolute lifetime, however often it is used.
async fn refresh_families_have_an_absolute_lifetime(backend: Backend) {
    let app = crate::helpers::spawn_app_with(backend, |env| {
        env.push(("SIGIL_REFRESH_ABSOLUTE_TTL".into(), "100".into()));
    })
    .await;
    let client = app.confidential().await;
    app.user("alice").await;
    let first = app.tokens_for(&client, "alice").await;
    app.clock.advance(60);
    let res = app
        .refresh(&client, first["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(res.status(), 200, "used within both lifetimes");
    let second: serde_json::Value = res.json().await.unwrap();
    app.clock.advance(41);
    let res = app
        .refresh(&client, second["refresh_token"].as_str().unwrap())
        .await;
    let body = crate::helpers::assert_oauth_error(res, 400, "invalid_grant").await;
    assert_eq!(body["error_description"], "refresh token expired");
}

both_backends!(
    disabling_a_user_ends_their_access,
    a_new_password_ends_every_session_and_token,
    deleting_or_disabling_a_client_revokes_its_tokens,
    refresh_families_have_an_absolute_lifetime,
);
