//! Forged and tampered JWTs at /introspect and /userinfo. Tokens "signed with our key"
//! are made in-process with the server's own active key, to show that each rule is
//! enforced on its own and not merely by a signature the attacker could not make.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sigil::crypto::keys::{KeyPair, PublicKey};
use sigil::domain::SigningAlg;

use crate::both_backends;
use crate::helpers::{Backend, ISSUER, TestApp, TestClient, assert_oauth_error, spawn_app};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn kid(app: &TestApp) -> String {
    app.active_kid(SigningAlg::Es256)
}

fn header(app: &TestApp, changes: Value) -> String {
    let mut h = json!({ "alg": "ES256", "typ": "at+jwt", "kid": kid(app) });
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            h.as_object_mut().unwrap().remove(k);
        } else {
            h[k] = v.clone();
        }
    }
    h.to_string()
}

fn claims(app: &TestApp, client: &TestClient, changes: Value) -> String {
    let now = app.now();
    let mut c = json!({
        "iss": ISSUER, "sub": client.id, "aud": ISSUER, "exp": now + 600, "iat": now,
        "jti": "forged-jti-0000000000", "client_id": client.id, "scope": "openid read",
        "gid": "forged-gid-0000000000",
    });
    for (k, v) in changes.as_object().unwrap() {
        c[k] = v.clone();
    }
    c.to_string()
}

/// Signs `header.claims` (raw JSON texts) with the server's active ES256 key.
fn sign_ours(app: &TestApp, header: &str, claims: &str) -> String {
    sign_segments(app, &b64(header.as_bytes()), &b64(claims.as_bytes()))
}

fn sign_segments(app: &TestApp, header: &str, claims: &str) -> String {
    let message = format!("{header}.{claims}");
    let sig = app.sign_as_server(SigningAlg::Es256, message.as_bytes());
    format!("{message}.{}", b64(&sig))
}

/// The token reads inactive at /introspect, and /userinfo answers exactly RFC 6750's
/// `invalid_token` (401), not merely "some client error".
async fn refused(app: &TestApp, client: &TestClient, token: &str, what: &str) {
    refused_with(app, client, token, what, 401, "invalid_token").await;
}

async fn refused_with(
    app: &TestApp,
    client: &TestClient,
    token: &str,
    what: &str,
    status: u16,
    code: &str,
) {
    assert_eq!(
        app.introspect(client, token).await,
        json!({ "active": false }),
        "{what}"
    );
    let res = app.userinfo(token).await;
    assert_eq!(res.status(), status, "{what}: userinfo");
    assert_eq!(
        res.headers()["www-authenticate"],
        format!("Bearer realm=\"sigil\", error=\"{code}\"").as_str(),
        "{what}"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], code, "{what}");
}

