//! Where `sigil serve` runs its HTTP workers: one on each CPU when they match the CPUs it
//! may use one to one, left to the kernel otherwise or when told.

use crate::helpers::{Backend, REDIRECT, Served, json_ok, sigil, test_env};

/// A `Cpus_allowed_list` ("0-3,6"): the CPUs it names.
fn cpu_list(list: &str) -> Vec<usize> {
    list.trim()
        .split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => a.parse().unwrap()..=b.parse().unwrap(),
            None => part.parse().unwrap()..=part.parse().unwrap(),
        })
        .collect()
}

/// The CPUs a `/proc/…/status` says its thread may run on.
fn cpus_allowed(status: &str) -> Vec<usize> {
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap();
    cpu_list(line)
}

/// The CPUs this test process may run on.
fn ours() -> Vec<usize> {
    cpus_allowed(&std::fs::read_to_string("/proc/self/status").unwrap())
}

/// Each thread of the process `pid`: its name as the kernel keeps it (15 bytes: an HTTP
/// worker is "actix-server wo"), and its CPUs. A thread that ends while it is read (an
/// idle blocking-pool thread) is left out.
fn threads(pid: u32) -> Vec<(String, Vec<usize>)> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|task| {
            let task = task.ok()?.path();
            let name = std::fs::read_to_string(task.join("comm")).ok()?;
            let status = std::fs::read_to_string(task.join("status")).ok()?;
            Some((name.trim_end().to_owned(), cpus_allowed(&status)))
        })
        .collect()
}

const WORKER: &str = "actix-server wo";

/// The CPUs of each HTTP worker of the process `pid`.
fn workers(pid: u32) -> Vec<Vec<usize>> {
    threads(pid)
        .into_iter()
        .filter(|(name, _)| name == WORKER)
        .map(|(_, cpus)| cpus)
        .collect()
}

async fn serve_with(
    extra: &[(&str, String)],
) -> (Served, Vec<(String, String)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut env = test_env(Backend::Sqlite, dir.path()).await;
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push(((*k).to_owned(), v.clone()));
    }
    assert!(sigil(&env, &["migrate"], None).status.success());
    let served = Served::start(&env).await;
    // actix accepts the first connection only once every worker has built its services,
    // which is when a worker is placed: after this answer, all of them are.
    let res = reqwest::get(served.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    (served, env, dir)
}

/// Workers that match the CPUs get one each, and only they are pinned: a thread a worker
/// would start inherits its CPU, so the store's connections (a thread each on SQLite)
/// stay free however many requests need them at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_that_match_the_cpus_get_one_each_and_nothing_else_is_pinned() {
    let cpus = ours();
    let (served, env, _dir) = serve_with(&[("SIGIL_WORKERS", cpus.len().to_string())]).await;
    let mut placed = workers(served.child.id());
    assert_eq!(placed.len(), cpus.len(), "one thread per worker");
    for one in &placed {
        assert_eq!(one.len(), 1, "a worker pinned to one CPU: {placed:?}");
    }
    placed.sort();
    let placed: Vec<usize> = placed.concat();
    assert_eq!(placed, cpus, "every CPU has a worker of its own");

    // Refresh tokens nobody issued: each is looked up in the store, all at once.
    let client = json_ok(&sigil(
        &env,
        &[
            "clients",
            "create",
            "--name",
            "c",
            "--redirect-uri",
            REDIRECT,
            "--grant-types",
            "authorization_code,refresh_token",
            "--scopes",
            "read",
            "--json",
        ],
        None,
    ));
    let http = reqwest::Client::new();
    let mut lookups = tokio::task::JoinSet::new();
    for i in 0..32 {
        let request = http
            .post(served.url("/token"))
            .basic_auth(
                client["client_id"].as_str().unwrap(),
                client["client_secret"].as_str(),
            )
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &format!("srt_{i:0>43}")),
            ])
            .send();
        lookups.spawn(request);
    }
    while let Some(answer) = lookups.join_next().await {
        assert_eq!(
            answer.unwrap().unwrap().status(),
            400,
            "an unknown refresh token"
        );
    }
    for (name, on) in threads(served.child.id()) {
        if name != WORKER {
            assert_eq!(on, cpus, "{name} may run on every CPU");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_are_left_free_when_told_or_when_they_do_not_match_the_cpus() {
    let cpus = ours();
    if cpus.len() < 2 {
        // With one CPU, pinned and free look the same from here.
        eprintln!("one CPU: nothing to tell apart");
        return;
    }
    let told = [
        ("SIGIL_WORKERS", cpus.len().to_string()),
        ("SIGIL_PIN_WORKERS", "false".to_owned()),
    ];
    let more = [("SIGIL_WORKERS", (cpus.len() + 1).to_string())];
    let fewer = [("SIGIL_WORKERS", (cpus.len() - 1).to_string())];
    for extra in [&told[..], &more[..], &fewer[..]] {
        let (served, _env, _dir) = serve_with(extra).await;
        let placed = workers(served.child.id());
        assert!(!placed.is_empty());
        for one in &placed {
            assert_eq!(one, &cpus, "{extra:?}: a worker may run on every CPU");
        }
    }
}

/// The shipped systemd unit filters system calls, and a call it filters kills the
/// process. Pinning a worker is `sched_setaffinity`, which systemd files under
/// `@resources` (inside `@system-service`): the unit takes `@resources` away, so it must
/// give that one call back, or sigil would die at start wherever its workers match the
/// CPUs. The lines are read in order, as systemd does: the first allows, `~` removes.
#[test]
fn the_systemd_unit_lets_workers_be_placed() {
    let unit =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/sigil.service"))
            .unwrap();
    let holds_it =
        |item: &str| matches!(item, "sched_setaffinity" | "@resources" | "@system-service");
    let mut allowed = false;
    for filter in unit
        .lines()
        .filter_map(|l| l.strip_prefix("SystemCallFilter="))
    {
        match filter.strip_prefix('~') {
            Some(removed) if removed.split_whitespace().any(holds_it) => allowed = false,
            Some(_) => {}
            None if filter.split_whitespace().any(holds_it) => allowed = true,
            None => {}
        }
    }
    assert!(
        allowed,
        "deploy/sigil.service filters out sched_setaffinity"
    );
}
