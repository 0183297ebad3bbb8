//! RP-initiated logout at /logout (OpenID Connect RP-Initiated Logout 1.0).

use reqwest::Response;

use crate::both_backends;
use crate::helpers::{
    Backend, ISSUER, PASSWORD, POST_LOGOUT, TestApp, TestClient, csrf_of, form_of, location,
    query_param, session_of, set_cookie, spawn_app,
};

/// Alice signed in through `client` in app.http's browser: her session cookie and the ID
/// token she got.
async fn signed_in(app: &TestApp, client: &TestClient) -> (String, String) {
    let params = app.authorize_params(client, &[]);
    let res = app.login(&params, "alice", PASSWORD).await;
    let session = session_of(&res);
    let tokens = app.redeem(client, &res).await;
    (session, tokens["id_token"].as_str().unwrap().to_owned())
}

async fn logout(app: &TestApp, params: &[(&str, &str)]) -> Response {
    app.http
        .get(format!("{}?{}", app.url("/logout"), form_of(params)))
        .send()
        .await
        .unwrap()
}

fn ends_the_session_cookie(res: &Response) -> bool {
    set_cookie(res, "sigil_session").is_some_and(|c| c.starts_with("sigil_session=;"))
}

async fn a_hint_for_the_session_user_logs_out_and_goes_back_with_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let (session, id_token) = signed_in(&app, &client).await;
    let discovery = app.discovery().await;
    assert_eq!(
        discovery["end_session_endpoint"],
        format!("{ISSUER}/logout")
    );

    // Expired by now: it still names alice and the client.
    app.clock.advance(2 * 86_400);
    let res = logout(
        &app,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "bye"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{POST_LOGOUT}?state=bye"));
    assert!(ends_the_session_cookie(&res));
    assert!(
        !app.authenticates(&client, &session).await,
        "the old cookie authenticates nothing"
    );
    let silent = app.authorize_params(&client, &[("prompt", "none")]);
    let to = location(&app.get_authorize(&silent).await);
    assert_eq!(query_param(&to, "error").as_deref(), Some("login_required"));
}

async fn a_bad_request_redirects_nowhere_and_ends_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let other = app.confidential().await;
    app.user("alice").await;
    let (session, id_token) = signed_in(&app, &client).await;
    let mut forged = id_token.clone();
    forged.pop();
    let cases: &[&[(&str, &str)]] = &[
        // Not registered, or only nearly.
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ],
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "https://rp.example/signed-out/"),
        ],
        // A URI with no client to check it against.
        &[("post_logout_redirect_uri", POST_LOGOUT)],
        // A hint that is not ours, or for another client than the one named.
        &[("id_token_hint", &forged)],
        &[("id_token_hint", &id_token), ("client_id", &other.id)],
    ];
    for params in cases {
        let res = logout(&app, params).await;
        assert_eq!(res.status(), 400, "{params:?}");
        assert!(res.headers().get("location").is_none());
        assert!(set_cookie(&res, "sigil_session").is_none());
    }
    assert!(
        app.authenticates(&client, &session).await,
        "still signed in"
    );
}

async fn without_a_hint_the_person_confirms_on_a_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let (session, _) = signed_in(&app, &client).await;
    let params = [
        ("client_id", client.id.as_str()),
        ("post_logout_redirect_uri", POST_LOGOUT),
        ("state", "s1"),
    ];
    let page = logout(&app, &params).await;
    assert_eq!(page.status(), 200);
    assert!(
        set_cookie(&page, "sigil_session").is_none(),
        "nothing ended yet"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Test App"), "names the client: {html}");
    assert!(app.authenticates(&client, &session).await);

    // A confirmation another site forged (no CSRF token of ours) ends nothing.
    let mut confirm = params.to_vec();
    confirm.push(("confirm", "yes"));
    let forged = app
        .post_raw(
            "/logout",
            "application/x-www-form-urlencoded",
            form_of(&confirm),
        )
        .await;
    assert_eq!(forged.status(), 403);
    assert!(
        app.authenticates(&client, &session).await,
        "still signed in"
    );

    // The page's own form does.
    let csrf = csrf_of(&forged.text().await.unwrap());
    confirm.push(("csrf_token", &csrf));
    let res = app
        .post_raw(
            "/logout",
            "application/x-www-form-urlencoded",
            form_of(&confirm),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{POST_LOGOUT}?state=s1"));
    assert!(ends_the_session_cookie(&res));
    assert!(!app.authenticates(&client, &session).await);
}

async fn a_hint_for_someone_else_is_confirmed_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    app.user("bob").await;
    let (_, alices_token) = signed_in(&app, &client).await;
    // Bob signs in in the same browser; a hint of alice's cannot sign him out silently.
    let params = app.authorize_params(&client, &[("prompt", "login")]);
    let bob = session_of(&app.login(&params, "bob", PASSWORD).await);
    let res = logout(&app, &[("id_token_hint", &alices_token)]).await;
    assert_eq!(res.status(), 200, "the confirmation page");
    assert!(app.authenticates(&client, &bob).await);
}

both_backends!(
    a_hint_for_the_session_user_logs_out_and_goes_back_with_state,
    a_bad_request_redirects_nowhere_and_ends_nothing,
    without_a_hint_the_person_confirms_on_a_page,
    a_hint_for_someone_else_is_confirmed_too,
);
