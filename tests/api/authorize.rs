//! The browser flow: /authorize, the login form, sessions, and what may never redirect.

use crate::both_backends;
use crate::helpers::{
    Backend, CHALLENGE, ISSUER, PASSWORD, REDIRECT, cookieless_browser, csrf_of, form_of,
    hidden_fields, jwt_part, location, query_param, set_cookie, spawn_app,
};

async fn login_issues_a_code_with_state_and_iss(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);

    let page = app.get_authorize(&params).await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sigil_csrf="))
        .expect("a CSRF cookie");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));

    let res = app.login(&params, "alice", PASSWORD).await;
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sigil_session="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(
        !session.contains("Secure"),
        "no Secure flag on an http issuer"
    );
    let to = location(&res);
    assert!(to.starts_with(&format!("{REDIRECT}?")));
    assert!(query_param(&to, "code").unwrap().starts_with("sac_"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert_eq!(query_param(&to, "iss").as_deref(), Some(ISSUER));
}

async fn a_session_skips_the_form_and_prompt_login_forces_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    app.code_for(&client, "alice").await;

    let params = app.authorize_params(&client, &[]);
    let res = app.get_authorize(&params).await;
    let to = location(&res);
    assert!(
        query_param(&to, "code").is_some(),
        "the session logs the user in"
    );

    let params = app.authorize_params(&client, &[("prompt", "login")]);
    assert_eq!(
        app.get_authorize(&params).await.status(),
        200,
        "the form again"
    );
}

async fn max_age_asks_for_the_password_again_when_the_session_is_older(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    app.code_for(&client, "alice").await;
    app.clock.advance(120);

    let recent = app.authorize_params(&client, &[("max_age", "600")]);
    let to = location(&app.get_authorize(&recent).await);
    assert!(
        query_param(&to, "code").is_some(),
        "a session of 120 s is within 600 s"
    );

    let silent = app.authorize_params(&client, &[("max_age", "60"), ("prompt", "none")]);
    let to = location(&app.get_authorize(&silent).await);
    assert_eq!(query_param(&to, "error").as_deref(), Some("login_required"));

    // The form again; after it, auth_time is the new authentication's (the clock keeps
    // running, so between the times just before and just after the login).
    let strict = app.authorize_params(&client, &[("max_age", "60")]);
    let before = app.now();
    let res = app.login(&strict, "alice", PASSWORD).await;
    let after = app.now();
    let tokens = app.redeem(&client, &res).await;
    let id = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    let auth_time = id["auth_time"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&auth_time),
        "{auth_time} not in {before}..={after}"
    );
}

async fn login_hint_fills_in_the_username(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let params = app.authorize_params(&client, &[("login_hint", "Alice")]);
    let html = app.get_authorize(&params).await.text().await.unwrap();
    assert!(html.contains("value=\"alice\""), "{html}");
    // Only a hint: one that is no username leaves the field empty, and is no error.
    let params = app.authorize_params(&client, &[("login_hint", "<b>x y</b>")]);
    let res = app.get_authorize(&params).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(" required value=\"\""), "{html}");
    assert!(!html.contains("x y"), "{html}");
}

/// The hidden fields of a form_post page, and its form's action.
fn posted_form(html: &str) -> (String, std::collections::BTreeMap<String, String>) {
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with an action")
        .to_owned();
    (action, hidden_fields(html).into_iter().collect())
}

