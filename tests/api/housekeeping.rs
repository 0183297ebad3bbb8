//! Housekeeping and the limits that keep one client from holding the server: expired
//! rows purged in batches by one instance a round, request timeouts, and a clean exit on
//! SIGTERM.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::both_backends;
use crate::helpers::{Backend, Served, sigil, spawn_app_with, spawn_from_env};

/// What the rounds here keep: a minute of revocation skew, an hour of security events.
const KEEP: sigil::housekeeping::Keep = sigil::housekeeping::Keep {
    skew: 60,
    audit: 3600,
};

async fn expired_rows_are_purged_by_one_instance(backend: Backend) {
    let a = spawn_app_with(backend, |env| {
        env.push(("SIGIL_REFRESH_TOKEN_TTL".into(), "100".into()));
        env.push(("SIGIL_SESSION_TTL".into(), "100".into()));
    })
    .await;
    let b = spawn_from_env(a.env.clone(), tempfile::tempdir().unwrap()).await;
    let client = a.confidential().await;
    a.user("alice").await;
    let tokens = a.tokens_for(&client, "alice").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(a.refresh(&client, refresh).await.status(), 200);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(a.revoke(&client, access).await.status(), 200);
    // An unredeemed code, issued through the session the flow above started.
    let res = a.get_authorize(&a.authorize_params(&client, &[])).await;
    assert_eq!(res.status(), 303);
    let before = a.row_counts().await;
    assert!(before[2] > 0 && before[3] > 0 && before[4] > 0 && before[5] > 0);

    // Two hours on: every code, session, refresh token, grant and revocation has expired.
    for app in [&a, &b] {
        app.clock.advance(7200);
    }
    let interval = Duration::from_secs(600);
    let now = a.now();
    // The flow's security events are two hours old now; one of this moment is not.
    let fresh_event = sigil::store::AuditEvent {
        id: "fresh".into(),
        at: now,
        actor: "cli".into(),
        action: "test.fresh".into(),
        subject: None,
        outcome: "ok".into(),
        detail: None,
        client: None,
        address: None,
    };
    a.services.store.record_audit(&fresh_event).await.unwrap();
    let events = |app: &crate::helpers::TestApp| {
        let store = app.services.store.clone();
        async move { store.audit_events(0, None, 1000).await.unwrap() }
    };
    assert!(events(&a).await.len() > 1, "the flow left events");
    let (ra, rb) = tokio::join!(
        sigil::housekeeping::round(a.services.store.as_ref(), now, interval, KEEP),
        sigil::housekeeping::round(b.services.store.as_ref(), now, interval, KEEP),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(
        ra.is_some() != rb.is_some(),
        "exactly one instance ran the round"
    );
    let after = a.row_counts().await;
    assert_eq!(after[..2], before[..2], "users and clients stay");
    assert_eq!(
        after[2..6],
        [0, 0, 0, 0],
        "sessions, codes, grants, refresh tokens go"
    );
    assert!(
        a.services
            .store
            .live_revocations(0)
            .await
            .unwrap()
            .is_empty(),
        "expired revocations go"
    );
    assert_eq!(
        events(&a).await,
        vec![fresh_event],
        "events past the retention go, in batches; newer ones stay"
    );
    // The next round is not due yet.
    let again = sigil::housekeeping::round(a.services.store.as_ref(), now + 1, interval, KEEP)
        .await
        .unwrap();
    assert!(again.is_none());
    // Nothing live was touched: a new login works as ever.
    let fresh = a.tokens_for(&client, "alice").await;
    assert!(
        a.is_active(&client, fresh["access_token"].as_str().unwrap())
            .await
    );
}

/// A body trickled in byte by byte, or headers that never end, cannot hold a worker:
/// the request is cut off at the timeout.
async fn trickled_requests_are_cut_off(backend: Backend) {
    let app = spawn_app_with(backend, |env| {
        env.push(("SIGIL_REQUEST_TIMEOUT_MS".into(), "500".into()));
    })
    .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let start = Instant::now();
    let mut answer = Vec::new();
    let mut byte = [0u8; 1024];
    loop {
        // One byte every 100 ms: the body would take 10 s to arrive.
        let _ = stream.write_all(b"a").await;
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&byte[..n]);
                break;
            }
            Err(_) => assert!(start.elapsed() < Duration::from_secs(5), "never cut off"),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(start.elapsed() < Duration::from_secs(3));

    // Headers that never end are cut off too.
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let start = Instant::now();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the connection was dropped"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

both_backends!(
    expired_rows_are_purged_by_one_instance,
    trickled_requests_are_cut_off,
);

/// `sigil serve` exits cleanly, and promptly, on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let env = crate::helpers::test_env(Backend::Sqlite, dir.path()).await;
    let migrated = sigil(&env, &["migrate"], None);
    assert!(migrated.status.success());
    let mut served = Served::start(&env).await;
    let res = reqwest::get(served.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    served.terminate();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(12),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}
