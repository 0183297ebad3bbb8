//! Login behaviour that depends on deployment settings: https cookies, password
//! re-hashing when the argon2 parameters change.

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, location, query_param, spawn_app_with, spawn_from_env};

async fn https_issuer_makes_cookies_secure_and_sends_hsts(backend: Backend) {
    let app = spawn_app_with(backend, |env| {
        env.retain(|(k, _)| k != "SIGIL_ISSUER");
        env.push(("SIGIL_ISSUER".into(), "https://id.example".into()));
    })
    .await;
    let client = app.confidential().await;
    let params = app.authorize_params(&client, &[]);
    let page = app.get_authorize(&params).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let csrf = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(csrf.contains("Secure"), "{csrf}");
    let res = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert!(res.headers().contains_key("strict-transport-security"));
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

both_backends!(
    https_issuer_makes_cookies_secure_and_sends_hsts,
    login_rehashes_when_parameters_change,
);