async fn form_post_answers_with_a_self_submitting_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[("response_mode", "form_post")]);

    // Through the login form, the answer is the form, never a redirect.
    let res = app.login(&params, "alice", PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("location").is_none());
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.ends_with("; form-action https://app.example"), "{csp}");
    let html = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|n| n.split('\'').next())
        .unwrap();
    assert!(
        html.contains(&format!("<script nonce=\"{nonce}\">")),
        "{html}"
    );
    assert!(
        html.contains("<button type=\"submit\">"),
        "works without JavaScript"
    );
    let (action, fields) = posted_form(&html);
    assert_eq!(action, REDIRECT);
    assert_eq!(fields["state"], "st4te");
    assert_eq!(fields["iss"], ISSUER);
    let tokens = app.exchange_code(&client, &fields["code"]).await;
    assert_eq!(tokens.status(), 200, "the posted code redeems");

    // With the session, straight to the form; and errors travel the same way.
    let res = app.get_authorize(&params).await;
    assert!(
        posted_form(&res.text().await.unwrap())
            .1
            .contains_key("code")
    );
    let fresh = cookieless_browser();
    let silent = app.authorize_params(
        &client,
        &[("response_mode", "form_post"), ("prompt", "none")],
    );
    let html = fresh
        .get(format!("{}?{}", app.url("/authorize"), form_of(&silent)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(posted_form(&html).1["error"], "login_required");
    let discovery = app.discovery().await;
    assert_eq!(
        discovery["response_modes_supported"],
        serde_json::json!(["query", "form_post"])
    );
}

async fn prompt_none_without_session_is_login_required(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let params = app.authorize_params(&client, &[("prompt", "none")]);
    let to = location(&app.get_authorize(&params).await);
    assert_eq!(query_param(&to, "error").as_deref(), Some("login_required"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
}

async fn unknown_user_and_wrong_password_read_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    let verified = app.services.passwords.verifications();
    let wrong = app.login(&params, "alice", "not the password").await;
    assert_eq!(app.services.passwords.verifications(), verified + 1);
    assert_eq!(wrong.status(), 200);
    let wrong = wrong.text().await.unwrap();
    let unknown = app.login(&params, "mallory", PASSWORD).await;
    // The same argon2 work for a user who does not exist (against a dummy hash), so
    // the response time does not tell either.
    assert_eq!(app.services.passwords.verifications(), verified + 2);
    let invalid_name = app.login(&params, "a b", PASSWORD).await;
    assert_eq!(app.services.passwords.verifications(), verified + 3);
    assert!(
        invalid_name
            .text()
            .await
            .unwrap()
            .contains("Invalid username or password.")
    );
    assert_eq!(unknown.status(), 200);
    let unknown = unknown.text().await.unwrap();
    let message = "Invalid username or password.";
    assert!(wrong.contains(message) && unknown.contains(message));
    // Same page but for the echoed username and the per-request CSRF token.
    let strip = |html: &str, user: &str| html.replace(&csrf_of(html), "").replace(user, "");
    assert_eq!(strip(&wrong, "alice"), strip(&unknown, "mallory"));
}

/// A disabled account's right password is answered exactly like a wrong one: the same
/// page, the same argon2 work, no session.
async fn disabled_users_cannot_log_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    let verified = app.services.passwords.verifications();
    let wrong = app.login(&params, "alice", "not the password").await;
    assert_eq!(app.services.passwords.verifications(), verified + 1);
    let wrong = wrong.text().await.unwrap();
    app.services
        .store
        .set_user_disabled(&crate::helpers::username("alice"), true)
        .await
        .unwrap();
    let res = app.login(&params, "alice", PASSWORD).await;
    assert_eq!(app.services.passwords.verifications(), verified + 2);
    assert_eq!(res.status(), 200);
    assert!(set_cookie(&res, "sigil_session").is_none(), "no session");
    let disabled = res.text().await.unwrap();
    assert!(disabled.contains("Invalid username or password."));
    let strip = |html: &str| html.replace(&csrf_of(html), "");
    assert_eq!(strip(&disabled), strip(&wrong));
}

async fn usernames_fold_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("Alice").await;
    let params = app.authorize_params(&client, &[]);
    let res = app.login(&params, "ALICE", PASSWORD).await;
    assert!(query_param(&location(&res), "code").is_some());
}

