use super::*;

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn defaults_are_the_embedded_single_node() {
    let c = Config::load(None, &env_of(&[])).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.issuer, "http://127.0.0.1:8080");
    assert_eq!(
        c.store,
        StoreConfig::Sqlite {
            path: "sigil.db".into()
        }
    );
    assert_eq!(c.revocation, RevocationConfig::Memory);
    assert_eq!(c.access_token_ttl, 600);
    assert_eq!(c.password_hash, HashParams::default());
    assert_eq!(c.keys.access_token_alg, SigningAlg::Es256);
    assert_eq!(c.keys.rotation_days, None);
    assert!(c.keys.jwks_max_age() < c.keys.publish_ahead);
}

#[test]
fn environment_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sigil.toml");
    std::fs::write(
        &file,
        "issuer = \"https://file.example\"\naccess_token_ttl = 60\n",
    )
    .unwrap();
    let c = Config::load(
        Some(&file),
        &env_of(&[
            ("SIGIL_ISSUER", "https://env.example/"),
            ("DATABASE_URL", "postgres://u@h/db"),
            ("REDIS_URL", "redis://127.0.0.1/"),
        ]),
    )
    .unwrap();
    assert_eq!(c.issuer, "https://env.example");
    assert_eq!(c.access_token_ttl, 60);
    assert!(c.is_https());
    assert!(matches!(c.store, StoreConfig::Postgres { .. }));
    assert!(matches!(c.revocation, RevocationConfig::Redis { .. }));
}

#[test]
fn postgres_without_redis_needs_a_declared_single_node() {
    let err = Config::load(None, &env_of(&[("DATABASE_URL", "postgres://u@h/db")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("SIGIL_SINGLE_NODE=true"), "{err}");
    let single = Config::load(
        None,
        &env_of(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("SIGIL_SINGLE_NODE", "true"),
        ]),
    )
    .unwrap();
    assert_eq!(single.revocation, RevocationConfig::Memory);
}

#[test]
fn a_sqlite_database_url_selects_the_embedded_store() {
    for (url, path) in [
        ("sqlite://sigil.db", "sigil.db"),
        ("sqlite:data/sigil.db", "data/sigil.db"),
        (
            "sqlite:///var/lib/sigil/sigil.db",
            "/var/lib/sigil/sigil.db",
        ),
    ] {
        let env = [("DATABASE_URL", url)];
        let c = Config::load(None, &|name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .unwrap();
        assert_eq!(c.store, StoreConfig::Sqlite { path: path.into() }, "{url}");
    }
    for bad in ["sqlite://", "sqlite::memory:", "sqlite://x.db?mode=ro"] {
        let env = [("DATABASE_URL", bad)];
        let r = Config::load(None, &|name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        });
        assert!(r.is_err(), "{bad}");
    }
}

#[test]
fn bad_values_are_refused() {
    assert!(Config::load(None, &env_of(&[("SIGIL_LISTEN", "nowhere")])).is_err());
    assert!(Config::load(None, &env_of(&[("SIGIL_ISSUER", "https://x/?a=b")])).is_err());
    assert!(Config::load(None, &env_of(&[("DATABASE_URL", "mysql://x")])).is_err());
    assert!(Config::load(None, &env_of(&[("SIGIL_ACCESS_TOKEN_TTL", "0")])).is_err());
    assert!(Config::load(None, &env_of(&[("SIGIL_ACCESS_TOKEN_ALG", "HS256")])).is_err());
    assert!(Config::load(None, &env_of(&[("SIGIL_KEY_POLL_MS", "5")])).is_err());
    assert!(Config::load(None, &env_of(&[("SIGIL_ACCESS_TOKEN_TTL", "86401")])).is_err());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sigil.toml");
    std::fs::write(&file, "isuer = \"typo\"\n").unwrap();
    assert!(Config::load(Some(&file), &env_of(&[])).is_err());
}

#[test]
fn branding_is_checked_at_start_with_the_setting_named() {
    let c = Config::load(None, &env_of(&[])).unwrap();
    assert_eq!(c.branding.name(), "sigil");
    assert!(c.branding.logo().is_none());

    let named =
        |pairs: &'static [(&'static str, &'static str)]| match Config::load(None, &env_of(pairs)) {
            Err(ConfigError::Invalid { name, .. }) => name,
            Err(ConfigError::Read { .. }) => "read",
            other => panic!("{pairs:?}: {other:?}"),
        };
    assert_eq!(
        named(&[("SIGIL_ACCENT_COLOR", "red;} body{display:none")]),
        "SIGIL_ACCENT_COLOR"
    );
    assert_eq!(named(&[("SIGIL_DISPLAY_NAME", "  ")]), "SIGIL_DISPLAY_NAME");
    assert_eq!(
        named(&[("SIGIL_LOGO_FILE", "/nonexistent/logo.png")]),
        "read"
    );
    assert_eq!(
        named(&[("SIGIL_LOGO_FILE", "Cargo.toml")]),
        "SIGIL_LOGO_FILE"
    );
}
