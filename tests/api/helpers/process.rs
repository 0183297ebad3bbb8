//! `sigil serve` as its own process, as an operator runs it: what it writes to stderr
//! is kept, line by line, for a test to read.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Served {
    pub child: Child,
    pub port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Served {
    /// Starts `sigil serve` with exactly `env` (and PATH), and waits until it listens.
    pub async fn start(env: &[(String, String)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sigil"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // It says which port it took once it listens; its stderr is drained to the end,
        // as a terminal or journald would, so its later lines never meet a closed pipe.
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (found, port) = tokio::sync::oneshot::channel();
        let kept = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            let mut found = Some(found);
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                // "listening on port N", or with JSON logs, {…"port":N…}.
                let port = line
                    .split("listening on port ")
                    .nth(1)
                    .or_else(|| {
                        line.contains("sigil is listening")
                            .then(|| line.split("\"port\":").nth(1))
                            .flatten()
                    })
                    .map(|rest| {
                        let digits: String =
                            rest.chars().take_while(char::is_ascii_digit).collect();
                        digits.parse::<u16>().unwrap()
                    });
                if let Some(port) = port
                    && let Some(tx) = found.take()
                {
                    let _ = tx.send(port);
                }
                kept.lock().unwrap().push(line);
            }
        });
        let port = tokio::time::timeout(Duration::from_secs(10), port)
            .await
            .expect("serve says it listens")
            .unwrap();
        Served { child, port, lines }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Asks it to stop (SIGTERM), as systemd does.
    pub fn terminate(&self) {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
    }

    /// Every line it has written to stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
