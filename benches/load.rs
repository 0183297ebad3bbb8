//! Load benchmark: starts a release `sigil serve` as its own process (embedded backend by
//! default; Postgres + Redis with BENCH_DATABASE_URL and BENCH_REDIS_URL), registers a
//! client with the CLI, then drives /token (client_credentials) and /introspect from this
//! process with a fixed number of concurrent connections for a fixed time, and prints
//! throughput, latency percentiles and the server's peak memory.
//!
//! ```sh
//! cargo build --release && cargo bench --bench load
//! BENCH_SECONDS=20 BENCH_CONNECTIONS=32 cargo bench --bench load
//! ```
//! Figures go to BENCHMARKS.md with the machine and the date.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark that cannot run should stop"
)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sigil_bin() -> String {
    std::env::var("SIGIL_BIN").unwrap_or_else(|_| "target/release/sigil".into())
}

fn base_env(dir: &std::path::Path, port: u16) -> Vec<(String, String)> {
    let mut env = vec![
        ("SIGIL_LISTEN".into(), format!("127.0.0.1:{port}")),
        (
            "SIGIL_SQLITE_PATH".into(),
            dir.join("sigil.db").display().to_string(),
        ),
        (
            "SIGIL_MASTER_KEY_FILE".into(),
            dir.join("master.key").display().to_string(),
        ),
        ("SIGIL_LOG".into(), "warn".into()),
    ];
    if let (Ok(db), Ok(redis)) = (
        std::env::var("BENCH_DATABASE_URL"),
        std::env::var("BENCH_REDIS_URL"),
    ) {
        env.push(("DATABASE_URL".into(), db));
        env.push(("REDIS_URL".into(), redis));
    }
    env
}

fn start(port: u16) -> (Server, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let env = base_env(dir.path(), port);
    let child = Command::new(sigil_bin())
        .arg("serve")
        .envs(env.iter().cloned())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("build the server first: cargo build --release");
    (Server { child, _dir: dir }, env)
}

fn create_client(env: &[(String, String)]) -> (String, String) {
    let out = Command::new(sigil_bin())
        .args([
            "clients",
            "create",
            "--name",
            "bench",
            "--grant-types",
            "client_credentials",
            "--scopes",
            "read",
            "--json",
        ])
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        v["client_id"].as_str().unwrap().into(),
        v["client_secret"].as_str().unwrap().into(),
    )
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

struct Report {
    name: &'static str,
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Report {
    fn print(&mut self) {
        self.latencies.sort();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
            self.latencies.get(i).copied().unwrap_or_default()
        };
        println!(
            "{:<28} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} requests, {} errors)",
            self.name,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            self.requests,
            self.errors,
        );
    }
}

async fn drive(
    name: &'static str,
    connections: usize,
    seconds: u64,
    make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + Clone + 'static,
) -> Report {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let (mut n, mut errors, mut lat) = (0usize, 0usize, Vec::new());
            while Instant::now() < deadline {
                let t = Instant::now();
                match make(&http).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                lat.push(t.elapsed());
                n += 1;
            }
            (n, errors, lat)
        }));
    }
    let mut report = Report {
        name,
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (n, e, l) = t.await.unwrap();
        report.requests += n;
        report.errors += e;
        report.latencies.extend(l);
    }
    report.elapsed = started.elapsed();
    report
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let seconds = env_or("BENCH_SECONDS", 10);
    let connections = env_or("BENCH_CONNECTIONS", 16) as usize;
    let port = env_or("BENCH_PORT", 18_080) as u16;
    let (server, env) = start(port);
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    for _ in 0..100 {
        if probe.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (id, secret) = create_client(&env);
    println!(
        "sigil load benchmark: {} backend, {connections} connections, {seconds} s per endpoint, load generator in a separate process",
        if env.iter().any(|(k, _)| k == "DATABASE_URL") {
            "postgres+redis"
        } else {
            "embedded"
        }
    );

    let token_url = format!("{base}/token");
    let (i, s) = (id.clone(), secret.clone());
    let mut token = drive(
        "POST /token client_credentials",
        connections,
        seconds,
        move |http| {
            http.post(&token_url)
                .basic_auth(&i, Some(&s))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&scope=read")
        },
    )
    .await;
    token.print();

    let access: serde_json::Value = probe
        .post(format!("{base}/token"))
        .basic_auth(&id, Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = format!("token={}", access["access_token"].as_str().unwrap());
    let introspect_url = format!("{base}/introspect");
    let mut introspect = drive(
        "POST /introspect (JWT)",
        connections,
        seconds,
        move |http| {
            http.post(&introspect_url)
                .basic_auth(&id, Some(&secret))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
        },
    )
    .await;
    introspect.print();
    println!(
        "server peak RSS: {} MiB",
        peak_rss_kib(server.child.id()) / 1024
    );
}