async fn forged_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let before = app.row_counts().await;

    // Control: the forging helper itself makes tokens the server accepts, so every
    // refusal below is due to the one thing changed.
    let control = sign_ours(
        &app,
        &header(&app, json!({})),
        &claims(&app, &client, json!({})),
    );
    assert!(app.is_active(&client, &control).await, "control token");

    // The control is now in the verified-token cache. Its signature under other claims,
    // and its claims under another signature, are other tokens: neither is taken for it.
    let (message, signature) = control.rsplit_once('.').unwrap();
    let (control_header, _) = message.split_once('.').unwrap();
    let admin = claims(&app, &client, json!({ "sub": "admin" }));
    refused(
        &app,
        &client,
        &format!("{control_header}.{}.{signature}", b64(admin.as_bytes())),
        "the control's signature under other claims",
    )
    .await;
    // One character in the middle changed: still canonical base64url, another signature.
    let mut other = signature.as_bytes().to_vec();
    other[10] = if other[10] == b'A' { b'B' } else { b'A' };
    let other = String::from_utf8(other).unwrap();
    refused(
        &app,
        &client,
        &format!("{message}.{other}"),
        "the control's claims under another signature",
    )
    .await;

    let c = claims(&app, &client, json!({}));
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = header(&app, json!({ "alg": alg }));
        let unsigned = format!("{}.{}.", b64(h.as_bytes()), b64(c.as_bytes()));
        refused(&app, &client, &unsigned, alg).await;
        refused(&app, &client, &sign_ours(&app, &h, &c), alg).await;
    }

    // RS/ES → HS confusion: HMAC keyed with the public key in each form it is published.
    let jwks: Value = app
        .http
        .get(app.url("/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = &jwks["keys"][0];
    let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
    let y = URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap();
    let point = [&[4u8][..], &x, &y].concat();
    for secret in [
        point.clone(),
        jwk.to_string().into_bytes(),
        STANDARD.encode(&point).into_bytes(),
    ] {
        let h = header(&app, json!({ "alg": "HS256" }));
        let message = format!("{}.{}", b64(h.as_bytes()), b64(c.as_bytes()));
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
        let tag = ring::hmac::sign(&key, message.as_bytes());
        refused(
            &app,
            &client,
            &format!("{message}.{}", b64(tag.as_ref())),
            "HS256 confusion",
        )
        .await;
    }

    for bad_kid in [
        json!("unknown"),
        json!("../../../../dev/null"),
        json!("x' OR '1'='1"),
        json!(7),
        Value::Null,
    ] {
        let h = header(&app, json!({ "kid": bad_kid }));
        refused(
            &app,
            &client,
            &sign_ours(&app, &h, &c),
            &format!("kid {bad_kid}"),
        )
        .await;
    }

    // A key of the attacker's, offered through jwk/jku/x5u: never fetched, never used.
    let (_, attacker) = KeyPair::generate(SigningAlg::Es256).unwrap();
    let PublicKey::P256 { x: ax, y: ay } = attacker.public().unwrap() else {
        unreachable!("a P-256 key")
    };
    let h = header(
        &app,
        json!({
            "kid": "attacker",
            "jwk": { "kty": "EC", "crv": "P-256", "x": b64(&ax), "y": b64(&ay), "kid": "attacker" },
            "jku": "https://evil.example/jwks.json",
            "x5u": "https://evil.example/cert.pem",
        }),
    );
    let message = format!("{}.{}", b64(h.as_bytes()), b64(c.as_bytes()));
    let sig = attacker.sign(message.as_bytes()).unwrap();
    refused(
        &app,
        &client,
        &format!("{message}.{}", b64(sig.as_ref())),
        "embedded jwk",
    )
    .await;
    // The same headers on a token we signed are simply ignored.
    let h = header(
        &app,
        json!({ "jku": "https://evil.example/jwks.json", "x5u": "https://evil.example/c.pem" }),
    );
    assert!(
        app.is_active(&client, &sign_ours(&app, &h, &c)).await,
        "jku/x5u are ignored, not followed"
    );

    for crit in [json!(["exp"]), json!([]), json!(["b64"])] {
        let h = header(&app, json!({ "crit": crit }));
        refused(&app, &client, &sign_ours(&app, &h, &c), "crit").await;
    }
    for typ in [json!("JWT"), json!("at+JWT"), json!("jwt"), Value::Null] {
        let h = header(&app, json!({ "typ": typ }));
        refused(
            &app,
            &client,
            &sign_ours(&app, &h, &c),
            &format!("typ {typ}"),
        )
        .await;
    }

    let now = app.now();
    let h = header(&app, json!({}));
    for (what, change) in [
        ("expired", json!({ "exp": now - 1 })),
        ("nbf in the future", json!({ "nbf": now + 3600 })),
        ("iat in the future", json!({ "iat": now + 3600 })),
        ("wrong iss", json!({ "iss": "https://evil.example" })),
        (
            "iss with a trailing slash",
            json!({ "iss": format!("{ISSUER}/") }),
        ),
        ("wrong aud", json!({ "aud": "https://other.example" })),
        ("aud as a number", json!({ "aud": 1 })),
        ("exp as a string", json!({ "exp": (now + 600).to_string() })),
    ] {
        refused(
            &app,
            &client,
            &sign_ours(&app, &h, &claims(&app, &client, change)),
            what,
        )
        .await;
    }

    // Duplicate JSON keys: two parsers could disagree on which one counts.
    let dup = c.replacen('{', "{\"sub\":\"admin\",", 1);
    refused(&app, &client, &sign_ours(&app, &h, &dup), "duplicate keys").await;

    // Non-canonical base64url of a signed message: padding, the standard alphabet, and
    // non-zero trailing bits.
    let hb = b64(h.as_bytes());
    let mut padded_claims = c.clone();
    while b64(padded_claims.as_bytes()).len() % 4 != 2 {
        padded_claims.push(' ');
    }
    let cb = b64(padded_claims.as_bytes());
    assert!(
        app.is_active(&client, &sign_segments(&app, &hb, &cb)).await,
        "canonical control"
    );
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = cb.as_bytes()[cb.len() - 1];
    let idx = alphabet.iter().position(|a| *a == last).unwrap();
    let sloppy_last = alphabet[idx ^ 1] as char;
    let sloppy = format!("{}{}", &cb[..cb.len() - 1], sloppy_last);
    refused(
        &app,
        &client,
        &sign_segments(&app, &hb, &sloppy),
        "trailing bits",
    )
    .await;
    // Padding inside the token is outside RFC 6750's b64token grammar: a malformed
    // request (400) at /userinfo rather than a bad token.
    refused_with(
        &app,
        &client,
        &sign_segments(&app, &hb, &format!("{cb}==")),
        "padding",
        400,
        "invalid_request",
    )
    .await;
    let standard = STANDARD
        .encode(padded_claims.as_bytes())
        .trim_end_matches('=')
        .to_owned();
    if standard != cb {
        refused(
            &app,
            &client,
            &sign_segments(&app, &hb, &standard),
            "standard alphabet",
        )
        .await;
    }

    assert_eq!(
        app.row_counts().await,
        before,
        "no attack changed the store"
    );
}

async fn tokens_of_other_kinds_are_not_access_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let tokens = app.tokens_for(&client, "alice").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    refused(&app, &client, id_token, "ID token as access token").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let res = app.userinfo(refresh).await;
    assert_eq!(res.status(), 401, "a refresh token is not a bearer token");
}

