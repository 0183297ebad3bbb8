//! Refused key commands change nothing, and key material on disk is private.

use crate::both_backends;
use crate::helpers::{Backend, json_ok, sigil, spawn_app_with};

/// Every refused command names what was wrong and leaves the keys as they were.
async fn bad_key_commands_change_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let env = &app.env;
    let before = json_ok(&sigil(env, &["keys", "list", "--json"], None));
    let dir = tempfile::tempdir().unwrap();
    let not_a_key = dir.path().join("cert.pem");
    std::fs::write(
        &not_a_key,
        "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let refused = |args: &[&str], why: &str| {
        let out = sigil(env, args, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            stderr.contains(why),
            "{args:?}: expected {why:?} in {stderr}"
        );
    };
    refused(&["keys", "revoke", "no-such-kid"], "no key no-such-kid");
    refused(&["keys", "revoke", "a b"], "no key a b");
    let pem = not_a_key.to_str().unwrap();
    refused(
        &["keys", "import", "--alg", "RS256", "--pem", pem],
        "not a PEM PRIVATE KEY",
    );
    refused(
        &[
            "keys",
            "import",
            "--alg",
            "RS256",
            "--pem",
            "/no/such/file.pem",
        ],
        "--pem /no/such/file.pem",
    );
    refused(
        &["keys", "import", "--alg", "ES256", "--pem", pem],
        "only RS256 and PS256 keys are imported",
    );
    refused(
        &["keys", "rotate", "--alg", "RS256"],
        "cannot generate RS256 keys",
    );
    refused(&["keys", "rotate", "--alg", "HS256"], "--alg HS256");
    json_ok(&sigil(env, &["keys", "rotate", "--json"], None));
    refused(&["keys", "rotate"], "already pending");
    let pending = json_ok(&sigil(env, &["keys", "list", "--json"], None));

    // A master key others can read is refused, by the CLI and by serve.
    let master = env
        .iter()
        .find(|(k, _)| k == "SIGIL_MASTER_KEY_FILE")
        .map(|(_, v)| v.clone())
        .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o644)).unwrap();
    refused(&["keys", "rotate", "--now"], "readable by group or others");
    let start = sigil::app::Application::build(crate::helpers::config_from(env)).await;
    let error = start
        .err()
        .expect("no start with an open master key")
        .to_string();
    assert!(error.contains("chmod 600"), "{error}");
    std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o600)).unwrap();

    let after = json_ok(&sigil(env, &["keys", "list", "--json"], None));
    assert_eq!(
        after, pending,
        "nothing changed after the one good rotation"
    );
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 1
    );
    // Each attempt is in the audit trail, refused or not.
    let audit = json_ok(&sigil(env, &["audit", "list", "--json"], None));
    let outcomes: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        outcomes
            .iter()
            .any(|(a, o)| a == "keys.revoke" && o.starts_with("refused"))
    );
    assert!(
        outcomes
            .iter()
            .any(|(a, o)| a == "keys.import" && o.starts_with("refused"))
    );
    assert!(
        outcomes
            .iter()
            .any(|(a, o)| a == "keys.rotate" && o == "ok")
    );
}

/// The embedded default's secrets on disk (the master key, and the database holding
/// password hashes and sealed keys) are created readable by their owner alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    for name in ["SIGIL_MASTER_KEY_FILE", "SIGIL_SQLITE_PATH"] {
        let path = app
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
}

both_backends!(bad_key_commands_change_nothing);