async fn login_without_the_csrf_cookie_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    // A forged cross-site post: a token from somewhere, and no cookie to match it.
    let fresh = cookieless_browser();
    let mut form = params.clone();
    let token = format!("scf_{}", "a".repeat(43));
    form.extend([
        ("csrf_token", token.as_str()),
        ("username", "alice"),
        ("password", PASSWORD),
    ]);
    let res = fresh
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_of(&form))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("location").is_none());
    assert!(
        !res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("sigil_session=")),
        "no session is started"
    );
}

/// Double submit: a well-formed CSRF token that is not the one in the form's cookie is
/// refused before any password is checked, and starts nothing.
async fn login_with_another_csrf_token_than_its_cookie_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    // The browser holds the form's cookie (app.http keeps cookies)...
    let page = app.get_authorize(&params).await.text().await.unwrap();
    let real = csrf_of(&page);
    // ...but the field carries another token of the right shape.
    let other = format!("scf_{}", "b".repeat(43));
    assert_ne!(real, other);
    let before = app.row_counts().await;
    let verified = app.services.passwords.verifications();
    let post = |csrf: String| {
        let mut form = params.clone();
        form.extend([("username", "alice"), ("password", PASSWORD)]);
        let mut form: Vec<(&str, String)> =
            form.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
        form.push(("csrf_token", csrf));
        let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            form_of(&borrowed),
        )
    };
    let res = post(other).await;
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("location").is_none());
    assert!(
        set_cookie(&res, "sigil_session").is_none(),
        "no session is started"
    );
    assert_eq!(
        app.services.passwords.verifications(),
        verified,
        "no password check"
    );
    assert_eq!(app.row_counts().await, before);
    // The refusal handed out a fresh form: its token works.
    let fresh = csrf_of(&res.text().await.unwrap());
    let res = post(fresh).await;
    assert!(query_param(&location(&res), "code").is_some());
}

async fn unknown_client_gets_an_error_page_not_a_redirect(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let mut params = app.authorize_params(&client, &[]);
    params.retain(|(k, _)| *k != "client_id");
    params.push(("client_id", "nobody"));
    let res = app.get_authorize(&params).await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

async fn an_openid_request_names_its_redirect_uri(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = sigil::admin::ClientSpec {
        name: "One URI".into(),
        public: false,
        redirect_uris: vec![REDIRECT.into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".into()],
        scopes: "openid read".into(),
        id_token_alg: None,
        first_party: true,
    };
    let (client, _) = sigil::admin::register_client(app.services.store.as_ref(), &spec, app.now())
        .await
        .unwrap();
    let without = |scope: &'static str| {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client.id.as_str()),
            ("scope", scope),
            ("state", "st4te"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        params.retain(|(_, v)| !v.is_empty());
        params
    };
    // Plain OAuth may leave out the only registered URI: the login form is shown.
    assert_eq!(app.get_authorize(&without("read")).await.status(), 200);
    // OpenID Connect may not: an error page, and no redirect anywhere.
    let res = app.get_authorize(&without("openid read")).await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
}

async fn near_miss_redirect_uris_never_redirect(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    // With a session, an accepted request would issue a code at once: the row counts
    // show that none was.
    app.code_for(&client, "alice").await;
    let before = app.row_counts().await;
    for uri in [
        "https://app.example/cb/",
        "https://APP.example/cb",
        "https://app.example/CB",
        "https://app.example/cb?x=1",
        "https://app.example/cb#frag",
        "https://app.example:443/cb",
        "https://app.example:8443/cb",
        "http://app.example/cb",
        "https://app.example/x/../cb",
        "https://evil.example@app.example/cb",
        "https://app.example.evil.example/cb",
        "https://evil.example/cb",
        "http://127.0.0.1:9999/loopback",
    ] {
        // The last: loopback ports float for public clients only.
        let params = app.authorize_params(&client, &[("redirect_uri", uri)]);
        let res = app.get_authorize(&params).await;
        assert_eq!(res.status(), 400, "{uri}");
        assert!(res.headers().get("location").is_none(), "{uri}");
    }
    assert_eq!(app.row_counts().await, before);
}

async fn loopback_redirect_any_port_for_public_clients(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app
        .client(true, "authorization_code,refresh_token", "openid")
        .await;
    let uri = "http://127.0.0.1:53117/loopback";
    let params = app.authorize_params(&client, &[("redirect_uri", uri), ("scope", "openid")]);
    let res = app.get_authorize(&params).await;
    assert_eq!(res.status(), 200);
    let params = app.authorize_params(
        &client,
        &[
            ("redirect_uri", uri),
            ("prompt", "none"),
            ("scope", "openid"),
        ],
    );
    let to = location(&app.get_authorize(&params).await);
    assert!(to.starts_with(uri), "{to}");
}

async fn errors_after_the_redirect_uri_is_verified_go_back_to_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("code_challenge", "")], "invalid_request"),
        (&[("code_challenge_method", "plain")], "invalid_request"),
        (&[("code_challenge_method", "")], "invalid_request"),
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("response_type", "")], "invalid_request"),
        (&[("scope", "openid admin")], "invalid_scope"),
        (&[("prompt", "none login")], "invalid_request"),
        (&[("max_age", "soon")], "invalid_request"),
        (&[("response_mode", "fragment")], "invalid_request"),
        (&[("max_age", "-1")], "invalid_request"),
        (&[("request", "eyJ...")], "request_not_supported"),
        (
            &[("request_uri", "https://rp.example/r/1")],
            "request_uri_not_supported",
        ),
    ];
    for (extra, code) in cases {
        let params = app.authorize_params(&client, extra);
        let to = location(&app.get_authorize(&params).await);
        assert!(to.starts_with(REDIRECT), "{to}");
        assert_eq!(
            query_param(&to, "error").as_deref(),
            Some(*code),
            "{extra:?}"
        );
        assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
        assert_eq!(query_param(&to, "iss").as_deref(), Some(ISSUER));
    }
    let no_code = app.client(false, "client_credentials", "read").await;
    let params = app.authorize_params(&no_code, &[]);
    let to = location(&app.get_authorize(&params).await);
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("unauthorized_client")
    );
}

