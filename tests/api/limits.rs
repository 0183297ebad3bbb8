//! Limits on guessing: failed logins and failed client authentications meet a limit
//! however they are spread over instances, over a limit nothing is checked, unknown
//! accounts are limited like real ones, and one address cannot lock a person out from
//! everywhere.

use reqwest::Response;

use crate::both_backends;
use crate::helpers::{
    Backend, PASSWORD, TestApp, assert_oauth_error, csrf_of, form_of, location, query_param,
    spawn_app_with, spawn_from_env,
};

/// Small limits so a test meets them quickly; this host (127.0.0.1) is a trusted proxy,
/// so a test can speak for other addresses through X-Forwarded-For.
async fn spawn(backend: Backend) -> TestApp {
    spawn_app_with(backend, |env| {
        for (k, v) in [
            ("SIGIL_LIMIT_LOGIN_PER_ACCOUNT_ADDRESS", "3/600"),
            ("SIGIL_LIMIT_LOGIN_PER_ACCOUNT", "8/600"),
            ("SIGIL_LIMIT_LOGIN_PER_ADDRESS", "20/600"),
            ("SIGIL_LIMIT_CLIENT_PER_ID", "4/600"),
            ("SIGIL_LIMIT_CLIENT_PER_ADDRESS", "20/600"),
            ("SIGIL_TRUSTED_PROXIES", "127.0.0.1"),
        ] {
            env.push((k.into(), v.into()));
        }
    })
    .await
}

/// Submits the login form as `username` from `address` (forwarded by the trusted proxy).
async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> Response {
    let client_id = app
        .services
        .store
        .list_clients()
        .await
        .unwrap()
        .remove(0)
        .id
        .to_string();
    let client = crate::helpers::TestClient {
        id: client_id,
        secret: None,
    };
    let params = app.authorize_params(&client, &[("prompt", "login")]);
    let html = app.get_authorize(&params).await.text().await.unwrap();
    let csrf = csrf_of(&html);
    let mut form = params.clone();
    form.extend([
        ("csrf_token", csrf.as_str()),
        ("username", username),
        ("password", password),
    ]);
    app.http
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", address)
        .body(form_of(&form))
        .send()
        .await
        .unwrap()
}

fn limited(res: &Response) -> bool {
    res.status() == 429 && res.headers().contains_key("retry-after")
}

/// Wrong passwords for one account from one address, spread over two instances, meet
/// the per-(account, address) limit; then not even the right password is checked.
async fn failed_logins_meet_a_limit_across_instances(backend: Backend) {
    let a = spawn(backend).await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    // The embedded default is one node: its counters live in that process, so its
    // guesses all go to one instance.
    let (spread, other) = match backend {
        Backend::Postgres => ([&a, &b, &a], &b),
        Backend::Sqlite => ([&a, &a, &a], &a),
    };
    a.confidential().await;
    a.user("alice").await;
    let addr = "198.51.100.7";
    for (i, app) in spread.into_iter().enumerate() {
        let res = login_from(app, addr, "alice", "wrong password").await;
        assert_eq!(res.status(), 200, "failure {i} is an ordinary refusal");
    }
    let verified = a.services.passwords.verifications() + b.services.passwords.verifications();
    let res = login_from(other, addr, "alice", PASSWORD).await;
    assert!(limited(&res), "{}", res.status());
    let page = res.text().await.unwrap();
    assert!(page.contains("Too many failed attempts"), "{page}");
    assert_eq!(
        a.services.passwords.verifications() + b.services.passwords.verifications(),
        verified,
        "no password check while limited"
    );
    // The same person from their own address is not locked out.
    let res = login_from(other, "203.0.113.50", "alice", PASSWORD).await;
    assert!(query_param(&location(&res), "code").is_some());
}

/// An unknown account meets the limit at the same attempt, with the same answer.
async fn unknown_accounts_are_limited_like_real_ones(backend: Backend) {
    let app = spawn(backend).await;
    app.confidential().await;
    app.user("alice").await;
    let mut answers = Vec::new();
    for name in ["alice", "nobody"] {
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(
                login_from(&app, "198.51.100.8", name, "wrong")
                    .await
                    .status(),
            );
        }
        answers.push(statuses);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].last().unwrap().as_u16(), 429);
}

/// Guesses at one account from many addresses meet the looser per-account limit; guesses
/// from one address over many accounts meet the per-address limit.
async fn distributed_and_spraying_guesses_meet_their_limits(backend: Backend) {
    let app = spawn(backend).await;
    app.confidential().await;
    app.user("alice").await;
    // 8 per account: 4 addresses × 2 guesses, each under its own strict budget.
    for i in 0..8 {
        let res = login_from(&app, &format!("198.51.100.{}", i / 2 + 20), "alice", "x").await;
        assert_eq!(res.status(), 200, "guess {i}");
    }
    let res = login_from(&app, "198.51.100.99", "alice", PASSWORD).await;
    assert!(limited(&res), "the account ceiling: {}", res.status());
    // 20 per address, over 20 accounts.
    for i in 0..20 {
        let res = login_from(&app, "192.0.2.1", &format!("user{i}"), "x").await;
        assert_eq!(res.status(), 200, "spray {i}");
    }
    let res = login_from(&app, "192.0.2.1", "someone-else", "x").await;
    assert!(limited(&res));
}

/// Wrong client secrets meet the per-client limit, spread over instances; over it, even
/// the right secret gets 429 with Retry-After, at every machine endpoint.
async fn failed_client_authentication_meets_a_limit(backend: Backend) {
    let a = spawn(backend).await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let (spread, other) = match backend {
        Backend::Postgres => ([&a, &b, &a, &b], &b),
        Backend::Sqlite => ([&a, &a, &a, &a], &a),
    };
    let client = a.confidential().await;
    let wrong = crate::helpers::TestClient {
        id: client.id.clone(),
        secret: Some(format!("scs_{}", "A".repeat(43))),
    };
    for app in spread {
        let res = app.token(&wrong).grant("client_credentials").send().await;
        assert_oauth_error(res, 401, "invalid_client").await;
    }
    for path in ["/token", "/introspect", "/revoke"] {
        let res = other
            .call(path)
            .authenticated_as(&client)
            .params(&[("grant_type", "client_credentials"), ("token", "x")])
            .send()
            .await;
        let retry = res.headers().get("retry-after").cloned();
        assert_oauth_error(res, 429, "temporarily_unavailable").await;
        let seconds: u64 = retry.unwrap().to_str().unwrap().parse().unwrap();
        assert!((1..=600).contains(&seconds), "{seconds}");
    }
}

/// X-Forwarded-For from a peer that is not a trusted proxy is the client's own word:
/// ignored, so it cannot buy fresh budgets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_from_untrusted_peers_is_ignored() {
    let app = spawn_app_with(Backend::Sqlite, |env| {
        env.push((
            "SIGIL_LIMIT_LOGIN_PER_ACCOUNT_ADDRESS".into(),
            "3/600".into(),
        ));
    })
    .await;
    app.confidential().await;
    app.user("alice").await;
    for i in 0..3 {
        let res = login_from(&app, &format!("198.51.100.{i}"), "alice", "x").await;
        assert_eq!(res.status(), 200);
    }
    let res = login_from(&app, "198.51.100.200", "alice", PASSWORD).await;
    assert!(limited(&res), "one address, whatever the header says");
}

both_backends!(
    failed_logins_meet_a_limit_across_instances,
    unknown_accounts_are_limited_like_real_ones,
    distributed_and_spraying_guesses_meet_their_limits,
    failed_client_authentication_meets_a_limit,
);
