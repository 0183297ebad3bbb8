//! /userinfo with Bearer tokens (OIDC Core §5.3, RFC 6750).

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, TestApp, jwt_part, location, query_param, spawn_app};

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
    // `openid read`: neither profile nor email, so nothing beyond sub.
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
}

/// Logs carol in with `scope` and exchanges the code: the token response.
async fn carol_tokens(app: &TestApp, scope: &str) -> Value {
    let client = app
        .client(false, "authorization_code,refresh_token", scope)
        .await;
    // prompt=login: the form again, though an earlier call left a session.
    let params = app.authorize_params(&client, &[("scope", scope), ("prompt", "login")]);
    let code = query_param(
        &location(&app.login(&params, "carol", PASSWORD).await),
        "code",
    )
    .unwrap();
    let res = app.exchange_code(&client, &code).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    // The same claims after a refresh.
    let refreshed: Value = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwt_part(refreshed["id_token"].as_str().unwrap(), 1)["name"],
        jwt_part(tokens["id_token"].as_str().unwrap(), 1)["name"]
    );
    tokens
}

async fn profile_and_email_scopes_release_their_claims(backend: Backend) {
    let app = spawn_app(backend).await;
    let profile = sigil::admin::Profile {
        name: Some("Carol Danvers"),
        email: Some("carol@example.com"),
        email_verified: true,
    };
    let store = app.services.store.as_ref();
    let carol = sigil::admin::create_user(
        store,
        &app.services.passwords,
        "carol",
        profile,
        PASSWORD,
        app.now(),
    )
    .await
    .unwrap();

    let tokens = carol_tokens(&app, "openid profile email").await;
    let access = tokens["access_token"].as_str().unwrap();
    let id = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    let info: Value = app.userinfo(access).await.json().await.unwrap();
    for claims in [&id, &info] {
        assert_eq!(claims["sub"], carol.id.as_str());
        assert_eq!(claims["name"], "Carol Danvers");
        assert_eq!(claims["preferred_username"], "carol");
        assert_eq!(claims["email"], "carol@example.com");
        assert_eq!(claims["email_verified"], true);
    }

    // Each scope alone releases only its own claims, in both places.
    let tokens = carol_tokens(&app, "openid email").await;
    let id = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    let info: Value = app
        .userinfo(tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    for claims in [&id, &info] {
        assert_eq!(claims["email"], "carol@example.com");
        assert!(claims.get("name").is_none() && claims.get("preferred_username").is_none());
    }
    let tokens = carol_tokens(&app, "openid profile").await;
    let id = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    assert_eq!(id["name"], "Carol Danvers");
    assert!(id.get("email").is_none() && id.get("email_verified").is_none());
}

async fn the_token_goes_in_the_header_or_the_body_never_both(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let access = tokens["access_token"].as_str().unwrap();
    let url = format!("{}/userinfo", app.address);
    let post = |body: String| {
        app.http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };

    let res = post(format!("access_token={access}")).send().await.unwrap();
    assert_eq!(res.status(), 200, "in the body alone");

    let res = post(format!("access_token={access}"))
        .header("authorization", format!("Bearer {access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "in the header and the body");
    assert!(www_authenticate(&res).contains("error=\"invalid_request\""));

    let res = app
        .get_with_authorization(
            &format!("/userinfo?access_token={access}"),
            Some(&format!("Bearer {access}")),
        )
        .await;
    assert_eq!(res.status(), 400, "a token in the query is refused");
    let res = app
        .get_with_authorization(&format!("/userinfo?access_token={access}"), None)
        .await;
    assert_eq!(res.status(), 400);
    assert!(www_authenticate(&res).contains("invalid_request"));
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
    profile_and_email_scopes_release_their_claims,
    the_token_goes_in_the_header_or_the_body_never_both,
    userinfo_refusals,
);
