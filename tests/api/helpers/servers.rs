//! Servers a test owns and may stop: a throwaway `redis-server` on a port of its own, so a
//! test can kill Redis and bring it back empty, or from an old snapshot, without touching
//! the shared one.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ThrowawayRedis {
    pub port: u16,
    child: Option<Child>,
    /// TLS and an ACL user, for `start_tls`.
    tls: Option<Tls>,
    /// Where it keeps the snapshot it starts from, for `start_with_snapshots`.
    snapshots: Option<tempfile::TempDir>,
}

/// A private CA, a server certificate it signed, and the one user the server admits.
struct Tls {
    dir: tempfile::TempDir,
    user: String,
    password: String,
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (scripts/test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl ThrowawayRedis {
    /// Starts a Redis that keeps nothing on disk, on a free port.
    pub async fn start() -> Self {
        let port = free_port();
        let mut redis = Self {
            port,
            child: None,
            tls: None,
            snapshots: None,
        };
        redis.restart().await;
        redis
    }

    /// Starts a Redis that saves a snapshot only when told ([`Self::snapshot`]) and
    /// restarts from the last one: a restart then takes it back in time, as a failover to
    /// a replica that had not caught up would.
    pub async fn start_with_snapshots() -> Self {
        let mut redis = Self::start().await;
        redis.snapshots = Some(tempfile::tempdir().unwrap());
        redis.restart().await;
        redis
    }

    /// Saves a snapshot now (`SAVE`), which the next restart starts from.
    pub async fn snapshot(&self) {
        assert!(self.snapshots.is_some(), "started without snapshots");
        let mut conn = redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        redis::cmd("SAVE")
            .query_async::<()>(&mut conn)
            .await
            .unwrap();
    }

    /// Starts a Redis that speaks only TLS (a certificate from a private CA) and admits
    /// only the user `user` with `password`.
    pub async fn start_tls(user: &str, password: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        openssl(
            p,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=sigil test CA",
            ],
        );
        openssl(
            p,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        );
        std::fs::write(p.join("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        openssl(
            p,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "ext",
            ],
        );
        let port = free_port();
        let mut redis = Self {
            port,
            child: None,
            tls: Some(Tls {
                dir,
                user: user.to_owned(),
                password: password.to_owned(),
            }),
            snapshots: None,
        };
        redis.restart().await;
        redis
    }

    pub fn url(&self) -> String {
        match &self.tls {
            None => format!("redis://127.0.0.1:{}", self.port),
            Some(t) => format!("rediss://{}:{}@127.0.0.1:{}", t.user, t.password, self.port),
        }
    }

    /// The CA file a client needs to trust this server, when it speaks TLS.
    pub fn ca_file(&self) -> Option<std::path::PathBuf> {
        self.tls.as_ref().map(|t| t.dir.path().join("ca.crt"))
    }

    /// Stops it: every connection drops, and everything it held is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port: empty, or from its last snapshot when it keeps
    /// them. The old process is killed, so it saves nothing on the way out.
    pub async fn restart(&mut self) {
        self.stop();
        let mut cmd = Command::new("redis-server");
        cmd.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        if let Some(dir) = &self.snapshots {
            cmd.arg("--dir").arg(dir.path());
        }
        match &self.tls {
            None => {
                cmd.args(["--port", &self.port.to_string()]);
            }
            Some(t) => {
                let file = |name: &str| t.dir.path().join(name).display().to_string();
                cmd.args(["--port", "0", "--tls-port", &self.port.to_string()])
                    .args(["--tls-cert-file", &file("server.crt")])
                    .args(["--tls-key-file", &file("server.key")])
                    .args(["--tls-ca-cert-file", &file("ca.crt")])
                    .args(["--tls-auth-clients", "no"])
                    .args(["--user", "default", "off"])
                    .args(["--user", &t.user, "on", &format!(">{}", t.password)])
                    .args(["~*", "&*", "+@all"]);
            }
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/services)");
        self.child = Some(child);
        let client = match self.ca_file() {
            None => redis::Client::open(self.url()).unwrap(),
            Some(ca) => redis::Client::build_with_tls(
                self.url(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(std::fs::read(ca).unwrap()),
                },
            )
            .unwrap(),
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await
                && redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("redis-server did not come up on port {}", self.port);
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Makes the app's database refuse connections (and drops the ones it has), or lets
/// them in again. The shared server itself stays up for every other test.
pub async fn block_database(app: &super::TestApp, blocked: bool) {
    let url = app
        .env
        .iter()
        .find(|(k, _)| k == "DATABASE_URL")
        .map(|(_, v)| v.clone())
        .unwrap();
    let name = url.rsplit('/').next().unwrap().to_owned();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(super::PG_ADMIN_URL)
        .await
        .unwrap();
    let allow = if blocked { "false" } else { "true" };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {allow}"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    if blocked {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&name)
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
