//! Malformed requests get an RFC 6749 §5.2 error and change nothing.

use crate::both_backends;
use crate::helpers::{Backend, TestApp, TestClient, assert_oauth_error, form_of, spawn_app};

/// A client with a live refresh token: every refused request below mentions it, so that
/// a refusal that let the request through would rotate it and change the row counts.
async fn with_refresh_token(app: &TestApp) -> (TestClient, String) {
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    (client, tokens["refresh_token"].as_str().unwrap().to_owned())
}

/// The refresh request as a form body, client_secret_post.
fn refresh_body(client: &TestClient, refresh: &str, extra: &[(&str, &str)]) -> String {
    let secret = client.secret.clone().unwrap();
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", client.id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    pairs.extend_from_slice(extra);
    form_of(&pairs)
}

async fn oversized_bodies_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, refresh) = with_refresh_token(&app).await;
    let before = app.row_counts().await;
    let big = "a".repeat(17 * 1024);
    for path in ["/token", "/introspect", "/revoke"] {
        let body = refresh_body(&client, &refresh, &[("token", &refresh), ("pad", &big)]);
        let res = app
            .post_raw(path, "application/x-www-form-urlencoded", body)
            .await;
        assert_oauth_error(res, 413, "invalid_request").await;
    }
    assert_eq!(app.row_counts().await, before);
    assert!(app.is_active(&client, &refresh).await);
}

/// A chunked body has no Content-Length to refuse up front: the bound holds while it is
/// read. Without it this request would be a valid refresh.
async fn chunked_bodies_are_bounded_too(backend: Backend) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = spawn_app(backend).await;
    let (client, refresh) = with_refresh_token(&app).await;
    let before = app.row_counts().await;
    let body = refresh_body(&client, &refresh, &[("pad", &"a".repeat(20 * 1024))]);
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.as_bytes().chunks(4096) {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        // The server may answer and close before the whole body is sent.
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(app.row_counts().await, before);
    assert!(app.is_active(&client, &refresh).await);
}

async fn wrong_content_types_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, refresh) = with_refresh_token(&app).await;
    let before = app.row_counts().await;
    // A good form body under a content type that is not a form's.
    let body = refresh_body(&client, &refresh, &[("token", &refresh)]);
    for ct in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "",
    ] {
        // RFC 6749 §5.2: every error but invalid_client is a 400, a wrong body included.
        for path in ["/token", "/introspect", "/revoke"] {
            let res = app.post_raw(path, ct, body.clone()).await;
            let err = assert_oauth_error(res, 400, "invalid_request").await;
            assert_eq!(
                err["error_description"], "content type must be application/x-www-form-urlencoded",
                "{path} {ct}"
            );
        }
    }
    assert_eq!(app.row_counts().await, before);
    let res = app
        .post_raw(
            "/token",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
            body,
        )
        .await;
    assert_eq!(res.status(), 200, "the media type is case-insensitive");
}

async fn duplicated_parameters_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, refresh) = with_refresh_token(&app).await;
    let before = app.row_counts().await;
    // The same good value twice is still two values (RFC 6749 §3.1).
    for duplicate in [
        ("refresh_token", refresh.as_str()),
        ("grant_type", "refresh_token"),
    ] {
        let res = app
            .post_raw(
                "/token",
                "application/x-www-form-urlencoded",
                refresh_body(&client, &refresh, &[duplicate]),
            )
            .await;
        assert_oauth_error(res, 400, "invalid_request").await;
    }
    let res = app
        .post_as(
            "/revoke",
            &client,
            &[("token", &refresh), ("token", &refresh)],
        )
        .await;
    assert_oauth_error(res, 400, "invalid_request").await;
    assert_eq!(app.row_counts().await, before);
    assert!(app.is_active(&client, &refresh).await);
}

async fn a_failed_request_issues_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let before = app.row_counts().await;
    // A bad request mentioning a good refresh token leaves it untouched.
    let res = app
        .token(&client)
        .grant("refresh_token")
        .params(&[("refresh_token", refresh), ("scope", "bad\"scope")])
        .send()
        .await;
    assert_oauth_error(res, 400, "invalid_scope").await;
    assert_eq!(app.row_counts().await, before);
    assert!(app.is_active(&client, refresh).await);
    assert_eq!(app.refresh(&client, refresh).await.status(), 200);
}

async fn bad_authorization_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, refresh) = with_refresh_token(&app).await;
    let before = app.row_counts().await;
    for header in ["Basic", "Basic !!!", "Bearer abc", "Basic Og=="] {
        let res = app
            .call("/token")
            .grant("refresh_token")
            .params(&[("refresh_token", &refresh), ("client_id", &client.id)])
            .build()
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_oauth_error(res, 401, "invalid_client").await;
    }
    assert_eq!(app.row_counts().await, before);
}

both_backends!(
    oversized_bodies_are_refused,
    chunked_bodies_are_bounded_too,
    wrong_content_types_are_refused,
    duplicated_parameters_are_refused,
    a_failed_request_issues_nothing,
    bad_authorization_headers,
);
