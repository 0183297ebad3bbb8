//! What benches/bench.py needs that wrk does not do (`cargo build --release --example
//! bench-tool`):
//!
//! - `hash-time`: the time of one argon2id hash at the parameters `sigil serve` is
//!   configured with (the environment, as the server reads it), through sigil's own
//!   hasher, one at a time: the basis of the login scenario's floor; and how many hashes
//!   per second every core hashing at once delivers.
//! - `probe --url U --auth A --token T --rate R --seconds S`: introspects T at a fixed
//!   rate, on a schedule (open loop: a request that has to wait for a late one counts that
//!   wait), and checks every answer says `"active":true`. One JSON line: the achieved
//!   rate, p50/p99/p99.9 in microseconds, and errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark tool that cannot run should stop"
)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

fn arg(args: &[String], name: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .unwrap_or_else(|| panic!("{name} is required"))
        .clone()
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn hash_time() {
    let config = sigil::config::Config::from_process_env(None).expect("configuration");
    let hasher = sigil::crypto::passwords::PasswordHasher::new(config.password_hash, 1, 0)
        .expect("a hasher");
    hasher.hash("warm up the allocator").await.expect("a hash");
    let rounds = 10;
    let start = Instant::now();
    for _ in 0..rounds {
        hasher
            .hash("correct horse battery staple")
            .await
            .expect("a hash");
    }
    let seconds = start.elapsed().as_secs_f64() / f64::from(rounds);
    // The same hashes on every core at once: what the cores deliver together, which is
    // less than cores / seconds when hashes share memory bandwidth and cache.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let jobs = rounds as usize * cores;
    let all = sigil::crypto::passwords::PasswordHasher::new(config.password_hash, cores, jobs)
        .expect("a hasher");
    let start = Instant::now();
    let hashes: Vec<_> = (0..jobs)
        .map(|_| {
            let all = all.clone();
            tokio::spawn(async move { all.hash("correct horse battery staple").await })
        })
        .collect();
    for h in hashes {
        h.await.expect("a task").expect("a hash");
    }
    let together = jobs as f64 / start.elapsed().as_secs_f64();
    println!("{{\"seconds_per_hash\":{seconds},\"all_cores_per_s\":{together}}}");
}

/// One HTTP/1.1 exchange on a kept-alive connection: the request, prepared once, out; the
/// response in, read to the end of its body. Whether it said `"active":true`, or `None`
/// when the connection cannot be used again.
async fn exchange(conn: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> Option<bool> {
    conn.write_all(request).await.ok()?;
    buf.clear();
    let (head_end, body_len) = loop {
        let mut chunk = [0u8; 4096];
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..at]).ok()?;
            let length = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })?;
            break (at + 4, length);
        }
    };
    while buf.len() < head_end + body_len {
        let mut chunk = [0u8; 4096];
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    const ACTIVE: &[u8] = b"\"active\":true";
    let ok = buf.starts_with(b"HTTP/1.1 200 ")
        && buf[head_end..].windows(ACTIVE.len()).any(|w| w == ACTIVE);
    Some(ok)
}

/// The probe is a load generator sharing the cores with the server it measures, like wrk,
/// so it is as lean as wrk: the request is built once, connections are kept alive and
/// reused, and a response is read as bytes (status line, Content-Length, body), with no
/// HTTP client library's per-request machinery.
async fn probe(args: &[String]) {
    let (url, auth, token) = (
        arg(args, "--url"),
        arg(args, "--auth"),
        arg(args, "--token"),
    );
    let rate: u64 = arg(args, "--rate").parse().expect("--rate");
    let seconds: u64 = arg(args, "--seconds").parse().expect("--seconds");
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let body = format!("token={token}");
    let request: Arc<[u8]> = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
    .into();
    let host: Arc<str> = host.into();
    let idle: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let total = rate * seconds;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(due).await;
        let (request, host, idle) = (request.clone(), host.clone(), idle.clone());
        tasks.push(tokio::spawn(async move {
            let reused = idle.lock().expect("the idle list").pop();
            let conn = match reused {
                Some(conn) => Some(conn),
                None => TcpStream::connect(&*host).await.ok(),
            };
            let mut ok = false;
            if let Some(mut conn) = conn {
                let mut buf = Vec::with_capacity(1024);
                if let Some(active) = exchange(&mut conn, &request, &mut buf).await {
                    ok = active;
                    idle.lock().expect("the idle list").push(conn);
                }
            }
            (due.elapsed().as_micros() as u64, ok)
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut errors = 0;
    for task in tasks {
        let (micros, ok) = task.await.unwrap();
        latencies.push(micros);
        errors += u64::from(!ok);
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "{{\"requests\":{},\"rate\":{:.1},\"p50_us\":{},\"p99_us\":{},\"p999_us\":{},\"errors\":{errors}}}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 99.9),
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("hash-time") => hash_time().await,
        Some("probe") => probe(&args).await,
        _ => {
            eprintln!(
                "usage: bench-tool hash-time | probe --url U --auth A --token T --rate R --seconds S"
            );
            std::process::exit(2);
        }
    }
}
