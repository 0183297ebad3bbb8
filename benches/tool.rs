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

use std::time::{Duration, Instant};

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

async fn probe(args: &[String]) {
    let (url, auth, token) = (
        arg(args, "--url"),
        arg(args, "--auth"),
        arg(args, "--token"),
    );
    let rate: u64 = arg(args, "--rate").parse().expect("--rate");
    let seconds: u64 = arg(args, "--seconds").parse().expect("--seconds");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let body = format!("token={token}");
    let total = rate * seconds;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(due).await;
        let (http, url, auth, body) = (http.clone(), url.clone(), auth.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let res = http
                .post(url)
                .header("Authorization", auth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await;
            let ok = match res {
                Ok(res) if res.status() == 200 => res
                    .text()
                    .await
                    .is_ok_and(|t| t.contains("\"active\":true")),
                _ => false,
            };
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
