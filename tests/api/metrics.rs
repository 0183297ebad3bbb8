//! /metrics: a scrape after a known sequence of requests shows exactly that sequence.
//! The counters are the process's; each test runs in a process of its own (nextest), and
//! the assertions read differences, under labels (client ids) no other test shares.

use sigil::domain::SigningAlg;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app, spawn_app_with};

/// Parsed exposition: `name{labels} value` per line.
struct Scrape(String);

impl Scrape {
    /// The value of the series `name` whose labels include every one of `labels`
    /// (summed over the series that match), 0 when there is none.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (series, value) = l.rsplit_once(' ')?;
                let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
                (metric == name
                    && labels
                        .iter()
                        .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))))
                .then(|| value.parse::<f64>().ok())?
            })
            .sum()
    }
}

async fn scrape(app: &TestApp, base: &str) -> Scrape {
    let res = app
        .http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    Scrape(res.text().await.unwrap())
}

async fn a_scrape_counts_what_happened(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.confidential().await;
    app.user("alice").await;
    let before = scrape(&app, &app.address).await;

    let token = app.client_credentials(&client, "read").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.client_credentials(&client, "read").await;
    let wrong = crate::helpers::TestClient {
        id: client.id.clone(),
        secret: Some("not the secret".into()),
    };
    let refused = app.token(&wrong).grant("client_credentials").send().await;
    assert_eq!(refused.status(), 401);
    assert!(app.is_active(&client, &token).await);
    assert_eq!(app.revoke(&client, &token).await.status(), 200);
    assert!(!app.is_active(&client, &token).await);
    let params = app.authorize_params(&client, &[]);
    assert_eq!(
        app.login(&params, "alice", "wrong password").await.status(),
        200
    );
    assert_eq!(app.login(&params, "alice", PASSWORD).await.status(), 303);

    let after = scrape(&app, &app.address).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let id = client.id.as_str();
    assert_eq!(
        delta(
            "sigil_token_requests_total",
            &[
                ("client", id),
                ("grant_type", "client_credentials"),
                ("outcome", "issued")
            ]
        ),
        2.0
    );
    // A client that did not prove itself is no label of its own.
    assert_eq!(
        delta(
            "sigil_token_requests_total",
            &[("client", "-"), ("outcome", "invalid_client")]
        ),
        1.0
    );
    assert_eq!(
        after.value(
            "sigil_token_requests_total",
            &[("client", id), ("outcome", "invalid_client")]
        ),
        0.0
    );
    let introspected = |result| {
        delta(
            "sigil_introspections_total",
            &[("client", id), ("result", result)],
        )
    };
    assert_eq!(
        (introspected("active"), introspected("inactive")),
        (1.0, 1.0)
    );
    assert_eq!(
        delta(
            "sigil_revocations_total",
            &[("client", id), ("outcome", "revoked")]
        ),
        1.0
    );
    assert_eq!(
        delta("sigil_logins_total", &[("outcome", "invalid_credentials")]),
        1.0
    );
    assert_eq!(delta("sigil_logins_total", &[("outcome", "success")]), 1.0);
    assert_eq!(delta("sigil_password_hash_wait_seconds_count", &[]), 2.0);
    assert_eq!(after.value("sigil_password_hash_queue_depth", &[]), 0.0);
    assert_eq!(
        delta(
            "sigil_http_requests_total",
            &[("route", "/token"), ("method", "POST"), ("status", "200")]
        ),
        2.0
    );
    assert_eq!(
        delta(
            "sigil_http_request_duration_seconds_count",
            &[("route", "/token"), ("status", "401")]
        ),
        1.0
    );
    let kid = app.active_kid(SigningAlg::Es256);
    assert_eq!(
        after.value(
            "sigil_signing_key_active",
            &[("alg", "ES256"), ("kid", &kid)]
        ),
        1.0
    );
    assert!(after.value("sigil_store_connections", &[("state", "idle")]) >= 1.0);
    for dependency in ["store", "revocation"] {
        assert_eq!(
            after.value("sigil_dependency_up", &[("dependency", dependency)]),
            1.0
        );
    }
}

async fn an_admin_listener_keeps_metrics_off_the_public_one(backend: Backend) {
    let app = spawn_app_with(backend, |env| {
        env.push(("SIGIL_METRICS_LISTEN".into(), "127.0.0.1:0".into()));
    })
    .await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let admin = app.admin_address.clone().expect("an admin listener");
    let scrape = scrape(&app, &admin).await;
    assert!(
        scrape
            .0
            .contains("# TYPE sigil_http_requests_total counter")
    );
    // Only /metrics there: the protocol is on the public listener alone.
    let token = app
        .http
        .post(format!("{admin}/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 404);
}

/// Every series the Grafana dashboard (deploy/grafana/sigil.json) charts is one sigil
/// exports, so a renamed metric fails here rather than as an empty panel.
#[test]
fn the_dashboard_charts_only_what_sigil_exports() {
    let exported = sigil::metrics::get().families();
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/grafana/sigil.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut charted = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            let mut rest = expr;
            while let Some(at) = rest.find("sigil_") {
                let name: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                rest = &rest[at + name.len()..];
                charted.push(name);
            }
        }
    }
    assert!(charted.len() >= 12, "{charted:?}");
    for name in charted {
        let family = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        assert!(
            exported.iter().any(|f| f == family),
            "the dashboard charts {name}, which sigil does not export"
        );
    }
}

both_backends!(
    a_scrape_counts_what_happened,
    an_admin_listener_keeps_metrics_off_the_public_one,
);
