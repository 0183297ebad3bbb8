//! Introspection (RFC 7662) and revocation (RFC 7009), and failing closed.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{
    Backend, REDIS_URL, TestApp, TestClient, assert_oauth_error, jwt_part, spawn_app,
};

async fn introspection_describes_an_access_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let resource_server = app.client(false, "client_credentials", "read").await;
    let token = app.client_credentials(&client, "read write").await;
    let token = token["access_token"].as_str().unwrap();
    // Any confidential client (a resource server) may introspect.
    let body = app.introspect(&resource_server, token).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], client.id);
    assert_eq!(body["scope"], "read write");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["exp"].is_i64() && body["iat"].is_i64() && body["jti"].is_string());
}

async fn inactive_answers_say_nothing_more(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let token = app.client_credentials(&client, "read").await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 5;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let stripped = token.rsplit_once('.').unwrap().0.to_owned() + ".";
    for bad in ["garbage", "a.b.c", &flipped, &stripped, &"x".repeat(15_000)] {
        let body = app.introspect(&client, bad).await;
        assert_eq!(
            body,
            serde_json::json!({ "active": false }),
            "{}",
            &bad[..bad.len().min(40)]
        );
    }
}

async fn expired_tokens_are_inactive(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let token = app.client_credentials(&client, "read").await;
    let token = token["access_token"].as_str().unwrap();
    app.clock.advance(601);
    assert!(!app.is_active(&client, token).await);
}

async fn introspection_requires_a_confidential_client(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let token = app.client_credentials(&client, "read").await;
    let token = token["access_token"].as_str().unwrap();
    let public = app.client(true, "authorization_code", "openid").await;
    let res = app
        .post_as("/introspect", &public, &[("token", token)])
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;
    let res = app
        .post_raw(
            "/introspect",
            "application/x-www-form-urlencoded",
            format!("token={token}"),
        )
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;
    let res = app.post_as("/introspect", &client, &[]).await;
    assert_oauth_error(res, 400, "invalid_request").await;
}

async fn refresh_tokens_are_described_to_their_client_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let other = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let body = app.introspect(&client, refresh).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "refresh_token");
    assert_eq!(body["client_id"], client.id);
    assert_eq!(
        app.introspect(&other, refresh).await,
        serde_json::json!({ "active": false })
    );
}

async fn revoking_an_access_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let a = app.client_credentials(&client, "read").await;
    let b = app.client_credentials(&client, "read").await;
    let (a, b) = (
        a["access_token"].as_str().unwrap(),
        b["access_token"].as_str().unwrap(),
    );
    let res = app.revoke(&client, a).await;
    assert_eq!(res.status(), 200);
    assert!(!app.is_active(&client, a).await);
    assert!(app.is_active(&client, b).await, "only that token");
}

/// Seconds Redis keeps the view's entry for `jti`.
async fn redis_ttl(app: &TestApp, jti: &str) -> i64 {
    let prefix = app
        .env
        .iter()
        .find(|(k, _)| k == "SIGIL_REDIS_PREFIX")
        .map(|(_, v)| v.clone())
        .unwrap();
    let client = redis::Client::open(REDIS_URL).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("TTL")
        .arg(format!("{prefix}rev:token:{jti}"))
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// A revoked access token's revocation lives exactly as long as the token could, plus
/// the clock-skew margin (60 s): in the record, and in the view (still there just before
/// that, gone, not kept forever, just after).
async fn a_revocation_lives_exactly_as_long_as_its_token(backend: Backend) {
    use sigil::domain::{ClientId, GrantId, Kid};
    use sigil::revocation::TokenRef;
    use sigil::store::Revoked;

    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let tokens = app.client_credentials(&client, "read").await;
    let token = tokens["access_token"].as_str().unwrap();
    let claims = jwt_part(token, 1);
    let jti = claims["jti"].as_str().unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    assert_eq!(app.revoke(&client, token).await.status(), 200);
    let recorded = app
        .services
        .store
        .live_revocations(app.now())
        .await
        .unwrap();
    let entry = recorded
        .iter()
        .find(|r| r.revoked == Revoked::Token(jti.to_owned()))
        .expect("the record holds the revocation");
    assert_eq!(entry.until, exp + 60, "the token's own exp plus the skew");
    let lifetime = entry.until - app.now();
    match backend {
        Backend::Postgres => {
            // Redis keeps time itself: its TTL is what is left of that life.
            let ttl = redis_ttl(&app, jti).await;
            assert!(
                (lifetime - 2..=lifetime).contains(&ttl),
                "entry TTL {ttl}s for a revocation with {lifetime}s to live"
            );
        }
        Backend::Sqlite => {
            let grant = GrantId::parse(claims["gid"].as_str().unwrap()).unwrap();
            let client_id = ClientId::parse(&client.id).unwrap();
            let kid = Kid::parse(jwt_part(token, 0)["kid"].as_str().unwrap()).unwrap();
            let as_token = TokenRef {
                jti,
                grant: &grant,
                subject: &client.id,
                client: &client_id,
                kid: &kid,
                issued_at: claims["iat"].as_i64().unwrap(),
            };
            let list = &app.services.revocation;
            app.clock.advance(lifetime - 2);
            assert!(list.is_revoked(&as_token).await.unwrap(), "just before");
            app.clock.advance(3);
            assert!(!list.is_revoked(&as_token).await.unwrap(), "just after");
        }
    }
}

async fn revoking_a_refresh_token_kills_its_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let (access, refresh) = (
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    );
    assert_eq!(app.revoke(&client, refresh).await.status(), 200);
    assert!(!app.is_active(&client, refresh).await);
    assert!(!app.is_active(&client, access).await);
    assert_oauth_error(app.refresh(&client, refresh).await, 400, "invalid_grant").await;
}

