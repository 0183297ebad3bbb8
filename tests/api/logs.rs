//! What sigil writes to its logs: one JSON object a line when asked, a request id on
//! every request's lines (echoed to the caller, and taken from a trusted proxy only), and
//! no secret, ever, even at DEBUG over a whole flow.

use reqwest::Client;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{
    Backend, CHALLENGE, PASSWORD, REDIRECT, Served, VERIFIER, form_of, hidden_fields, json_ok,
    query_param, sigil, spawn_app_with, test_env,
};

fn browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn json(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_full_flow_leaves_no_secret_in_the_logs(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut env = test_env(backend, dir.path()).await;
    env.push(("SIGIL_LOG".into(), "debug".into()));
    env.push(("SIGIL_LOG_FORMAT".into(), "json".into()));
    assert!(sigil(&env, &["migrate"], None).status.success());
    let created = json_ok(&sigil(
        &env,
        &[
            "clients",
            "create",
            "--name",
            "rp",
            "--redirect-uri",
            REDIRECT,
            "--scopes",
            "openid profile",
            "--first-party",
            "--json",
        ],
        None,
    ));
    let (id, secret) = (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    );
    let user = sigil(
        &env,
        &["users", "create", "--username", "alice", "--password-stdin"],
        Some(PASSWORD),
    );
    assert!(user.status.success());
    let served = Served::start(&env).await;
    let http = browser();
    let mut secrets = vec![PASSWORD.to_owned(), secret.clone(), VERIFIER.to_owned()];

    // Sign in at the form, as a browser.
    let params = [
        ("response_type", "code"),
        ("client_id", id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile"),
        ("state", "st"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let page = http
        .get(served.url(&format!("/authorize?{}", form_of(&params))))
        .send()
        .await
        .unwrap();
    let mut form = hidden_fields(&page.text().await.unwrap());
    secrets.extend(
        form.iter()
            .filter(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.clone()),
    );
    form.push(("username".into(), "alice".into()));
    form.push(("password".into(), PASSWORD.into()));
    let signed_in = http
        .post(served.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    // The session (a spent CSRF cookie comes back empty, which is no secret).
    for cookie in signed_in.cookies().filter(|c| !c.value().is_empty()) {
        secrets.push(cookie.value().to_owned());
    }
    let location = signed_in.headers()["location"].to_str().unwrap().to_owned();
    let code = query_param(&location, "code").expect("a code");
    secrets.push(code.clone());

    // The machine side: the code, a refresh, introspection, userinfo and revocation.
    let token = |form: Vec<(&'static str, String)>| {
        http.post(served.url("/token"))
            .basic_auth(&id, Some(&secret))
            .form(&form)
            .send()
    };
    let tokens = json(
        token(vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
            ("redirect_uri", REDIRECT.into()),
            ("code_verifier", VERIFIER.into()),
        ])
        .await
        .unwrap(),
    )
    .await;
    let refreshed = json(
        token(vec![
            ("grant_type", "refresh_token".into()),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().unwrap().into(),
            ),
        ])
        .await
        .unwrap(),
    )
    .await;
    for t in [&tokens, &refreshed] {
        for field in ["access_token", "refresh_token", "id_token"] {
            secrets.push(t[field].as_str().unwrap().to_owned());
        }
    }
    let access = refreshed["access_token"].as_str().unwrap();
    let caller = |path: &str| {
        http.post(served.url(path))
            .basic_auth(&id, Some(&secret))
            .form(&[("token", access)])
            .send()
    };
    assert_eq!(
        json(caller("/introspect").await.unwrap()).await["active"],
        true
    );
    let info = http
        .get(served.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    assert_eq!(caller("/revoke").await.unwrap().status(), 200);
    // A wrong secret and a wrong password are secrets too.
    let wrong = http
        .post(served.url("/token"))
        .basic_auth(&id, Some("a wrong secret guess"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    secrets.push("a wrong secret guess".into());

    assert!(secrets.iter().all(|s| s.len() >= 8), "{secrets:?}");
    served.terminate();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let lines = served.stderr();
    assert!(lines.len() > 10, "the flow was logged: {lines:#?}");
    let mut with_request_id = 0;
    let mut issued = Vec::new();
    for line in &lines {
        let parsed: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            parsed["level"].is_string() && parsed["timestamp"].is_string(),
            "{line}"
        );
        if parsed["span"]["id"].is_string() {
            with_request_id += 1;
        }
        if parsed["target"] == "audit" && parsed["fields"]["event"] == "token.issued" {
            issued.push(parsed["fields"].clone());
        }
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "a secret in the logs: {line}"
            );
        }
    }
    assert!(
        with_request_id > 5,
        "request lines carry their id: {lines:#?}"
    );
    // Each token issued is one line of the audit stream: for whom, never the token.
    let grants: Vec<&str> = issued
        .iter()
        .map(|f| f["grant_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        grants,
        ["authorization_code", "refresh_token"],
        "{issued:#?}"
    );
    assert!(
        issued
            .iter()
            .all(|f| f["client_id"] == id.as_str() && f["address"] == "127.0.0.1")
    );
}

both_backends!(a_full_flow_leaves_no_secret_in_the_logs);

/// Every response names its request; the name is a trusted proxy's, or sigil's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_and_taken_only_from_trusted_proxies() {
    for (trusted, expect_echo) in [(false, false), (true, true)] {
        let app = spawn_app_with(Backend::Sqlite, |env| {
            if trusted {
                env.push(("SIGIL_TRUSTED_PROXIES".into(), "127.0.0.1".into()));
            }
        })
        .await;
        let res = app
            .http
            .get(app.url("/healthz"))
            .header("x-request-id", "lb-7f3a:9")
            .send()
            .await
            .unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id == "lb-7f3a:9", expect_echo, "trusted={trusted}: {id}");
        assert!(!id.is_empty());
        let plain = app.get("/healthz").await;
        let other = plain.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(other, id, "each request its own id");
    }
}

/// A collector of the test's own: takes OTLP/HTTP posts and keeps (path, body).
async fn otlp_receiver() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, Value)>,
) {
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut stream = tokio::io::BufReader::new(stream);
                loop {
                    let mut request_line = String::new();
                    if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        stream.read_line(&mut header).await.unwrap();
                        if header == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    stream.read_exact(&mut body).await.unwrap();
                    let _ = tx.send((path, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                    stream.get_mut().write_all(answer.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (address, rx)
}

/// Spans reach an OpenTelemetry collector: each request's, named by its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_to_an_otlp_collector() {
    let (collector, mut received) = otlp_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = test_env(Backend::Sqlite, dir.path()).await;
    env.push(("SIGIL_OTLP_ENDPOINT".into(), collector));
    assert!(sigil(&env, &["migrate"], None).status.success());
    let mut served = Served::start(&env).await;
    let res = browser().get(served.url("/healthz")).send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let refused = browser()
        .post(served.url("/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    // At exit, what is still batched is sent.
    served.terminate();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(12);
    while served.child.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "no exit");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut spans = Vec::new();
    while let Ok((path, body)) = received.try_recv() {
        assert_eq!(path, "/v1/traces");
        for resource in body["resourceSpans"].as_array().unwrap() {
            for scope in resource["scopeSpans"].as_array().unwrap() {
                spans.extend(scope["spans"].as_array().unwrap().iter().cloned());
            }
        }
    }
    let attribute = |span: &Value, key: &str| -> Option<String> {
        span["attributes"]
            .as_array()?
            .iter()
            .find(|a| a["key"] == key)
            .and_then(|a| a["value"].as_object()?.values().next().cloned())
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    };
    let ours = spans
        .iter()
        .find(|s| s["name"] == "request" && attribute(s, "id").as_deref() == Some(id.as_str()))
        .unwrap_or_else(|| panic!("no span for request {id}: {spans:#?}"));
    assert_eq!(attribute(ours, "path").as_deref(), Some("/healthz"));
    assert_eq!(attribute(ours, "status").as_deref(), Some("200"));
    assert!(
        spans
            .iter()
            .any(|s| attribute(s, "path").as_deref() == Some("/token")
                && attribute(s, "status").as_deref() == Some("401")),
        "{spans:#?}"
    );
}
