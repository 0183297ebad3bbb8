//! Consent: third-party and public clients ask the person; first-party ones do not.

use reqwest::Response;

use crate::both_backends;
use crate::helpers::{
    Backend, PASSWORD, TestApp, TestClient, csrf_of, hidden_fields, inactive_everywhere_within_2s,
    json_ok, location, query_param, sigil, spawn_app,
};

async fn third_party(app: &TestApp, public: bool) -> TestClient {
    let spec = sigil::admin::ClientSpec {
        name: "Elsewhere Inc".into(),
        public,
        redirect_uris: vec![crate::helpers::REDIRECT.into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scopes: "openid read email".into(),
        id_token_alg: None,
        first_party: false,
    };
    let (record, secret) =
        sigil::admin::register_client(app.services.store.as_ref(), &spec, app.now())
            .await
            .unwrap();
    TestClient {
        id: record.id.as_str().to_owned(),
        secret: secret.map(|s| s.expose().to_owned()),
    }
}

/// The code a response delivers, if it is a redirect carrying one.
fn code_of(res: &Response) -> Option<String> {
    let to = res.headers().get("location")?.to_str().ok()?;
    query_param(to, "code")
}

async fn a_third_party_client_asks_once_per_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = third_party(&app, false).await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    let page = app.login(&params, "alice", PASSWORD).await;
    assert_eq!(page.status(), 200, "the consent page, not a code");
    assert!(code_of(&page).is_none());
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Elsewhere Inc") && html.contains("<li>read</li>"),
        "{html}"
    );

    // Answered again from the page: allowed, the code.
    let page = app.get_authorize(&params).await;
    let res = app.answer_consent(page, "allow").await;
    let code = code_of(&res).expect("a code once allowed");
    assert_eq!(app.exchange_code(&client, &code).await.status(), 200);

    // Remembered: the same scopes go straight through, even silently.
    let silent = app.authorize_params(&client, &[("prompt", "none")]);
    assert!(code_of(&app.get_authorize(&silent).await).is_some());
    // A new scope is asked about; silently, that is consent_required.
    let wider = app.authorize_params(
        &client,
        &[("scope", "openid read email"), ("prompt", "none")],
    );
    let to = location(&app.get_authorize(&wider).await);
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("consent_required")
    );
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    // prompt=consent asks even about what was granted.
    let forced = app.authorize_params(&client, &[("prompt", "consent")]);
    assert_eq!(app.get_authorize(&forced).await.status(), 200);
    // … and still asks after the login form the request also asked for.
    let again = app.authorize_params(&client, &[("prompt", "login consent")]);
    let page = app.login(&again, "alice", PASSWORD).await;
    assert_eq!(page.status(), 200);
    assert!(
        code_of(&page).is_none(),
        "prompt=consent outlives the login form"
    );
    assert!(page.text().await.unwrap().contains("Allow access?"));
}

async fn denying_sends_access_denied_and_records_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = third_party(&app, false).await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    let page = app.login(&params, "alice", PASSWORD).await;
    let res = app.answer_consent(page, "deny").await;
    let to = location(&res);
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    let silent = app.authorize_params(&client, &[("prompt", "none")]);
    let to = location(&app.get_authorize(&silent).await);
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("consent_required")
    );
}

async fn a_forged_consent_decides_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = third_party(&app, false).await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    let page = app.login(&params, "alice", PASSWORD).await;
    let mut form = hidden_fields(&page.text().await.unwrap());
    for (name, value) in &mut form {
        if name == "csrf_token" {
            *value = "A".repeat(43);
        }
    }
    form.push(("decision".into(), "allow".into()));
    let res = app.post_consent(&form).await;
    assert_eq!(res.status(), 403);
    assert!(code_of(&res).is_none());
    // The page asked again carries a token that works.
    assert!(!csrf_of(&res.text().await.unwrap()).is_empty());
    let silent = app.authorize_params(&client, &[("prompt", "none")]);
    let to = location(&app.get_authorize(&silent).await);
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("consent_required")
    );
}

async fn public_clients_always_ask_and_cannot_be_first_party(backend: Backend) {
    let app = spawn_app(backend).await;
    // The test helper's public clients are never first-party either.
    let public = app.client(true, "authorization_code", "openid").await;
    app.user("alice").await;
    let params = app.authorize_params(&public, &[("scope", "openid")]);
    let page = app.login(&params, "alice", PASSWORD).await;
    assert_eq!(page.status(), 200, "asked");
    let spec = sigil::admin::ClientSpec {
        name: "Native".into(),
        public: true,
        redirect_uris: vec!["http://127.0.0.1/cb".into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".into()],
        scopes: "openid".into(),
        id_token_alg: None,
        first_party: true,
    };
    assert!(
        sigil::admin::register_client(app.services.store.as_ref(), &spec, app.now())
            .await
            .is_err()
    );
    // A first-party confidential client (the helper's) is not asked about.
    let first = app.confidential().await;
    let params = app.authorize_params(&first, &[]);
    assert!(code_of(&app.get_authorize(&params).await).is_some());
}

async fn revoking_a_consent_ends_the_clients_access(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = third_party(&app, false).await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    let page = app.login(&params, "alice", PASSWORD).await;
    let tokens = app
        .redeem(&client, &app.answer_consent(page, "allow").await)
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert!(app.is_active(&client, access).await, "the control");

    let listed = json_ok(&sigil(
        &app.env,
        &["users", "consents", "alice", "--json"],
        None,
    ));
    assert_eq!(listed["consents"][0]["client_id"], client.id.as_str());
    assert_eq!(listed["consents"][0]["scope"], "openid read");

    let revoked = sigil(
        &app.env,
        &[
            "users", "consents", "alice", "--revoke", &client.id, "--json",
        ],
        None,
    );
    assert_eq!(json_ok(&revoked)["revoked"], client.id.as_str());
    let listed = json_ok(&sigil(
        &app.env,
        &["users", "consents", "alice", "--json"],
        None,
    ));
    assert_eq!(listed["consents"], serde_json::json!([]));
    // Its tokens for alice end (checked first: a refresh of a revoked family would
    // revoke them itself), so do its grants, and it must ask again.
    inactive_everywhere_within_2s(&[&app], &client, access).await;
    let res = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(res.status(), 400);
    let silent = app.authorize_params(&client, &[("prompt", "none")]);
    let to = location(&app.get_authorize(&silent).await);
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("consent_required")
    );
    // Revoking what is not there says so and changes nothing: a first-party client's
    // grant (no consent behind it) stays.
    let own = app.confidential().await;
    let relogin = app.authorize_params(&own, &[("prompt", "login")]);
    let kept = app
        .redeem(&own, &app.login(&relogin, "alice", PASSWORD).await)
        .await;
    let again = sigil(
        &app.env,
        &["users", "consents", "alice", "--revoke", &own.id],
        None,
    );
    assert!(!again.status.success());
    let res = app
        .refresh(&own, kept["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(res.status(), 200, "untouched");
}

both_backends!(
    a_third_party_client_asks_once_per_scope,
    denying_sends_access_denied_and_records_nothing,
    a_forged_consent_decides_nothing,
    public_clients_always_ask_and_cannot_be_first_party,
    revoking_a_consent_ends_the_clients_access,
);
