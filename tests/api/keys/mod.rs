//! The signing-key lifecycle, driven through the real CLI against running instances:
//! rotation without a single failed verification at a resource server that caches JWKS,
//! revocation reaching every instance within 2 s, rewrapping under a new master key, RSA
//! import verified by an independent JWT library, the schedule, refusals that change
//! nothing, and keys that cannot be read.

mod algorithms;
mod lifecycle;
mod outage;
mod refusals;

use std::time::{Duration, Instant};

use jsonwebtoken::{DecodingKey, Validation, jwk::JwkSet};
use serde_json::Value;

use crate::helpers::TestApp;

/// Sets `name` in an app's environment.
pub fn set(env: &mut Vec<(String, String)>, name: &str, value: &str) {
    env.retain(|(k, _)| k != name);
    env.push((name.into(), value.into()));
}

pub async fn jwks(app: &TestApp) -> (Value, Option<u64>) {
    let res = app.get("/jwks.json").await;
    assert_eq!(res.status(), 200);
    let max_age = res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .split("max-age=")
        .nth(1)
        .and_then(|v| v.parse().ok());
    (res.json().await.unwrap(), max_age)
}

pub fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// A resource server as client libraries build one: it verifies access tokens against a
/// JWKS it caches for as long as `Cache-Control: max-age` allows, and no longer.
pub struct ResourceServer {
    pub set: JwkSet,
    pub fetched: Instant,
    pub max_age: Duration,
}

impl ResourceServer {
    pub async fn new(app: &TestApp) -> Self {
        let (doc, max_age) = jwks(app).await;
        Self {
            set: serde_json::from_value(doc).unwrap(),
            fetched: Instant::now(),
            max_age: Duration::from_secs(max_age.unwrap()),
        }
    }

    pub async fn verify(&mut self, app: &TestApp, token: &str) -> Result<(), String> {
        if self.fetched.elapsed() >= self.max_age {
            *self = Self::new(app).await;
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        let kid = header.kid.ok_or("no kid")?;
        let jwk = self
            .set
            .find(&kid)
            .ok_or_else(|| format!("kid {kid} not in the cached JWKS"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(header.alg);
        validation.validate_aud = false;
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

pub fn access_token(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// Polls `check` until it holds or `within` has passed; returns how long it took.
pub async fn within<F, Fut>(within: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < within {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

pub fn openssl_rsa_key(path: &std::path::Path) {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .arg("-out")
        .arg(path)
        .output()
        .expect("openssl is installed (scripts/test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Verifies `token` with PyJWT (Python's standard JWT library) against `jwks`, as a
/// resource server in another language would.
pub fn pyjwt_verifies(token: &str, jwks: &Value, issuer: &str) -> Result<Value, String> {
    const SCRIPT: &str = "import json, sys, jwt\n\
token, jwks, issuer = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]\n\
kid = jwt.get_unverified_header(token)['kid']\n\
key = next(k for k in jwks['keys'] if k['kid'] == kid)\n\
claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=[key['alg']], issuer=issuer,\n\
    audience=issuer)\n\
print(json.dumps(claims))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", SCRIPT, token, &jwks.to_string(), issuer])
        .output()
        .expect("python3 with PyJWT is installed (scripts/test)");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn pyjwt_id_token(
    token: &str,
    jwks: &Value,
    audience: &str,
    issuer: &str,
) -> Result<Value, String> {
    const SCRIPT: &str = "import json, sys, jwt\n\
token, jwks, audience, issuer = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]\n\
kid = jwt.get_unverified_header(token)['kid']\n\
key = next(k for k in jwks['keys'] if k['kid'] == kid)\n\
claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=[key['alg']], issuer=issuer,\n\
    audience=audience)\n\
print(json.dumps(claims))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", SCRIPT, token, &jwks.to_string(), audience, issuer])
        .output()
        .expect("python3 with PyJWT is installed (scripts/test)");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
