//! The admin CLI, run as a user would: the real binary, the same configuration as serve.

use std::process::Output;

use crate::both_backends;
use crate::helpers::{
    Backend, REDIRECT, TestClient, assert_oauth_error, location, query_param, spawn_from_env,
    test_env,
};

use crate::helpers::{json_ok, sigil};

async fn admin_commands_manage_clients_and_users(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let env = test_env(backend, dir.path()).await;

    let out = sigil(&env, &["migrate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let created = json_ok(&sigil(
        &env,
        &[
            "clients",
            "create",
            "--name",
            "web",
            "--redirect-uri",
            REDIRECT,
            "--grant-types",
            "authorization_code,refresh_token,client_credentials",
            "--scopes",
            "openid read",
            "--first-party",
            "--json",
        ],
        None,
    ));
    assert_eq!(
        created["first_party"], true,
        "so the login below needs no consent"
    );
    let client = TestClient {
        id: created["client_id"].as_str().unwrap().to_owned(),
        secret: Some(created["client_secret"].as_str().unwrap().to_owned()),
    };
    assert!(client.secret.as_ref().unwrap().starts_with("scs_"));

    let listed = sigil(&env, &["clients", "list", "--json"], None);
    let list = json_ok(&listed);
    assert_eq!(list[0]["client_id"], client.id);
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains("scs_"),
        "the secret is shown once"
    );

    let user = json_ok(&sigil(
        &env,
        &[
            "users",
            "create",
            "--username",
            "Bob",
            "--email",
            "bob@example.com",
            "--password-stdin",
            "--json",
        ],
        Some("first passphrase\n"),
    ));
    assert_eq!(user["username"], "bob");
    let users = json_ok(&sigil(&env, &["users", "list", "--json"], None));
    assert_eq!(users[0]["username"], "bob");
    assert!(!users.to_string().contains("argon2"), "no hash is printed");

    // The server sees what the CLI made.
    let app = spawn_from_env(env.clone(), tempfile::tempdir().unwrap()).await;
    assert_eq!(
        app.client_credentials(&client, "read").await["scope"],
        "read"
    );
    // prompt=login: each attempt below shows the form, whatever session the last left.
    let params = app.authorize_params(&client, &[("prompt", "login")]);
    let res = app.login(&params, "bob", "first passphrase").await;
    assert!(query_param(&location(&res), "code").is_some());

    let out = sigil(
        &env,
        &[
            "users",
            "set-password",
            "--username",
            "bob",
            "--password-stdin",
        ],
        Some("second passphrase"),
    );
    assert!(out.status.success());
    let res = app.login(&params, "bob", "first passphrase").await;
    assert_eq!(res.status(), 200, "the old password no longer works");
    let res = app.login(&params, "bob", "second passphrase").await;
    assert!(query_param(&location(&res), "code").is_some());

    assert!(
        sigil(&env, &["users", "disable", "--username", "bob"], None)
            .status
            .success()
    );
    let res = app.login(&params, "bob", "second passphrase").await;
    assert_eq!(res.status(), 200, "a disabled user gets the form again");

    assert!(
        sigil(&env, &["clients", "delete", &client.id], None)
            .status
            .success()
    );
    // Within 2 s, like every account change (the server learns it from the store's poll
    // or the event bus, not from the CLI directly).
    let start = std::time::Instant::now();
    loop {
        let res = app.token(&client).grant("client_credentials").send().await;
        if res.status() == 401 {
            assert_oauth_error(res, 401, "invalid_client").await;
            break;
        }
        assert_eq!(res.status(), 200);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "still issuing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Every administrative action above is in the audit trail, as done by the CLI.
    let audit = json_ok(&sigil(&env, &["audit", "list", "--json"], None));
    let actions: Vec<(&str, &str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    for action in [
        "clients.create",
        "users.create",
        "users.set_password",
        "users.disable",
        "clients.delete",
    ] {
        assert!(
            actions.contains(&(action, "cli", "ok")),
            "{action} in {actions:?}"
        );
    }
    let refused = sigil(&env, &["clients", "delete", &client.id], None);
    assert!(!refused.status.success(), "already deleted");
    let audit = json_ok(&sigil(&env, &["audit", "list", "--json"], None));
    let last = audit.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "clients.delete");
    assert!(
        last["outcome"].as_str().unwrap().starts_with("refused"),
        "{last}"
    );
}

/// Runs a command that must fail, and checks that it failed for the reason given: the
/// reason on stderr, nothing on stdout.
fn refused(env: &[(String, String)], args: &[&str], stdin: Option<&str>, why: &str) {
    let out = sigil(env, args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains(why),
        "{args:?}: expected {why:?} in {stderr}"
    );
}

