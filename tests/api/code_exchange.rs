//! Redeeming authorization codes: PKCE, single use, replay, ID tokens, public clients.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{
    Backend, ISSUER, PASSWORD, REDIRECT, TestApp, TestClient, VERIFIER, assert_oauth_error,
    jwt_part, spawn_app,
};

async fn redeem(
    app: &TestApp,
    client: &TestClient,
    code: &str,
    verifier: &str,
    redirect: &str,
) -> reqwest::Response {
    app.token(client)
        .grant("authorization_code")
        .params(&[
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ])
        .send()
        .await
}

async fn code_gives_access_refresh_and_id_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let user_id = app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    assert_eq!(tokens["scope"], "openid read");
    assert!(
        tokens["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("srt_")
    );
    let access = jwt_part(tokens["access_token"].as_str().unwrap(), 1);
    assert_eq!(access["sub"], user_id);
    assert_eq!(access["client_id"], client.id);
    let id = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    assert_eq!(id["iss"], ISSUER);
    assert_eq!(id["aud"], client.id);
    assert_eq!(id["sub"], user_id);
    assert_eq!(id["nonce"], "n0nce");
    assert_eq!(id["azp"], client.id);
    assert!(id["auth_time"].is_i64());
    // at_hash binds the ID token to this access token: the left half of its SHA-256.
    let sha256 = ring::digest::digest(
        &ring::digest::SHA256,
        tokens["access_token"].as_str().unwrap().as_bytes(),
    );
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&sha256.as_ref()[..16]);
    assert_eq!(id["at_hash"], expected);
    assert_eq!(
        jwt_part(tokens["id_token"].as_str().unwrap(), 0)["typ"],
        "JWT"
    );
    assert!(
        app.is_active(&client, tokens["access_token"].as_str().unwrap())
            .await
    );
}

async fn wrong_verifier_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    let res = redeem(&app, &client, &code, &"x".repeat(43), REDIRECT).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
    let res = redeem(&app, &client, &code, VERIFIER, "https://app.example/other").await;
    assert_oauth_error(res, 400, "invalid_grant").await;
    let res = app
        .token(&client)
        .grant("authorization_code")
        .params(&[("code", &code), ("redirect_uri", REDIRECT)])
        .send()
        .await;
    assert_oauth_error(res, 400, "invalid_request").await;
    // The rightful redemption still works.
    let res = app.exchange_code(&client, &code).await;
    assert_eq!(res.status(), 200);
}

async fn omitted_redirect_uri_is_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    let res = app
        .token(&client)
        .grant("authorization_code")
        .params(&[("code", &code), ("code_verifier", VERIFIER)])
        .send()
        .await;
    assert_eq!(res.status(), 200);
}

async fn replayed_code_is_refused_and_revokes_the_first_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    let first: Value = app
        .exchange_code(&client, &code)
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap();
    let refresh = first["refresh_token"].as_str().unwrap();
    assert!(app.is_active(&client, access).await);

    let replay = app.exchange_code(&client, &code).await;
    assert_oauth_error(replay, 400, "invalid_grant").await;
    assert!(
        !app.is_active(&client, access).await,
        "access token of the first use is revoked"
    );
    assert!(
        !app.is_active(&client, refresh).await,
        "refresh token of the first use is revoked"
    );
    let res = app.refresh(&client, refresh).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
}

async fn concurrent_redemptions_yield_exactly_one_success(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    let requests = (0..6)
        .map(|_| {
            app.token(&client)
                .grant("authorization_code")
                .params(&[("code", code.as_str()), ("code_verifier", VERIFIER)])
                .build()
        })
        .collect();
    let answers = app.race(requests).await;
    assert_eq!(
        answers.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{answers:?}"
    );
    // Every loser is told it replayed the code, not given some other failure.
    assert!(
        answers
            .iter()
            .all(|(s, body)| *s == 200 || (*s == 400 && body["error"] == "invalid_grant")),
        "{answers:?}"
    );
}

async fn expired_code_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    app.clock.advance(61);
    assert_oauth_error(
        app.exchange_code(&client, &code).await,
        400,
        "invalid_grant",
    )
    .await;
}

async fn code_of_another_client_is_refused_and_stays_usable(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let other = app.confidential().await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    assert_oauth_error(app.exchange_code(&other, &code).await, 400, "invalid_grant").await;
    assert_eq!(app.exchange_code(&client, &code).await.status(), 200);
}

async fn malformed_and_unknown_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    for code in ["nope", "sac_short", &format!("sac_{}", "Z".repeat(43))] {
        assert_oauth_error(app.exchange_code(&client, code).await, 400, "invalid_grant").await;
    }
}

async fn public_client_redeems_with_pkce_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app
        .client(true, "authorization_code,refresh_token", "openid read")
        .await;
    assert!(client.secret.is_none());
    app.user("alice").await;
    // A public client is always asked about.
    let params = app.authorize_params(&client, &[]);
    let page = app.login(&params, "alice", PASSWORD).await;
    let tokens = app
        .redeem(&client, &app.answer_consent(page, "allow").await)
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let res = app.refresh(&client, refresh).await;
    assert_eq!(res.status(), 200);
    // A public client presenting a secret it was never given is refused.
    let pretender = TestClient {
        id: client.id.clone(),
        secret: Some("scs_whatever".into()),
    };
    let res = app
        .token(&pretender)
        .grant("refresh_token")
        .params(&[("refresh_token", refresh)])
        .send()
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;
}

async fn no_refresh_token_without_the_refresh_grant(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client(false, "authorization_code", "openid read").await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    assert!(tokens.get("refresh_token").is_none());
}

both_backends!(
    code_gives_access_refresh_and_id_tokens,
    wrong_verifier_is_refused_and_changes_nothing,
    omitted_redirect_uri_is_accepted,
    replayed_code_is_refused_and_revokes_the_first_tokens,
    concurrent_redemptions_yield_exactly_one_success,
    expired_code_is_refused,
    code_of_another_client_is_refused_and_stays_usable,
    malformed_and_unknown_codes,
    public_client_redeems_with_pkce_alone,
    no_refresh_token_without_the_refresh_grant,
);
