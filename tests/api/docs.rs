//! The documents that point at tests keep pointing at tests.

use std::path::Path;

/// Whether `path` (`module::…::function`, or `module::*`) names a test in this
/// repository: a `fn` of that name in the file the module path leads to, under
/// `tests/api/` or, for unit tests, `src/` (a module's tests may sit in its `tests.rs`).
fn exists(path: &str) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let segments: Vec<&str> = path.split("::").filter(|s| *s != "tests").collect();
    let (function, modules) = segments.split_last().expect("a path");
    for base in [root.join("tests/api"), root.join("src")] {
        for take in (1..=modules.len()).rev() {
            let dir = modules[..take].iter().fold(base.clone(), |p, m| p.join(m));
            for file in [
                dir.with_extension("rs"),
                dir.join("mod.rs"),
                dir.join("tests.rs"),
            ] {
                let Ok(source) = std::fs::read_to_string(&file) else {
                    continue;
                };
                if *function == "*" || source.contains(&format!("fn {function}(")) {
                    return true;
                }
            }
        }
    }
    false
}

#[test]
fn every_test_security_md_names_exists() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("SECURITY.md")).unwrap();
    let mut named = Vec::new();
    for row in doc.lines().filter(|l| l.starts_with('|')) {
        let Some(last) = row.trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        named.extend(
            last.split('`')
                .skip(1)
                .step_by(2)
                .filter(|n| n.contains("::"))
                .map(str::to_owned),
        );
    }
    assert!(named.len() > 20, "the table lists its tests: {named:?}");
    let missing: Vec<_> = named.iter().filter(|n| !exists(n)).collect();
    assert!(
        missing.is_empty(),
        "SECURITY.md names tests that do not exist: {missing:?}"
    );
}

#[test]
fn the_resolver_finds_tests_and_refuses_inventions() {
    assert!(exists("attacks::jwt::forged_tokens_are_refused"));
    assert!(exists(
        "crypto::passwords::tests::a_full_pool_refuses_instead_of_queueing_forever"
    ));
    assert!(!exists("attacks::jwt::no_such_test"));
    assert!(!exists("no_such_module::forged_tokens_are_refused"));
}

/// docs/configuration.md is what `sigil config reference` prints: regenerate it with
/// `sigil config reference > docs/configuration.md` when a setting changes.
#[test]
fn the_configuration_reference_is_current() {
    let out = crate::helpers::sigil(&[], &["config", "reference"], None);
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .unwrap();
    assert!(
        printed == committed,
        "docs/configuration.md drifted from the code; regenerate it with \
         `sigil config reference > docs/configuration.md`"
    );
    for name in [
        "SIGIL_ISSUER",
        "DATABASE_URL",
        "SIGIL_LOG_FORMAT",
        "SIGIL_METRICS_LISTEN",
    ] {
        assert!(printed.contains(&format!("| `{name}` |")), "{name}");
    }
}
