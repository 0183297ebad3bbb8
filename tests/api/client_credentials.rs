//! client_credentials, RFC 9068 access tokens, and client authentication.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, ISSUER, TestClient, assert_oauth_error, jwt_part, spawn_app};

async fn issues_an_rfc9068_access_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let res = app
        .token(&client)
        .grant("client_credentials")
        .params(&[("scope", "read")])
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], "read");
    assert!(
        body.get("refresh_token").is_none(),
        "client_credentials has no refresh token"
    );
    let token = body["access_token"].as_str().unwrap();

    let header = jwt_part(token, 0);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    let claims = jwt_part(token, 1);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["sub"], client.id);
    assert_eq!(claims["client_id"], client.id);
    assert_eq!(claims["aud"], ISSUER);
    assert_eq!(claims["scope"], "read");
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    assert!(claims["gid"].as_str().is_some_and(|g| g.len() >= 16));
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 600);

    // Anyone holding the JWKS can verify it.
    let jwks: Value = app
        .http
        .get(app.url("/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's kid is published");
    let key =
        DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[ISSUER]);
    validation.validate_exp = false; // the test clock may be shifted
    jsonwebtoken::decode::<Value>(token, &key, &validation).expect("the signature verifies");

    assert!(app.is_active(&client, token).await);
}

async fn default_scope_is_the_clients_without_openid(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let res = app.token(&client).grant("client_credentials").send().await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "read write");
}

async fn client_secret_post_works_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let res = app
        .call("/token")
        .secret_in_body(&client)
        .grant("client_credentials")
        .send()
        .await;
    assert_eq!(res.status(), 200);
}

async fn wrong_secret_is_401_with_www_authenticate(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let wrong = TestClient {
        id: client.id.clone(),
        secret: Some(format!("scs_{}", "A".repeat(43))),
    };
    let res = app.token(&wrong).grant("client_credentials").send().await;
    let body = assert_oauth_error(res, 401, "invalid_client").await;
    assert!(
        !body.to_string().contains("scs_"),
        "the presented secret is not echoed"
    );

    let unknown = TestClient {
        id: "no-such-client".into(),
        secret: client.secret.clone(),
    };
    let res = app.token(&unknown).grant("client_credentials").send().await;
    assert_oauth_error(res, 401, "invalid_client").await;

    // A confidential client that leaves its secret out is not a public client.
    let no_secret = TestClient {
        id: client.id.clone(),
        secret: None,
    };
    let res = app
        .token(&no_secret)
        .grant("client_credentials")
        .send()
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;
}

async fn basic_and_post_together_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let before = app.row_counts().await;
    let secret = client.secret.clone().unwrap();
    // A valid refresh but for the second authentication method, which would rotate the
    // token if the server picked one of the two.
    let res = app
        .token(&client)
        .grant("refresh_token")
        .params(&[("refresh_token", refresh), ("client_secret", &secret)])
        .send()
        .await;
    assert_oauth_error(res, 400, "invalid_request").await;
    assert_eq!(app.row_counts().await, before);
    assert!(app.is_active(&client, refresh).await);
}

async fn a_grant_the_client_may_not_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client(false, "authorization_code", "openid read").await;
    app.user("alice").await;
    let code = app.code_for(&client, "alice").await;
    let before = app.row_counts().await;
    let res = app.token(&client).grant("client_credentials").send().await;
    assert_oauth_error(res, 400, "unauthorized_client").await;
    assert_eq!(app.row_counts().await, before);
    assert_eq!(
        app.exchange_code(&client, &code).await.status(),
        200,
        "the grant it may use still works"
    );
}

async fn a_scope_the_client_was_not_given(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let before = app.row_counts().await;
    for scope in ["admin", "read admin", "openid", "read  write"] {
        let res = app
            .token(&client)
            .grant("client_credentials")
            .param("scope", scope)
            .send()
            .await;
        assert_oauth_error(res, 400, "invalid_scope").await;
    }
    assert_eq!(app.row_counts().await, before);
}

async fn unsupported_grant_types(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    for grant in [
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
    ] {
        let res = app.token(&client).grant(grant).send().await;
        assert_oauth_error(res, 400, "unsupported_grant_type").await;
    }
    let res = app.post_as("/token", &client, &[]).await;
    assert_oauth_error(res, 400, "invalid_request").await;
}

both_backends!(
    issues_an_rfc9068_access_token,
    default_scope_is_the_clients_without_openid,
    client_secret_post_works_too,
    wrong_secret_is_401_with_www_authenticate,
    basic_and_post_together_are_refused,
    a_grant_the_client_may_not_use,
    a_scope_the_client_was_not_given,
    unsupported_grant_types,
);
