//! Attacks on the browser flow and the form endpoints.

use crate::both_backends;
use crate::helpers::{
    Backend, PASSWORD, REDIRECT, VERIFIER, assert_oauth_error, csrf_of, form_of, location,
    query_param, spawn_app,
};

fn sets_session(res: &reqwest::Response) -> bool {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap_or("").starts_with("sigil_session="))
}

async fn huge_passwords_are_refused_without_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let before = app.row_counts().await;
    let params = app.authorize_params(&client, &[]);
    let page = app.get_authorize(&params).await.text().await.unwrap();
    let csrf = csrf_of(&page);
    let megabyte = "p".repeat(1 << 20);
    let verified = app.services.passwords.verifications();
    let mut form = params.clone();
    form.extend([
        ("csrf_token", csrf.as_str()),
        ("username", "alice"),
        ("password", megabyte.as_str()),
    ]);
    let res = app
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            form_of(&form),
        )
        .await;
    assert_eq!(res.status(), 400, "an oversized login body is refused");
    assert!(!sets_session(&res));
    assert_eq!(
        app.services.passwords.verifications(),
        verified,
        "no argon2 work for a body over the bound"
    );

    // Under the body limit but over the password limit: the ordinary refusal, at the
    // cost of an ordinary miss (one verification, of nothing), so timing tells nothing.
    let long = "p".repeat(10_000);
    let res = app.login(&params, "alice", &long).await;
    assert_eq!(app.services.passwords.verifications(), verified + 1);
    assert_eq!(res.status(), 200);
    assert!(!sets_session(&res));
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Invalid username or password.")
    );
    assert_eq!(app.row_counts().await, before);
}

async fn look_alike_usernames_are_one_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let alice = app.user("alice").await;
    let before = app.row_counts().await;
    let twin = sigil::admin::create_user(
        app.services.store.as_ref(),
        &app.services.passwords,
        "ＡＬＩＣＥ",
        sigil::admin::Profile::default(),
        "another password",
        app.now(),
    )
    .await;
    assert!(twin.is_err(), "a fullwidth twin cannot be registered");
    assert_eq!(app.row_counts().await, before);
    // Logging in with the look-alike reaches the one account, with its own password.
    let params = app.authorize_params(&client, &[]);
    let res = app.login(&params, "ＡＬＩＣＥ", PASSWORD).await;
    let tokens = app.redeem(&client, &res).await;
    let claims = crate::helpers::jwt_part(tokens["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["sub"], alice);
}

async fn crlf_never_reaches_a_header(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let before = app.row_counts().await;
    let evil_state = "x\r\nSet-Cookie: evil=1";
    let params = app.authorize_params(&client, &[("state", evil_state), ("prompt", "none")]);
    let res = app.get_authorize(&params).await;
    let to = location(&res);
    assert!(!to.contains('\r') && !to.contains('\n'));
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(
        query_param(&to, "state").is_none(),
        "a malformed state is not echoed"
    );
    assert!(
        !res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().contains("evil"))
    );

    let params = app.authorize_params(
        &client,
        &[("redirect_uri", "https://app.example/cb\r\nX-Evil: 1")],
    );
    let res = app.get_authorize(&params).await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("x-evil").is_none());
    assert_eq!(app.row_counts().await, before);
}

async fn no_open_redirect_through_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let before = app.row_counts().await;
    let evil = "https://evil.example/steal";
    let cases = [
        vec![
            ("client_id", "unknown-client"),
            ("redirect_uri", evil),
            ("response_type", "code"),
        ],
        vec![
            ("client_id", client.id.as_str()),
            ("redirect_uri", evil),
            ("response_type", "token"),
        ],
        vec![
            ("client_id", client.id.as_str()),
            ("redirect_uri", evil),
            ("scope", "admin"),
        ],
        vec![("redirect_uri", evil)],
    ];
    for params in cases {
        let res = app.get_authorize(&params).await;
        assert_eq!(res.status(), 400, "{params:?}");
        assert!(res.headers().get("location").is_none(), "{params:?}");
        assert!(
            !res.text().await.unwrap().contains(evil),
            "the page does not link to it"
        );
    }
    assert_eq!(app.row_counts().await, before);
}

async fn pkce_cannot_be_downgraded_at_the_token_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    let before = app.row_counts().await;
    // Presenting the challenge itself as the verifier is `plain` by the back door.
    let challenge = crate::helpers::CHALLENGE;
    let res = app
        .token(&client)
        .grant("authorization_code")
        .params(&[("code", &code), ("code_verifier", challenge)])
        .send()
        .await;
    assert_oauth_error(res, 400, "invalid_grant").await;
    let res = app
        .token(&client)
        .grant("authorization_code")
        .params(&[("code", &code)])
        .send()
        .await;
    assert_oauth_error(res, 400, "invalid_request").await;
    assert_eq!(
        app.row_counts().await,
        before,
        "the code is not spent by failed attempts"
    );
    let res = app
        .token(&client)
        .grant("authorization_code")
        .params(&[
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await;
    assert_eq!(res.status(), 200);
}

async fn the_token_endpoint_refuses_cross_origin_browsers(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let res = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/token"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert!(
        !res.status().is_success(),
        "no preflight approval: {}",
        res.status()
    );
    let res = app
        .token(&client)
        .grant("client_credentials")
        .build()
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

async fn failed_client_authentication_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let before = app.row_counts().await;
    let wrong = crate::helpers::TestClient {
        id: client.id.clone(),
        secret: Some("scs_guess".into()),
    };
    for _ in 0..3 {
        assert_oauth_error(app.refresh(&wrong, refresh).await, 401, "invalid_client").await;
        assert_oauth_error(app.revoke(&wrong, refresh).await, 401, "invalid_client").await;
    }
    assert_eq!(app.row_counts().await, before);
    assert_eq!(app.refresh(&client, refresh).await.status(), 200);
}

both_backends!(
    huge_passwords_are_refused_without_work,
    look_alike_usernames_are_one_account,
    crlf_never_reaches_a_header,
    no_open_redirect_through_errors,
    pkce_cannot_be_downgraded_at_the_token_endpoint,
    the_token_endpoint_refuses_cross_origin_browsers,
    failed_client_authentication_changes_nothing,
);
