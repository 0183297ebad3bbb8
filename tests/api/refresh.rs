//! Refresh-token rotation and reuse detection.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, TestApp, TestClient, assert_oauth_error, spawn_app};

async fn setup(backend: Backend) -> (TestApp, TestClient, Value) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    (app, client, tokens)
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap().to_owned()
}

async fn refresh_rotates_the_token(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    let res = app.refresh(&client, &s(&first, "refresh_token")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let second: Value = res.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["scope"], "openid read");
    assert!(second["id_token"].is_string());
    assert!(app.is_active(&client, &s(&second, "access_token")).await);
    assert!(app.is_active(&client, &s(&second, "refresh_token")).await);
    assert!(
        !app.is_active(&client, &s(&first, "refresh_token")).await,
        "the old one is spent"
    );
    // The new one rotates too.
    assert_eq!(
        app.refresh(&client, &s(&second, "refresh_token"))
            .await
            .status(),
        200
    );
}

async fn reuse_of_a_rotated_token_revokes_the_family(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    let second: Value = app
        .refresh(&client, &s(&first, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();

    // Past the retry window, a rotated token presented again is reuse.
    app.clock.advance(11);
    let reuse = app.refresh(&client, &s(&first, "refresh_token")).await;
    assert_oauth_error(reuse, 400, "invalid_grant").await;

    for token in [&first, &second] {
        assert!(
            !app.is_active(&client, &s(token, "access_token")).await,
            "access tokens of the family die"
        );
    }
    assert!(!app.is_active(&client, &s(&second, "refresh_token")).await);
    let res = app.refresh(&client, &s(&second, "refresh_token")).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
}

async fn concurrent_use_yields_exactly_one_success(backend: Backend) {
    // Single use on its own, with no retry window (see the retry tests below).
    let app = crate::helpers::spawn_app_with(backend, |env| {
        env.push(("SIGIL_REFRESH_RETRY_WINDOW".into(), "0".into()));
    })
    .await;
    let client = app.confidential().await;
    app.user("alice").await;
    let first = app.tokens_for(&client, "alice").await;
    let token = s(&first, "refresh_token");
    let requests = (0..6)
        .map(|_| {
            app.token(&client)
                .grant("refresh_token")
                .param("refresh_token", &token)
                .build()
        })
        .collect();
    let answers = app.race(requests).await;
    let winners: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, body)| *s == 200 || (*s == 400 && body["error"] == "invalid_grant")),
        "every loser is a replay: {answers:?}"
    );
    // Two parties held the token at once, so the family is revoked: the winner's tokens
    // die with it.
    let won = &winners[0].1;
    assert!(!app.is_active(&client, &s(won, "access_token")).await);
    let res = app.refresh(&client, &s(won, "refresh_token")).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
}

