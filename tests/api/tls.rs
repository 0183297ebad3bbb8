//! sigil's own https: rustls, TLS 1.2 and 1.3, HSTS, and a certificate reloaded without a
//! restart when its files change or on SIGHUP. The certificates are made here (rcgen) and
//! the client is rustls itself, so the test sees the protocol and certificate it got.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, ProtocolVersion, RootCertStore};

use crate::helpers::{Backend, TestApp, spawn_app_with};

struct Ca(CertifiedIssuer<'static, KeyPair>);

impl Ca {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        Self(CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap())
    }

    /// A certificate for 127.0.0.1, as (certificate PEM, key PEM, certificate DER).
    fn server(&self, name: &str) -> (String, String, CertificateDer<'static>) {
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.0).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().clone())
    }
}

struct Handshake {
    version: ProtocolVersion,
    certificate: CertificateDer<'static>,
    response: String,
}

/// Speaks TLS (`versions` only) to the app, trusting `ca`, and asks for /healthz.
async fn handshake(
    app: &TestApp,
    ca: &Ca,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> std::io::Result<Handshake> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.0.der().clone()).unwrap();
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let port = app.address.rsplit(':').next().unwrap();
    let tcp = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await?;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await?;
    let (_, conn) = tls.get_ref();
    Ok(Handshake {
        version: conn.protocol_version().unwrap(),
        certificate: conn.peer_certificates().unwrap()[0].clone(),
        response: String::from_utf8_lossy(&response).into_owned(),
    })
}

