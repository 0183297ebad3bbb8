//! How every part of sigil that talks to Redis opens its client: a `redis://` or
//! `rediss://` URL (with a username and password when the server has ACL users), and for
//! `rediss://` the certificate authority that signed the server's certificate, when it is
//! a private one (`SIGIL_REDIS_CA_FILE`; otherwise the system's roots). TLS is rustls on
//! ring, like everything else.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum RedisOpenError {
    #[error("Redis CA file {path}: {source}")]
    CaFile {
        path: String,
        source: std::io::Error,
    },
    #[error("Redis URL: {0}")]
    Url(#[from] redis::RedisError),
}

pub fn open(url: &str, ca_file: Option<&Path>) -> Result<redis::Client, RedisOpenError> {
    crate::crypto::install_providers();
    let Some(path) = ca_file else {
        return Ok(redis::Client::open(url)?);
    };
    let pem = std::fs::read(path).map_err(|source| RedisOpenError::CaFile {
        path: path.display().to_string(),
        source,
    })?;
    Ok(redis::Client::build_with_tls(
        url,
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(pem),
        },
    )?)
}
