//! The audit trail of security events: logins (and refused ones, and lockouts), refused
//! client authentication, refresh-token reuse, revocations and consent, each with its
//! actor, client, address and outcome, listed by `sigil audit list --type`.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, TestApp, TestClient, json_ok, sigil, spawn_app_with};

fn listed(app: &TestApp, kind: Option<&str>) -> Vec<Value> {
    let mut args = vec!["audit", "list", "--since", "1h", "--json"];
    if let Some(kind) = kind {
        args.extend(["--type", kind]);
    }
    json_ok(&sigil(&app.env, &args, None))
        .as_array()
        .unwrap()
        .clone()
}

fn find<'a>(events: &'a [Value], action: &str, outcome_starts: &str) -> &'a Value {
    events
        .iter()
        .find(|e| {
            e["action"] == action && e["outcome"].as_str().unwrap().starts_with(outcome_starts)
        })
        .unwrap_or_else(|| panic!("no {action} {outcome_starts}: {events:#?}"))
}

async fn security_events_are_recorded_with_client_and_address(backend: Backend) {
    let app = spawn_app_with(backend, |env| {
        // One wrong password from an address locks the account there.
        env.push((
            "SIGIL_LIMIT_LOGIN_PER_ACCOUNT_ADDRESS".into(),
            "1/900".into(),
        ));
        // A second use of a refresh token is reuse at once, with no retry window.
        env.push(("SIGIL_REFRESH_RETRY_WINDOW".into(), "0".into()));
    })
    .await;
    let client = app.confidential().await;
    app.user("alice").await;
    app.user("bob").await;
    let params = app.authorize_params(&client, &[]);

    assert_eq!(
        app.login(&params, "bob", "wrong password").await.status(),
        200
    );
    assert_eq!(app.login(&params, "bob", "wrong again").await.status(), 429);
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(app.refresh(&client, refresh).await.status(), 200);
    assert_eq!(app.refresh(&client, refresh).await.status(), 400, "reuse");
    let fresh = app.client_credentials(&client, "read").await;
    let access = fresh["access_token"].as_str().unwrap();
    assert_eq!(app.revoke(&client, access).await.status(), 200);
    let wrong = TestClient {
        id: client.id.clone(),
        secret: Some("not the secret".into()),
    };
    assert_eq!(
        app.token(&wrong)
            .grant("client_credentials")
            .send()
            .await
            .status(),
        401
    );

    let events = listed(&app, None);
    let id = client.id.as_str();
    let refused = find(&events, "login", "refused: invalid credentials");
    assert_eq!(
        (
            &refused["actor"],
            &refused["subject"],
            &refused["client"],
            &refused["address"]
        ),
        (
            &"person".into(),
            &"bob".into(),
            &id.into(),
            &"127.0.0.1".into()
        )
    );
    // The failure that reached the limit is the lockout, once; the attempt refused
    // while it lasts is no event (a flood of them must cost no store write).
    let locked = find(&events, "login.lockout", "refused: too many failed logins");
    assert_eq!(
        (&locked["subject"], &locked["address"]),
        (&"bob".into(), &"127.0.0.1".into())
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e["action"] == "login.lockout")
            .count(),
        1
    );
    let ok = find(&events, "login", "ok");
    assert_eq!(
        (&ok["subject"], &ok["client"]),
        (&"alice".into(), &id.into())
    );
    let reuse = find(&events, "refresh.reuse", "refused");
    assert_eq!(
        (&reuse["client"], &reuse["address"]),
        (&id.into(), &"127.0.0.1".into())
    );
    let revoked = find(&events, "token.revoke", "ok");
    assert_eq!(revoked["actor"], format!("client:{id}"));
    assert_eq!(revoked["address"], "127.0.0.1");
    assert!(
        revoked["subject"]
            .as_str()
            .unwrap()
            .starts_with("access token ")
    );
    let client_refused = find(&events, "client.authenticate", "refused: invalid client");
    assert_eq!(client_refused["address"], "127.0.0.1");

    // By type: an action, or the prefix of dotted ones.
    let logins = listed(&app, Some("login"));
    let actions: Vec<&str> = logins
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // The lockout is recorded while the failure that caused it is checked, just before it.
    assert_eq!(actions, ["login.lockout", "login", "login"], "{logins:#?}");
    let tokens = listed(&app, Some("token"));
    assert!(!tokens.is_empty() && tokens.iter().all(|e| e["action"] == "token.revoke"));
    assert!(
        listed(&app, Some("tok")).is_empty(),
        "a prefix stops at a dot"
    );
}

async fn consent_decisions_are_recorded(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let public = app.client(true, "authorization_code", "openid read").await;
    app.user("alice").await;
    let params = app.authorize_params(&public, &[]);
    let page = app.login(&params, "alice", PASSWORD).await;
    let answer = app.answer_consent(page, "deny").await;
    assert_eq!(answer.status(), 303);
    let page = app.get_authorize(&params).await;
    assert_eq!(app.answer_consent(page, "allow").await.status(), 303);
    let consent = listed(&app, Some("consent"));
    let actions: Vec<&str> = consent
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["consent.deny", "consent.grant"]);
    assert!(consent.iter().all(|e| e["subject"] == "alice"
        && e["client"] == public.id.as_str()
        && e["address"] == "127.0.0.1"));
}

both_backends!(
    security_events_are_recorded_with_client_and_address,
    consent_decisions_are_recorded,
);