/// A client that lost the response to a refresh retries with the same token within the
/// window and gets a working pair; the successor it never received is spent, and if
/// anyone presents it later, that is reuse.
async fn a_lost_response_may_be_retried_within_the_window(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    let lost: Value = app
        .refresh(&client, &s(&first, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(5);
    let res = app.refresh(&client, &s(&first, "refresh_token")).await;
    assert_eq!(res.status(), 200, "a retry within the window");
    let retried: Value = res.json().await.unwrap();
    assert!(app.is_active(&client, &s(&retried, "access_token")).await);
    assert!(app.is_active(&client, &s(&retried, "refresh_token")).await);
    assert!(
        !app.is_active(&client, &s(&lost, "refresh_token")).await,
        "spent"
    );
    // A second retry of the same lost response still works: its successor is unused.
    let again: Value = app
        .refresh(&client, &s(&first, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    assert!(again["refresh_token"].is_string());
    let third: Value = app
        .refresh(&client, &s(&again, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        third["refresh_token"].is_string(),
        "the retried line goes on"
    );
    // The lost successor, presented now, is reuse: the whole family goes.
    let res = app.refresh(&client, &s(&lost, "refresh_token")).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
    assert!(!app.is_active(&client, &s(&third, "access_token")).await);
    assert!(!app.is_active(&client, &s(&third, "refresh_token")).await);
}

/// A retry after the successor was used, or after the window, is reuse.
async fn a_retry_after_the_successor_was_used_is_reuse(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    let second: Value = app
        .refresh(&client, &s(&first, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    let third: Value = app
        .refresh(&client, &s(&second, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    let res = app.refresh(&client, &s(&first, "refresh_token")).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
    assert!(!app.is_active(&client, &s(&third, "refresh_token")).await);
    assert!(!app.is_active(&client, &s(&third, "access_token")).await);
}

async fn scope_can_narrow_but_not_widen(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    let token = s(&first, "refresh_token");
    let before = app.row_counts().await;
    let res = app
        .token(&client)
        .grant("refresh_token")
        .params(&[("refresh_token", &token), ("scope", "read write")])
        .send()
        .await;
    assert_oauth_error(res, 400, "invalid_scope").await;
    assert_eq!(app.row_counts().await, before);
    // Refused without spending the token.
    let res = app
        .token(&client)
        .grant("refresh_token")
        .params(&[("refresh_token", &token), ("scope", "read")])
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let narrowed: Value = res.json().await.unwrap();
    assert_eq!(narrowed["scope"], "read");
    assert!(narrowed.get("id_token").is_none(), "no openid, no ID token");
    // The family keeps its original scope.
    let again: Value = app
        .refresh(&client, &s(&narrowed, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["scope"], "openid read");
}

async fn another_clients_refresh_token_is_refused_and_left_alive(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    let thief = app.confidential().await;
    let token = s(&first, "refresh_token");
    assert_oauth_error(app.refresh(&thief, &token).await, 400, "invalid_grant").await;
    assert!(app.is_active(&client, &token).await);
    assert!(app.is_active(&client, &s(&first, "access_token")).await);
    assert_eq!(app.refresh(&client, &token).await.status(), 200);
}

async fn expired_refresh_token_is_refused(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    app.clock.advance(30 * 86_400 + 1);
    assert_oauth_error(
        app.refresh(&client, &s(&first, "refresh_token")).await,
        400,
        "invalid_grant",
    )
    .await;
    // The refusal spent nothing: with the clock back, the same token still rotates. (A
    // minute back, not a second: the clock is real time shifted, and a second boundary
    // crossed since issuance would leave the token expired still.)
    app.clock.advance(-61);
    assert_eq!(
        app.refresh(&client, &s(&first, "refresh_token"))
            .await
            .status(),
        200
    );
}

async fn disabled_user_cannot_refresh(backend: Backend) {
    let (app, client, first) = setup(backend).await;
    app.services
        .store
        .set_user_disabled(&crate::helpers::username("alice"), true)
        .await
        .unwrap();
    assert_oauth_error(
        app.refresh(&client, &s(&first, "refresh_token")).await,
        400,
        "invalid_grant",
    )
    .await;
    // The refusal spent nothing: enabled again, the user's token still rotates.
    app.services
        .store
        .set_user_disabled(&crate::helpers::username("alice"), false)
        .await
        .unwrap();
    assert_eq!(
        app.refresh(&client, &s(&first, "refresh_token"))
            .await
            .status(),
        200
    );
}

/// Refreshes of many families at once (on Postgres, sent to the database together in
/// batches) each rotate their own family: every answer belongs to the user whose token
/// was presented, its tokens work, and every presented token is spent.
async fn simultaneous_refreshes_of_many_families_each_rotate_their_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let mut families = Vec::new();
    for i in 0..16 {
        let name = format!("user{i}");
        let sub = app.user(&name).await;
        // One browser for them all: each signs in anew over the last one's session.
        let params = app.authorize_params(&client, &[("prompt", "login")]);
        let answer = app.login(&params, &name, PASSWORD).await;
        let tokens = app.redeem(&client, &answer).await;
        families.push((sub, s(&tokens, "refresh_token")));
    }
    let requests = families
        .iter()
        .map(|(_, token)| {
            app.token(&client)
                .grant("refresh_token")
                .param("refresh_token", token)
                .build()
        })
        .collect();
    let answers = app.race(requests).await;
    for ((sub, old), (status, body)) in families.iter().zip(&answers) {
        assert_eq!(*status, 200, "{body}");
        for (field, whose) in [
            ("access_token", "the access token is its user's"),
            ("refresh_token", "the successor is in its user's family"),
        ] {
            let issued = app.introspect(&client, &s(body, field)).await;
            assert_eq!(issued["active"], true, "{issued}");
            assert_eq!(issued["sub"], sub.as_str(), "{whose}");
        }
        assert!(
            !app.is_active(&client, old).await,
            "the presented token is spent"
        );
    }
}

async fn malformed_refresh_tokens(backend: Backend) {
    let (app, client, _) = setup(backend).await;
    for token in ["x", "srt_", &format!("srt_{}", "A".repeat(43))] {
        assert_oauth_error(app.refresh(&client, token).await, 400, "invalid_grant").await;
    }
    let res = app.token(&client).grant("refresh_token").send().await;
    assert_oauth_error(res, 400, "invalid_request").await;
}

both_backends!(
    a_lost_response_may_be_retried_within_the_window,
    a_retry_after_the_successor_was_used_is_reuse,
    refresh_rotates_the_token,
    reuse_of_a_rotated_token_revokes_the_family,
    concurrent_use_yields_exactly_one_success,
    scope_can_narrow_but_not_widen,
    another_clients_refresh_token_is_refused_and_left_alive,
    expired_refresh_token_is_refused,
    disabled_user_cannot_refresh,
    malformed_refresh_tokens,
    simultaneous_refreshes_of_many_families_each_rotate_their_own,
);