/// RFC 6749 §3.1: a parameter given twice is refused, even when each value alone would
/// do; with a session, an accepted request would redirect with a code at once.
async fn duplicated_parameters_are_refused_without_redirect(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    app.code_for(&client, "alice").await;
    let before = app.row_counts().await;
    for (name, second) in [("redirect_uri", REDIRECT), ("state", "other")] {
        let mut params = app.authorize_params(&client, &[]);
        params.push((name, second));
        let res = app.get_authorize(&params).await;
        assert_eq!(res.status(), 400, "{name}");
        assert!(res.headers().get("location").is_none(), "{name}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains(&format!("parameter {name} was given more than once")),
            "{page}"
        );
    }
    assert_eq!(app.row_counts().await, before);
}

async fn authorize_accepts_post(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let params = app.authorize_params(&client, &[]);
    let res = app
        .post_raw(
            "/authorize",
            "application/x-www-form-urlencoded",
            form_of(&params),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("csrf_token"));
}

both_backends!(
    login_issues_a_code_with_state_and_iss,
    a_session_skips_the_form_and_prompt_login_forces_it,
    prompt_none_without_session_is_login_required,
    form_post_answers_with_a_self_submitting_form,
    max_age_asks_for_the_password_again_when_the_session_is_older,
    login_hint_fills_in_the_username,
    unknown_user_and_wrong_password_read_the_same,
    disabled_users_cannot_log_in,
    usernames_fold_case,
    login_without_the_csrf_cookie_is_refused,
    login_with_another_csrf_token_than_its_cookie_is_refused,
    unknown_client_gets_an_error_page_not_a_redirect,
    near_miss_redirect_uris_never_redirect,
    an_openid_request_names_its_redirect_uri,
    loopback_redirect_any_port_for_public_clients,
    errors_after_the_redirect_uri_is_verified_go_back_to_it,
    duplicated_parameters_are_refused_without_redirect,
    authorize_accepts_post,
);
