//! Malformed requests get an RFC 6749 §5.2 error and change nothing.

use crate::both_backends;
use crate::helpers::{Backend, assert_oauth_error, form_of, spawn_app};

async fn oversized_bodies_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let secret = client.secret.clone().unwrap();
    let big = "a".repeat(17 * 1024);
    for path in ["/token", "/introspect", "/revoke"] {
        let body = form_of(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
            ("client_secret", &secret),
            ("token", &big),
        ]);
        let res = app
            .post_raw(path, "application/x-www-form-urlencoded", body)
            .await;
        assert_oauth_error(res, 413, "invalid_request").await;
    }
}

async fn wrong_content_types_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let secret = client.secret.clone().unwrap();
    let json = serde_json::json!({
        "grant_type": "client_credentials", "client_id": client.id, "client_secret": secret,
    })
    .to_string();
    for ct in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "",
    ] {
        // RFC 6749 §5.2: every error but invalid_client is a 400, a wrong body included.
        for path in ["/token", "/introspect", "/revoke"] {
            let res = app.post_raw(path, ct, json.clone()).await;
            let body = assert_oauth_error(res, 400, "invalid_request").await;
            assert_eq!(
                body["error_description"], "content type must be application/x-www-form-urlencoded",
                "{path} {ct}"
            );
        }
    }
    let ok = form_of(&[
        ("grant_type", "client_credentials"),
        ("client_id", &client.id),
        ("client_secret", &secret),
    ]);
    let res = app
        .post_raw(
            "/token",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
            ok,
        )
        .await;
    assert_eq!(res.status(), 200);
}

async fn duplicated_parameters_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let res = app
        .post_as(
            "/token",
            &client,
            &[
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_oauth_error(res, 400, "invalid_request").await;
    let res = app
        .post_as("/introspect", &client, &[("token", "a"), ("token", "b")])
        .await;
    assert_oauth_error(res, 400, "invalid_request").await;
}

async fn a_failed_request_issues_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    // A bad request mentioning a good refresh token leaves it untouched.
    let res = app
        .post_as(
            "/token",
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("scope", "bad\"scope"),
            ],
        )
        .await;
    assert_oauth_error(res, 400, "invalid_scope").await;
    assert!(app.is_active(&client, refresh).await);
    assert_eq!(app.refresh(&client, refresh).await.status(), 200);
}

async fn bad_authorization_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    for header in ["Basic", "Basic !!!", "Bearer abc", "Basic Og=="] {
        let res = app
            .http
            .post(app.url("/token"))
            .header("authorization", header)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        assert_oauth_error(res, 401, "invalid_client").await;
    }
}

both_backends!(
    oversized_bodies_are_refused,
    wrong_content_types_are_refused,
    duplicated_parameters_are_refused,
    a_failed_request_issues_nothing,
    bad_authorization_headers,
);
