//! Postgres faults change nothing: while the test's own database refuses connections,
//! everything that needs it answers 503 with `Retry-After` (a page for people), nothing
//! is written, and afterwards the same refresh token and the same code still work, with
//! no restart. Introspecting an access token needs none of it, and goes on.

use serde_json::Value;

use crate::helpers::{
    Backend, PASSWORD, assert_oauth_error, block_database, csrf_of, form_of, location, query_param,
    sigil, spawn_app, spawn_app_with,
};

fn retry_after(res: &reqwest::Response) -> bool {
    res.headers().contains_key("retry-after")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_answers_503_and_changes_nothing() {
    let app = spawn_app(Backend::Postgres).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    // A code issued before the outage (with the session the flow above started), and a
    // login form shown before it, submitted during it.
    let res = app.get_authorize(&app.authorize_params(&client, &[])).await;
    let code = query_param(&location(&res), "code").unwrap();
    let params = app.authorize_params(&client, &[("prompt", "login")]);
    let html = app.get_authorize(&params).await.text().await.unwrap();
    let csrf = csrf_of(&html);
    let before = app.row_counts().await;

    block_database(&app, true).await;
    let res = app.refresh(&client, &refresh).await;
    assert_oauth_error(res, 503, "temporarily_unavailable").await;
    let res = app.exchange_code(&client, &code).await;
    assert_oauth_error(res, 503, "temporarily_unavailable").await;
    let mut form = params.clone();
    form.extend([
        ("csrf_token", csrf.as_str()),
        ("username", "alice"),
        ("password", PASSWORD),
    ]);
    let res = app
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            form_of(&form),
        )
        .await;
    assert_eq!(res.status(), 503, "the login form's POST");
    assert!(retry_after(&res));
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("Please try again"));
    // A new authorization request that only needs its client shows the form, from this
    // instance's copy of the client; one that must read the browser's session cannot be
    // answered.
    let res = app.get_authorize(&params).await;
    assert_eq!(res.status(), 200, "a login form needs no store");
    assert!(res.text().await.unwrap().contains("csrf_token"));
    let res = app.get_authorize(&app.authorize_params(&client, &[])).await;
    assert_eq!(
        res.status(),
        503,
        "a new authorization request with a session"
    );
    assert!(retry_after(&res));
    assert!(res.text().await.unwrap().contains("Please try again"));
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["store"], "unavailable");
    assert_eq!(body["revocation"], "ok");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "the process is alive"
    );

    block_database(&app, false).await;
    assert_eq!(app.row_counts().await, before, "nothing was written");
    assert_eq!(
        app.get("/readyz").await.status(),
        200,
        "recovered on its own"
    );
    assert_eq!(
        app.refresh(&client, &refresh).await.status(),
        200,
        "same token"
    );
    assert_eq!(
        app.exchange_code(&client, &code).await.status(),
        200,
        "same code"
    );
    let res = app.login(&params, "alice", PASSWORD).await;
    assert!(query_param(&location(&res), "code").is_some());
}

/// Through an outage, a resource server this instance has heard from still introspects
/// access tokens, correctly: live ones active, revoked ones not, past the point where the
/// key rows went stale. A caller never seen before, and one disabled before the outage
/// (after this instance last read it), are not believed: 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_introspection_still_answers() {
    let app = spawn_app_with(Backend::Postgres, |env| {
        env.push(("SIGIL_KEY_POLL_MS".into(), "100".into()));
    })
    .await;
    let client = app.confidential().await;
    let resource_server = app.confidential().await;
    let stranger = app.confidential().await;
    let disabled = app.confidential().await;
    let issue = || async {
        app.client_credentials(&client, "read").await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (live, revoked) = (issue().await, issue().await);
    assert_eq!(app.revoke(&client, &revoked).await.status(), 200);
    for caller in [&resource_server, &disabled] {
        assert!(app.is_active(caller, &live).await);
    }
    let out = sigil(&app.env, &["clients", "disable", &disabled.id], None);
    assert!(out.status.success(), "{out:?}");

    block_database(&app, true).await;
    // Five poll intervals and more: the key rows are stale too.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert!(app.is_active(&resource_server, &live).await);
    assert!(!app.is_active(&resource_server, &revoked).await);
    for caller in [&stranger, &disabled] {
        let res = app
            .post_as("/introspect", caller, &[("token", &live)])
            .await;
        assert_oauth_error(res, 503, "temporarily_unavailable").await;
    }
    // A wrong secret is still wrong.
    let mut forger = resource_server.clone();
    forger.secret = Some("not-the-secret-at-all".into());
    let res = app
        .post_as("/introspect", &forger, &[("token", &live)])
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;

    block_database(&app, false).await;
    assert!(app.is_active(&resource_server, &live).await);
    let res = app
        .post_as("/introspect", &disabled, &[("token", &live)])
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;
}
