//! Discovery, JWKS and health endpoints.

use serde_json::Value;

use sigil::domain::SigningAlg;

use crate::both_backends;
use crate::helpers::{Backend, ISSUER, spawn_app};

async fn discovery_documents_name_every_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200);
        let doc: Value = res.json().await.unwrap();
        assert_eq!(doc["issuer"], ISSUER);
        assert_eq!(doc["token_endpoint"], format!("{ISSUER}/token"));
        assert_eq!(doc["authorization_endpoint"], format!("{ISSUER}/authorize"));
        assert_eq!(
            doc["introspection_endpoint"],
            format!("{ISSUER}/introspect")
        );
        assert_eq!(doc["revocation_endpoint"], format!("{ISSUER}/revoke"));
        assert_eq!(doc["jwks_uri"], format!("{ISSUER}/jwks.json"));
        assert_eq!(doc["userinfo_endpoint"], format!("{ISSUER}/userinfo"));
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    }
}

async fn jwks_publishes_the_signing_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/jwks.json").await;
    assert_eq!(res.status(), 200);
    let jwks: Value = res.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["crv"], "P-256");
    assert_eq!(keys[0]["alg"], "ES256");
    assert!(keys[0].get("d").is_none(), "no private part is published");
    assert_eq!(keys[0]["kid"], app.active_kid(SigningAlg::Es256));
}

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "store": "ok", "revocation": "ok" })
    );
}

async fn unknown_paths_are_json_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/nope").await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

async fn restart_keeps_the_signing_key(backend: Backend) {
    // A second instance on the same store and master key signs with the same key.
    let app = spawn_app(backend).await;
    let kid = app.active_kid(SigningAlg::Es256);
    let env = app.env.clone();
    let second = crate::helpers::spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    assert_eq!(second.active_kid(SigningAlg::Es256), kid);
}

both_backends!(
    discovery_documents_name_every_endpoint,
    jwks_publishes_the_signing_key,
    health_and_readiness,
    unknown_paths_are_json_404,
    restart_keeps_the_signing_key,
);