fn migrated_env(out: &Output) {
    assert!(
        out.status.success(),
        "migrate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn cli_refuses_bad_requests(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let env = test_env(backend, dir.path()).await;
    migrated_env(&sigil(&env, &["migrate"], None));
    let create_eve = ["users", "create", "--username", "eve", "--password-stdin"];
    // Passwords only from stdin.
    refused(
        &env,
        &["users", "create", "--username", "eve"],
        None,
        "--password-stdin",
    );
    refused(
        &env,
        &["users", "create", "--username", "eve", "--password", "x"],
        None,
        "unexpected argument '--password'",
    );
    // OWASP ASVS 6.2.1: at least 8 characters.
    for short in ["", "\n", "seven c", "seven c\n"] {
        refused(&env, &create_eve, Some(short), "at least 8 characters");
    }
    refused(
        &env,
        &[
            "clients",
            "create",
            "--name",
            "x",
            "--public",
            "--grant-types",
            "client_credentials",
        ],
        None,
        "a public client cannot use client_credentials",
    );
    refused(
        &env,
        &[
            "clients",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            "http://evil.example/cb",
        ],
        None,
        "http redirect_uri only on a loopback address",
    );
    refused(
        &env,
        &[
            "clients",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            REDIRECT,
            "--grant-types",
            "password",
        ],
        None,
        "unsupported grant_type",
    );
    refused(
        &env,
        &["clients", "delete", "no-such-client"],
        None,
        "not found",
    );
    refused(
        &env,
        &["clients", "delete", "not a client id"],
        None,
        "client id",
    );
    refused(
        &env,
        &[
            "users",
            "set-password",
            "--username",
            "nobody",
            "--password-stdin",
        ],
        Some("long enough passphrase"),
        "no user nobody",
    );

    let ok = sigil(&env, &create_eve, Some("eight ch"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    refused(
        &env,
        &["users", "create", "--username", "EVE", "--password-stdin"],
        Some("eight ch"),
        "already exists",
    );
    // Nothing any refusal above touched was written.
    let users = json_ok(&sigil(&env, &["users", "list", "--json"], None));
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
    let clients = json_ok(&sigil(&env, &["clients", "list", "--json"], None));
    assert_eq!(clients, serde_json::json!([]));
}

/// Only `migrate` and `serve` change the schema: an admin command against a database
/// that was never migrated says so, and leaves it as it was.
async fn admin_commands_need_a_migrated_database(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let env = test_env(backend, dir.path()).await;
    for _ in 0..2 {
        refused(
            &env,
            &["users", "list", "--json"],
            None,
            "the database is not migrated",
        );
    }
    refused(
        &env,
        &[
            "clients",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            REDIRECT,
        ],
        None,
        "run `sigil migrate` first",
    );
    let out = sigil(&env, &["migrate", "--json"], None);
    let applied = json_ok(&out)["applied"].as_u64().unwrap();
    assert!(applied >= 1, "a fresh database takes every migration");
    let again = json_ok(&sigil(&env, &["migrate", "--json"], None));
    assert_eq!(again["applied"], 0, "nothing is left to apply");
    // Each run is an admin action in the audit trail.
    let trail = json_ok(&sigil(
        &env,
        &["audit", "list", "--type", "migrate", "--json"],
        None,
    ));
    let subjects: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [format!("{applied} migration(s)").as_str(), "0 migration(s)"]
    );
    assert_eq!(
        json_ok(&sigil(&env, &["users", "list", "--json"], None)),
        serde_json::json!([])
    );
}

/// `--json` output is one JSON document on stdout, and an admin command's stderr is
/// quiet unless something is wrong.
async fn json_output_is_the_only_output(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let env = test_env(backend, dir.path()).await;
    let out = sigil(&env, &["migrate", "--json"], None);
    json_ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "migrate is quiet");
    for (args, stdin) in [
        (
            vec![
                "clients",
                "create",
                "--name",
                "web",
                "--redirect-uri",
                REDIRECT,
                "--json",
            ],
            None,
        ),
        (
            vec![
                "users",
                "create",
                "--username",
                "bob",
                "--password-stdin",
                "--json",
            ],
            Some("a long passphrase"),
        ),
        (vec!["users", "list", "--json"], None),
        (vec!["clients", "list", "--json"], None),
        (
            vec!["users", "disable", "--username", "bob", "--json"],
            None,
        ),
    ] {
        let out = sigil(&env, &args, stdin);
        json_ok(&out);
        let stdout = String::from_utf8(out.stdout.clone()).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{args:?}: {stdout}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "{args:?} is quiet"
        );
    }
}

/// A passphrase is hashed whole: nothing past some length is silently dropped (as
/// bcrypt does past 72 bytes), so its prefix is not the password.
async fn long_passphrases_are_used_whole(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let env = test_env(backend, dir.path()).await;
    migrated_env(&sigil(&env, &["migrate"], None));
    let passphrase = "correct horse battery staple ".repeat(4);
    assert!(passphrase.len() > 100);
    json_ok(&sigil(
        &env,
        &[
            "users",
            "create",
            "--username",
            "long",
            "--password-stdin",
            "--json",
        ],
        Some(&passphrase),
    ));
    let app = spawn_from_env(env.clone(), tempfile::tempdir().unwrap()).await;
    let client = app.confidential().await;
    let params = app.authorize_params(&client, &[("prompt", "login")]);
    let res = app.login(&params, "long", &passphrase[..72]).await;
    assert_eq!(res.status(), 200, "the first 72 bytes are not the password");
    let res = app.login(&params, "long", &passphrase).await;
    assert!(query_param(&location(&res), "code").is_some());
}

/// `DATABASE_URL=sqlite://PATH` selects the embedded store, as sqlx users expect.
#[tokio::test]
async fn a_sqlite_database_url_selects_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = test_env(Backend::Sqlite, dir.path()).await;
    env.retain(|(k, _)| k != "SIGIL_SQLITE_PATH");
    let file = dir.path().join("from-url.db");
    env.push((
        "DATABASE_URL".into(),
        format!("sqlite://{}", file.display()),
    ));
    migrated_env(&sigil(&env, &["migrate"], None));
    assert!(file.exists(), "the database is the file the URL names");
    json_ok(&sigil(
        &env,
        &[
            "users",
            "create",
            "--username",
            "ann",
            "--password-stdin",
            "--json",
        ],
        Some("a long passphrase"),
    ));
    let users = json_ok(&sigil(&env, &["users", "list", "--json"], None));
    assert_eq!(users[0]["username"], "ann");
}

both_backends!(
    admin_commands_manage_clients_and_users,
    cli_refuses_bad_requests,
    admin_commands_need_a_migrated_database,
    json_output_is_the_only_output,
    long_passphrases_are_used_whole,
);
