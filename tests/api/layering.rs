//! Calls go down only (ARCHITECTURE "Source layout"): each top-level module of `src/`
//! may name only the modules listed for it below, and that table is itself a graph
//! without cycles. A new import that runs back up fails here, naming the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Who may import whom. `domain` and `store` are the workspace crates, re-exported.
const ALLOWED: &[(&str, &[&str])] = &[
    ("main", &["cli", "telemetry"]),
    // Logs and span export, set up by main before anything else.
    ("telemetry", &[]),
    (
        "cli",
        &[
            "admin",
            "app",
            "keys",
            "audit",
            "events",
            "revocation",
            "config",
            "store",
            "crypto",
            "domain",
            "clock",
        ],
    ),
    (
        "app",
        &[
            "limits",
            "http",
            "services",
            "keys",
            "audit",
            "housekeeping",
            "events",
            "redis_client",
            "revocation",
            "token",
            "store",
            "config",
            "crypto",
            "clock",
        ],
    ),
    (
        "http",
        &[
            "oauth", "oidc", "services", "token", "store", "config", "branding", "metrics",
            "audit", "crypto", "domain", "clock",
        ],
    ),
    (
        "oauth",
        &[
            "limits",
            "login",
            "metrics",
            "audit",
            "services",
            "keys",
            "revocation",
            "token",
            "store",
            "config",
            "crypto",
            "domain",
            "clock",
        ],
    ),
    (
        "oidc",
        &[
            "services", "token", "store", "config", "crypto", "domain", "clock",
        ],
    ),
    (
        "login",
        &[
            "limits", "metrics", "audit", "services", "token", "store", "crypto", "domain", "clock",
        ],
    ),
    (
        "admin",
        &["revocation", "token", "store", "crypto", "domain", "clock"],
    ),
    (
        "services",
        &[
            "limits",
            "keys",
            "audit",
            "events",
            "revocation",
            "token",
            "store",
            "config",
            "crypto",
            "domain",
            "clock",
        ],
    ),
    (
        "keys",
        &[
            "events", "audit", "token", "store", "config", "crypto", "domain", "clock",
        ],
    ),
    ("audit", &["store", "crypto", "domain", "clock"]),
    ("housekeeping", &["store", "clock"]),
    ("limits", &["events", "redis_client", "crypto", "domain"]),
    ("events", &["redis_client"]),
    ("redis_client", &["crypto"]),
    // Signs and verifies with the key set it is handed; never reads the store.
    ("token", &["crypto", "domain", "clock"]),
    (
        "revocation",
        &["events", "redis_client", "store", "domain", "clock"],
    ),
    ("store", &["config", "domain"]),
    ("config", &["limits", "branding", "crypto", "domain"]),
    // What the pages look like: colours, the logo, the stylesheet and its hash.
    ("branding", &[]),
    ("crypto", &["metrics", "domain"]),
    // The process's counters: bumped from any layer, naming none.
    ("metrics", &[]),
    ("clock", &["domain"]),
    ("lib", &[]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names as `crate::<module>`, comments aside.
fn imports(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `$crate::` inside macros names the defining crate, not a module of ours.
            if !rest[..at].ends_with('$') && !name.is_empty() {
                found.insert(name);
            }
            rest = tail;
        }
    }
    found
}

fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

#[test]
fn imports_only_run_down_the_layers() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let may = allowed
            .get(module.as_str())
            .unwrap_or_else(|| panic!("module {module} has no place in ALLOWED"));
        for import in imports(&std::fs::read_to_string(file).unwrap()) {
            if import != module && !may.contains(&import.as_str()) {
                upward.push(format!("{} imports {import}", file.display()));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layering:\n{upward:#?}"
    );
}

#[test]
fn the_layering_itself_has_no_cycle() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    // Depth-first search; a module met again on the current path closes a cycle.
    fn visit<'a>(
        m: &'a str,
        allowed: &BTreeMap<&'a str, &'a [&'a str]>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        assert!(!path.contains(&m), "cycle: {path:?} -> {m}");
        if done.contains(m) {
            return;
        }
        path.push(m);
        for next in allowed.get(m).copied().unwrap_or(&[]) {
            visit(next, allowed, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in allowed.keys() {
        visit(m, &allowed, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_scanner_sees_imports_and_skips_comments() {
    let found = imports(
        "use crate::store::X;\n// crate::http in a comment\nlet a = crate::oauth::f(); $crate::x",
    );
    assert_eq!(
        found,
        ["oauth", "store"].into_iter().map(String::from).collect()
    );
}