/// Writes a file the way a renewal should: whole, then moved into place.
fn replace(path: &std::path::Path, contents: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn served_with(app: &TestApp, ca: &Ca, expected: &CertificateDer<'static>) -> bool {
    let deadline = Instant::now() + Duration::from_secs(6);
    while Instant::now() < deadline {
        if let Ok(h) = handshake(app, ca, &[&rustls::version::TLS13]).await
            && &h.certificate == expected
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_speaks_tls_1_2_and_1_3_sends_hsts_and_reloads_its_certificate() {
    let ca = Ca::new("sigil test CA");
    let dir = tempfile::tempdir().unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (cert, key, first) = ca.server("first");
    std::fs::write(&cert_file, &cert).unwrap();
    std::fs::write(&key_file, &key).unwrap();
    let (c, k) = (cert_file.clone(), key_file.clone());
    let app = spawn_app_with(Backend::Sqlite, move |env| {
        env.retain(|(name, _)| name != "SIGIL_ISSUER");
        env.push(("SIGIL_ISSUER".into(), "https://sigil.test".into()));
        env.push(("SIGIL_TLS_CERT_FILE".into(), c.display().to_string()));
        env.push(("SIGIL_TLS_KEY_FILE".into(), k.display().to_string()));
    })
    .await;

    let h13 = handshake(&app, &ca, &[&rustls::version::TLS13])
        .await
        .unwrap();
    assert_eq!(h13.version, ProtocolVersion::TLSv1_3);
    assert_eq!(h13.certificate, first);
    assert!(h13.response.starts_with("HTTP/1.1 200"), "{}", h13.response);
    assert!(
        h13.response
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{}",
        h13.response
    );
    let h12 = handshake(&app, &ca, &[&rustls::version::TLS12])
        .await
        .unwrap();
    assert_eq!(h12.version, ProtocolVersion::TLSv1_2);
    // A client that does not trust the issuer gets no connection.
    assert!(
        handshake(&app, &Ca::new("another CA"), &[&rustls::version::TLS13])
            .await
            .is_err()
    );
    // Plain HTTP on the https port gets no answer of ours.
    let plain = app
        .http
        .get(format!(
            "http://127.0.0.1:{}/healthz",
            app.address.rsplit(':').next().unwrap()
        ))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);

    // A renewal: new files, picked up without a restart.
    let (cert, key, second) = ca.server("second");
    replace(&key_file, &key);
    replace(&cert_file, &cert);
    assert!(
        served_with(&app, &ca, &second).await,
        "the new certificate is served"
    );

    // A broken file keeps the certificate in use.
    replace(&cert_file, "-----BEGIN CERTIFICATE-----\nnot base64\n");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let h = handshake(&app, &ca, &[&rustls::version::TLS13])
        .await
        .unwrap();
    assert_eq!(h.certificate, second);

    // SIGHUP reloads even when the files look unchanged (same sizes and times).
    replace(&cert_file, &cert);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (cert, key, third) = loop {
        let made = ca.server("third");
        if made.0.len() == cert.len() && made.1.len() == key.len() {
            break made;
        }
    };
    let stamps: Vec<std::time::SystemTime> = [&cert_file, &key_file]
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    std::fs::write(&key_file, &key).unwrap();
    std::fs::write(&cert_file, &cert).unwrap();
    for (path, stamp) in [&cert_file, &key_file].iter().zip(stamps) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(stamp)
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let h = handshake(&app, &ca, &[&rustls::version::TLS13])
        .await
        .unwrap();
    assert_eq!(h.certificate, second, "no change seen without a signal");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    assert!(served_with(&app, &ca, &third).await, "SIGHUP reloads");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_that_cannot_serve_stops_the_start() {
    let ca = Ca::new("sigil test CA");
    let dir = tempfile::tempdir().unwrap();
    let (cert, _, _) = ca.server("a");
    let (_, other_key, _) = ca.server("b");
    let cert_file = dir.path().join("cert.pem");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&cert_file, &cert).unwrap();
    std::fs::write(&key_file, &other_key).unwrap();
    let mut env = crate::helpers::test_env(Backend::Sqlite, dir.path()).await;
    env.retain(|(name, _)| name != "SIGIL_ISSUER");
    env.push(("SIGIL_ISSUER".into(), "https://sigil.test".into()));
    env.push((
        "SIGIL_TLS_CERT_FILE".into(),
        cert_file.display().to_string(),
    ));
    env.push(("SIGIL_TLS_KEY_FILE".into(), key_file.display().to_string()));
    let out = crate::helpers::sigil(&env, &["serve"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("do not go together"), "{err}");

    env.retain(|(name, _)| name != "SIGIL_TLS_KEY_FILE");
    let out = crate::helpers::sigil(&env, &["serve"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIGIL_TLS_KEY_FILE"));
}

/// A Postgres of the test's own that takes TLS connections only (`hostssl`), with a
/// certificate from `ca`. Stopped when dropped.
struct TlsPostgres {
    dir: tempfile::TempDir,
    port: u16,
}

fn as_postgres(args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    out
}

fn pg_bin(name: &str) -> String {
    let versions = std::fs::read_dir("/usr/lib/postgresql").unwrap();
    let mut found: Vec<_> = versions.filter_map(|v| v.ok()).map(|v| v.path()).collect();
    found.sort();
    found
        .last()
        .unwrap()
        .join("bin")
        .join(name)
        .display()
        .to_string()
}

impl TlsPostgres {
    fn start(ca: &Ca) -> Self {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let id = std::process::Command::new("id")
            .args(["-u", "postgres"])
            .output()
            .unwrap();
        let uid: u32 = String::from_utf8(id.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::os::unix::fs::chown(dir.path(), Some(uid), None).unwrap();
        let data = dir.path().join("data");
        let data_s = data.display().to_string();
        as_postgres(&[
            &pg_bin("initdb"),
            "-D",
            &data_s,
            "-A",
            "trust",
            "-U",
            "postgres",
        ]);
        let (cert, key, _) = ca.server("postgres");
        for (name, contents) in [("server.crt", cert), ("server.key", key)] {
            let path = data.join(name);
            std::fs::write(&path, contents).unwrap();
            std::os::unix::fs::chown(&path, Some(uid), None).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let port = crate::helpers::free_port();
        let conf = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nfsync = off\n",
            dir.path().display()
        );
        let mut pg_conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        pg_conf.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), pg_conf).unwrap();
        // Over the network, TLS or nothing.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        let log = dir.path().join("log").display().to_string();
        as_postgres(&[&pg_bin("pg_ctl"), "-D", &data_s, "-l", &log, "-w", "start"]);
        Self { dir, port }
    }

    fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?{query}",
            self.port
        )
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = std::process::Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                &pg_bin("pg_ctl"),
                "-D",
                &data,
                "-m",
                "immediate",
                "stop",
            ])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_is_verified_against_its_ca() {
    let ca = Ca::new("database CA");
    let pg = TlsPostgres::start(&ca);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.0.pem()).unwrap();
    let stranger_file = dir.path().join("stranger.pem");
    std::fs::write(&stranger_file, Ca::new("another CA").0.pem()).unwrap();
    let base = crate::helpers::test_env(Backend::Sqlite, dir.path()).await;
    let migrate = |url: String| {
        let mut env = base.clone();
        env.push(("DATABASE_URL".into(), url));
        env.push(("SIGIL_SINGLE_NODE".into(), "true".into()));
        crate::helpers::sigil(&env, &["migrate"], None)
    };
    let verified = migrate(pg.url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        ca_file.display()
    )));
    assert!(verified.status.success(), "{verified:?}");
    // A server whose certificate the CA file does not vouch for is refused…
    let stranger = migrate(pg.url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        stranger_file.display()
    )));
    assert!(!stranger.status.success(), "{stranger:?}");
    // …and this server takes nothing but TLS, so the first connection was TLS.
    let plain = migrate(pg.url("sslmode=disable"));
    assert!(!plain.status.success(), "{plain:?}");
}