async fn unknown_tokens_revoke_with_200(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    for token in ["nonsense", &format!("srt_{}", "A".repeat(43)), "a.b.c"] {
        assert_eq!(app.revoke(&client, token).await.status(), 200);
    }
}

async fn another_clients_token_is_not_revoked(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.confidential().await;
    let stranger = app.confidential().await;
    let token = app.client_credentials(&owner, "read").await;
    let token = token["access_token"].as_str().unwrap();
    let res = app.revoke(&stranger, token).await;
    assert_oauth_error(res, 400, "unauthorized_client").await;
    assert!(app.is_active(&owner, token).await);
}

async fn revocation_needs_client_authentication(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let token = app.client_credentials(&client, "read").await;
    let token = token["access_token"].as_str().unwrap();
    let wrong = TestClient {
        id: client.id.clone(),
        secret: Some("scs_nope".into()),
    };
    assert_oauth_error(app.revoke(&wrong, token).await, 401, "invalid_client").await;
    assert!(app.is_active(&client, token).await);
}

both_backends!(
    introspection_describes_an_access_token,
    inactive_answers_say_nothing_more,
    expired_tokens_are_inactive,
    introspection_requires_a_confidential_client,
    refresh_tokens_are_described_to_their_client_only,
    revoking_an_access_token,
    a_revocation_lives_exactly_as_long_as_its_token,
    revoking_a_refresh_token_kills_its_family,
    unknown_tokens_revoke_with_200,
    another_clients_token_is_not_revoked,
    revocation_needs_client_authentication,
);

/// Redis unreachable: introspection fails closed with 503, never `active: true`, and
/// readiness says so. (Postgres backend: the embedded one has no Redis to lose.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_introspection_fails_closed_when_redis_is_unreachable() {
    // A token minted by a healthy instance, checked at one whose Redis is unreachable.
    let healthy = spawn_app(Backend::Postgres).await;
    let client = healthy.confidential().await;
    let token = healthy.client_credentials(&client, "read").await;
    let token = token["access_token"].as_str().unwrap();
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    let mut env = healthy.env.clone();
    env.retain(|(k, _)| k != "REDIS_URL");
    env.push(("REDIS_URL".into(), "redis://127.0.0.1:9".into()));
    let app = crate::helpers::spawn_from_env(env, tempfile::tempdir().unwrap()).await;
    let res = app
        .post_as("/introspect", &client, &[("token", token)])
        .await;
    let body: Value = assert_oauth_error(res, 503, "temporarily_unavailable").await;
    assert!(body.get("active").is_none());
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["revocation"], "unavailable");
    // Revocation cannot be recorded either, and says so; nor can guesses be counted, so
    // no secret is checked at all.
    assert_oauth_error(
        app.revoke(&client, token).await,
        503,
        "temporarily_unavailable",
    )
    .await;
    let res = app.token(&client).grant("client_credentials").send().await;
    assert_oauth_error(res, 503, "temporarily_unavailable").await;
}
