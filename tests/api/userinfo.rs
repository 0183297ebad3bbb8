//! /userinfo with Bearer tokens (OIDC Core §5.3, RFC 6750).

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, TestApp, location, query_param, spawn_app};

async fn get(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    app.get_with_authorization("/userinfo", authorization).await
}

fn www_authenticate(res: &reqwest::Response) -> String {
    res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn userinfo_describes_the_logged_in_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let id = app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let res = get(
        &app,
        Some(&format!(
            "Bearer {}",
            tokens["access_token"].as_str().unwrap()
        )),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["sub"], id);
    assert_eq!(body["preferred_username"], "alice");
    assert!(body.get("email").is_none(), "no email scope, no email");
}

async fn email_scope_adds_the_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app
        .client(false, "authorization_code", "openid email")
        .await;
    sigil::admin::create_user(
        app.services.store.as_ref(),
        &app.services.passwords,
        "carol",
        Some("carol@example.com"),
        PASSWORD,
        app.now(),
    )
    .await
    .unwrap();
    let params = app.authorize_params(&client, &[("scope", "openid email")]);
    let code = query_param(
        &location(&app.login(&params, "carol", PASSWORD).await),
        "code",
    )
    .unwrap();
    let res = app.exchange_code(&client, &code).await;
    let tokens: Value = res.json().await.unwrap();
    let res = get(
        &app,
        Some(&format!(
            "Bearer {}",
            tokens["access_token"].as_str().unwrap()
        )),
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["email"], "carol@example.com");
}

async fn userinfo_refusals(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;

    let res = get(&app, None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(www_authenticate(&res), "Bearer realm=\"sigil\"");

    let res = get(&app, Some("Bearer not-a-jwt")).await;
    assert_eq!(res.status(), 401);
    assert!(www_authenticate(&res).contains("error=\"invalid_token\""));

    let res = get(&app, Some("Basic abc")).await;
    assert_eq!(res.status(), 400);

    // A machine token has no user and no openid scope.
    let machine = app.client_credentials(&client, "read").await;
    let bearer = format!("Bearer {}", machine["access_token"].as_str().unwrap());
    let res = get(&app, Some(&bearer)).await;
    assert_eq!(res.status(), 403);
    assert!(www_authenticate(&res).contains("insufficient_scope"));

    // A revoked token is refused.
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.revoke(&client, access).await.status(), 200);
    let res = get(&app, Some(&format!("Bearer {access}"))).await;
    assert_eq!(res.status(), 401);
}

both_backends!(
    userinfo_describes_the_logged_in_user,
    email_scope_adds_the_email,
    userinfo_refusals,
);
