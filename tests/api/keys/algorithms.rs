//! Algorithms: an imported RSA key and a client's registered ID-token algorithm, each
//! checked with PyJWT.

use std::time::Duration;

use sigil::domain::SigningAlg;

use super::*;
use crate::both_backends;
use crate::helpers::{Backend, json_ok, jwt_part, sigil, spawn_app_with, spawn_from_env};

/// An RSA key made with openssl and imported signs access tokens that PyJWT verifies.
async fn an_imported_rsa_key_signs_tokens_pyjwt_verifies(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("rsa.pem");
    openssl_rsa_key(&pem);
    let first = spawn_app_with(backend, |_| {}).await;
    let imported = json_ok(&sigil(
        &first.env,
        &[
            "keys",
            "import",
            "--alg",
            "RS256",
            "--pem",
            pem.to_str().unwrap(),
            "--now",
            "--json",
        ],
        None,
    ));
    assert_eq!(imported["alg"], "RS256");
    assert_eq!(imported["state"], "active");
    let mut env = first.env.clone();
    set(&mut env, "SIGIL_ACCESS_TOKEN_ALG", "RS256");
    let app = spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    let client = app.confidential().await;
    let token = access_token(&app.client_credentials(&client, "read").await);
    assert_eq!(jwt_part(&token, 0)["alg"], "RS256");
    assert_eq!(jwt_part(&token, 0)["kid"], imported["kid"]);
    let (set, _) = jwks(&app).await;
    let claims = pyjwt_verifies(&token, &set, crate::helpers::ISSUER).unwrap();
    assert_eq!(claims["client_id"], client.id.as_str());
    // And a bit flipped in the signature is caught by PyJWT too.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(pyjwt_verifies(&forged, &set, crate::helpers::ISSUER).is_err());
    let discovery = app.discovery().await;
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256", "RS256"])
    );
}

/// A client's ID tokens are signed with its registered `id_token_signed_response_alg`,
/// while access tokens keep the configured algorithm.
async fn id_tokens_use_the_clients_registered_algorithm(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    json_ok(&sigil(
        &app.env,
        &["keys", "rotate", "--alg", "EdDSA", "--now", "--json"],
        None,
    ));
    let eddsa = within(Duration::from_secs(3), || async {
        app.services
            .keys
            .current()
            .unwrap()
            .signer(SigningAlg::EdDsa)
            .is_some()
    })
    .await;
    assert!(eddsa.is_some(), "the instance picks up the new EdDSA key");
    let spec = sigil::admin::ClientSpec {
        name: "EdDSA app".into(),
        public: false,
        redirect_uris: vec![crate::helpers::REDIRECT.into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scopes: "openid read".into(),
        id_token_alg: Some("EdDSA".into()),
        first_party: true,
    };
    let (record, secret) =
        sigil::admin::register_client(app.services.store.as_ref(), &spec, app.now())
            .await
            .unwrap();
    let client = crate::helpers::TestClient {
        id: record.id.to_string(),
        secret: secret.map(|s| s.expose().to_owned()),
    };
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(jwt_part(id_token, 0)["alg"], "EdDSA");
    assert_eq!(
        jwt_part(id_token, 0)["kid"],
        app.active_kid(SigningAlg::EdDsa).as_str()
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(jwt_part(access, 0)["alg"], "ES256");
    // The EdDSA ID token verifies against the published JWKS with PyJWT as well.
    let (set, _) = jwks(&app).await;
    let issuer = crate::helpers::ISSUER;
    let claims = pyjwt_id_token(id_token, &set, &client.id, issuer).unwrap();
    assert_eq!(claims["nonce"], "n0nce");
    // A registration naming an algorithm sigil does not sign with is refused.
    let bad = sigil::admin::ClientSpec {
        id_token_alg: Some("HS256".into()),
        ..spec
    };
    assert!(
        sigil::admin::register_client(app.services.store.as_ref(), &bad, app.now())
            .await
            .is_err()
    );
}

both_backends!(
    an_imported_rsa_key_signs_tokens_pyjwt_verifies,
    id_tokens_use_the_clients_registered_algorithm,
);
