//! Login behaviour: https cookies, password re-hashing when the argon2 parameters
//! change, and a login replacing the browser's session.

use crate::both_backends;
use reqwest::Response;
use reqwest::header::HeaderMap;

use crate::helpers::{
    Backend, PASSWORD, TestApp, TestClient, cookieless_browser, csrf_of, form_of, location,
    query_param, session_of, set_cookie, spawn_app, spawn_app_with, spawn_from_env,
};

/// Logs alice in with a browser that sends back only what it is told to: the CSRF
/// cookie set with the form goes back explicitly (a `Secure` cookie would not be sent
/// over the test's plain http). `prefix` is what the cookies' names start with. Returns
/// the form's CSRF cookie, its page's headers, and the login answer.
async fn login_by_hand(
    app: &TestApp,
    client: &TestClient,
    prefix: &str,
) -> (String, HeaderMap, Response) {
    let browser = cookieless_browser();
    let params = app.authorize_params(client, &[]);
    let page = browser
        .get(format!("{}?{}", app.url("/authorize"), form_of(&params)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf_cookie =
        set_cookie(&page, &format!("{prefix}sigil_csrf")).expect("the form sets its CSRF cookie");
    let headers = page.headers().clone();
    let csrf = csrf_of(&page.text().await.unwrap());
    let mut form = params.clone();
    form.extend([
        ("csrf_token", csrf.as_str()),
        ("username", "alice"),
        ("password", PASSWORD),
    ]);
    let res = browser
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", csrf_cookie.split(';').next().unwrap())
        .body(form_of(&form))
        .send()
        .await
        .unwrap();
    (csrf_cookie, headers, res)
}

async fn https_issuer_makes_cookies_secure_and_sends_hsts(backend: Backend) {
    let app = spawn_app_with(backend, |env| {
        env.retain(|(k, _)| k != "SIGIL_ISSUER");
        env.push(("SIGIL_ISSUER".into(), "https://id.example".into()));
    })
    .await;
    let client = app.confidential().await;
    app.user("alice").await;
    let (csrf, page, res) = login_by_hand(&app, &client, "__Host-").await;
    assert!(
        page["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    assert!(csrf.contains("; Secure"), "{csrf}");
    assert!(query_param(&location(&res), "code").is_some(), "logged in");
    // __Host-: Secure, the whole host, no Domain, so no sibling subdomain can plant or
    // shadow it.
    let session = set_cookie(&res, "__Host-sigil_session").expect("a session cookie");
    for attribute in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
        assert!(session.contains(attribute), "{attribute} in {session}");
    }
    assert!(!session.to_lowercase().contains("domain="), "{session}");
    assert!(
        csrf.starts_with("__Host-sigil_csrf=") && csrf.contains("; Path=/"),
        "{csrf}"
    );
    let res = app.get("/healthz").await;
    assert!(res.headers().contains_key("strict-transport-security"));
}

/// The control: under an http issuer (development), no cookie claims `Secure` (a browser
/// would drop it) and no HSTS is sent.
async fn http_issuer_cookies_are_not_secure(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let (csrf, page, res) = login_by_hand(&app, &client, "").await;
    assert!(page.get("strict-transport-security").is_none());
    assert!(!csrf.contains("Secure"), "{csrf}");
    let session = set_cookie(&res, "sigil_session").expect("a session cookie");
    assert!(!session.contains("Secure"), "{session}");
    assert!(session.contains("; HttpOnly"), "{session}");
}

async fn login_rehashes_when_parameters_change(backend: Backend) {
    let first = spawn_app_with(backend, |_| {}).await;
    let client = first.confidential().await;
    first.user("alice").await;
    let before = first
        .services
        .store
        .user_by_username(&crate::helpers::username("alice"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        before.password_hash.contains("m=1024,t=1,p=1"),
        "{}",
        before.password_hash
    );

    let mut env = first.env.clone();
    env.retain(|(k, _)| k != "SIGIL_ARGON2_MEMORY_KIB");
    env.push(("SIGIL_ARGON2_MEMORY_KIB".into(), "2048".into()));
    let second = spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    let params = second.authorize_params(&client, &[]);
    let res = second.login(&params, "alice", PASSWORD).await;
    assert!(query_param(&location(&res), "code").is_some());
    let after = second
        .services
        .store
        .user_by_username(&crate::helpers::username("alice"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.password_hash.contains("m=2048,t=1,p=1"),
        "{}",
        after.password_hash
    );
    assert!(after.password_hash.starts_with("$argon2id$"));
}

async fn a_new_login_ends_the_browsers_previous_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    app.user("bob").await;
    let params = app.authorize_params(&client, &[("prompt", "login")]);
    let first = session_of(&app.login(&params, "alice", PASSWORD).await);
    assert!(app.authenticates(&client, &first).await, "the control");
    // The same browser (app.http keeps its cookies) signs in again, as someone else.
    let second = session_of(&app.login(&params, "bob", PASSWORD).await);
    assert!(app.authenticates(&client, &second).await);
    assert!(
        !app.authenticates(&client, &first).await,
        "the replaced session authenticates nothing"
    );
}

async fn sessions_end_when_idle_and_at_their_absolute_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[("prompt", "login")]);
    // Defaults: an hour without use, eight hours in all.
    let idle = app.session_of_login(&params).await;
    app.clock.advance(3_500);
    assert!(
        app.authenticates(&client, &idle).await,
        "used within the hour"
    );
    app.clock.advance(3_500);
    assert!(
        app.authenticates(&client, &idle).await,
        "each use starts the hour again"
    );
    app.clock.advance(3_601);
    assert!(
        !app.authenticates(&client, &idle).await,
        "an hour unused ends it"
    );

    let busy = app.session_of_login(&params).await;
    for _ in 0..9 {
        app.clock.advance(3_000);
        assert!(app.authenticates(&client, &busy).await);
    }
    app.clock.advance(3_000); // 30 000 s after the login: past the eight hours
    assert!(
        !app.authenticates(&client, &busy).await,
        "however often it is used"
    );
}

/// A login's session, audit event and code are one write: a code that cannot be stored
/// (its client does not exist) leaves no session and no event behind.
async fn a_login_is_stored_whole_or_not_at_all(backend: Backend) {
    use sigil::domain::{ClientId, CodeChallenge, GrantId, RedirectUri, Scope, UserId};
    use sigil::store::{AuditEvent, CodeRecord, SessionRecord, SessionStart};
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let user = UserId::parse(&app.user("alice").await).unwrap();
    let now = app.now();
    let start = |n: u8, client_id: &str, replaces: Option<u8>| SessionStart {
        replaces: replaces.map(|r| [r; 32]),
        session: SessionRecord {
            id_hash: [n; 32],
            user_id: user.clone(),
            auth_time: now,
            expires_at: now + 600,
            idle_expires_at: now + 600,
        },
        event: AuditEvent {
            id: format!("login-{n}"),
            at: now,
            actor: "person".into(),
            action: "login".into(),
            subject: Some("alice".into()),
            outcome: "ok".into(),
            detail: None,
            client: Some(client_id.into()),
            address: Some("192.0.2.1".into()),
        },
        code: Some(CodeRecord {
            code_hash: [n; 32],
            client_id: ClientId::parse(client_id).unwrap(),
            user_id: user.clone(),
            redirect_uri: RedirectUri::parse("https://app.example/cb").unwrap(),
            scope: Scope::parse("openid").unwrap(),
            code_challenge: CodeChallenge::parse_s256(
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            )
            .unwrap(),
            nonce: None,
            auth_time: now,
            grant_id: GrantId::from_random([n; 16]),
            expires_at: now + 60,
            consumed_at: None,
        }),
    };
    let store = app.services.store.clone();
    let stored = |n: u8| {
        let store = store.clone();
        async move {
            let events = store.audit_events(0, Some("login"), 1000).await.unwrap();
            (
                store.session(&[n; 32], now).await.unwrap().is_some(),
                store.code(&[n; 32]).await.unwrap().is_some(),
                events.iter().any(|e| e.id == format!("login-{n}")),
            )
        }
    };

    assert!(
        store
            .start_session(&start(1, "no-such-client", None))
            .await
            .is_err()
    );
    assert_eq!(
        stored(1).await,
        (false, false, false),
        "nothing of it stays"
    );

    store
        .start_session(&start(2, &client.id, None))
        .await
        .unwrap();
    assert_eq!(stored(2).await, (true, true, true), "the control");

    // A login in the same browser ends its session; one that leads to the consent page
    // first stores no code.
    let mut consent_first = start(3, &client.id, Some(2));
    consent_first.code = None;
    store.start_session(&consent_first).await.unwrap();
    assert_eq!(stored(3).await, (true, false, true));
    assert!(
        store.session(&[2; 32], now).await.unwrap().is_none(),
        "the session replaced"
    );
}

both_backends!(
    https_issuer_makes_cookies_secure_and_sends_hsts,
    http_issuer_cookies_are_not_secure,
    login_rehashes_when_parameters_change,
    a_new_login_ends_the_browsers_previous_session,
    sessions_end_when_idle_and_at_their_absolute_end,
    a_login_is_stored_whole_or_not_at_all,
);
