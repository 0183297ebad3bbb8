//! The admin CLI, run as a user would: the real binary, the same configuration as serve.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{
    Backend, REDIRECT, TestClient, assert_oauth_error, location, query_param, spawn_from_env,
    test_env,
};

fn sigil(env: &[(String, String)], args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigil"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the sigil binary runs");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn json_ok(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

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
            "--json",
        ],
        None,
    ));
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
    let res = app
        .post_as("/token", &client, &[("grant_type", "client_credentials")])
        .await;
    assert_oauth_error(res, 401, "invalid_client").await;
}

async fn cli_refuses_bad_requests(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let env = test_env(backend, dir.path()).await;
    let fails = |args: &[&str], stdin: Option<&str>| {
        let out = sigil(&env, args, stdin);
        assert!(!out.status.success(), "{args:?} should fail");
    };
    // Passwords only from stdin.
    fails(&["users", "create", "--username", "eve"], None);
    fails(
        &["users", "create", "--username", "eve", "--password", "x"],
        None,
    );
    fails(
        &["users", "create", "--username", "eve", "--password-stdin"],
        Some(""),
    );
    // A public client has no secret to use client_credentials with.
    fails(
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
    );
    fails(
        &[
            "clients",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            "http://evil.example/cb",
        ],
        None,
    );
    fails(
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
    );
    fails(&["clients", "delete", "no-such-client"], None);
    let ok = sigil(
        &env,
        &["users", "create", "--username", "eve", "--password-stdin"],
        Some("pw"),
    );
    assert!(ok.status.success());
    fails(
        &["users", "create", "--username", "EVE", "--password-stdin"],
        Some("pw"),
    );
}

both_backends!(
    admin_commands_manage_clients_and_users,
    cli_refuses_bad_requests
);