async fn a_megabyte_token_is_refused_unread(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let huge = "A".repeat(1 << 20);
    let res = app
        .post_as("/introspect", &client, &[("token", &huge)])
        .await;
    assert_oauth_error(res, 413, "invalid_request").await;
    // In a header, a megabyte never reaches sigil: the HTTP server refuses it first.
    let res = app.userinfo(&huge).await;
    assert!(res.status().is_client_error(), "{}", res.status());
}

/// The 8 KiB bound on JWTs is sigil's own, checked before any parsing: a token just over
/// it is refused even when validly signed, while one just under it verifies.
async fn oversized_signed_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    let padded = |pad: usize| {
        let claims = claims(&app, &client, json!({ "pad": "x".repeat(pad) }));
        sign_ours(&app, &header(&app, json!({})), &claims)
    };
    let under = padded(5_500);
    let over = padded(6_500);
    assert!(
        under.len() < 8 * 1024 && over.len() > 8 * 1024,
        "{} {}",
        under.len(),
        over.len()
    );
    assert!(app.is_active(&client, &under).await, "the control verifies");
    assert_eq!(
        app.introspect(&client, &over).await,
        json!({ "active": false }),
        "over 8 KiB is refused whatever its signature"
    );
    // At /userinfo too, and the answer is sigil's (RFC 6750 invalid_request), not the
    // HTTP server's header limit, which lies far above 8 KiB.
    let res = app.userinfo(&over).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"sigil\", error=\"invalid_request\""
    );
}

both_backends!(
    forged_tokens_are_refused,
    tokens_of_other_kinds_are_not_access_tokens,
    a_megabyte_token_is_refused_unread,
    oversized_signed_tokens_are_refused,
);
