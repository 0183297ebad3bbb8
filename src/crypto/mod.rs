//! Cryptographic primitives, all from `ring` (argon2 excepted): randomness, digests,
//! constant-time comparison, password hashing on a bounded pool, signing keys and
//! the `jsonwebtoken` provider.
//!
//! Nothing here logs, and no type here prints a secret in `Debug`.

pub mod jwt_provider;
pub mod keys;
pub mod master_key;
pub mod passwords;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the system random source failed")]
    Random,
    #[error("a key could not be parsed or generated: {0}")]
    Key(&'static str),
    #[error("decryption failed: wrong master key or tampered data")]
    Decrypt,
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error("the password hashing pool is saturated")]
    Busy,
    #[error("I/O on key material failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Installs ring as the one crypto provider, for `jsonwebtoken` and for rustls (Redis and
/// Postgres over TLS). Idempotent.
pub fn install_providers() {
    jwt_provider::install();
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| CryptoError::Random)?;
    Ok(out)
}

/// A 256-bit random value, base64url without padding (43 characters).
pub fn random_token() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// A 128-bit random identifier, base64url without padding (22 characters). For ids
/// that are not secrets (jti, grant ids, client ids, key ids).
pub fn random_id() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<16>()?))
}

/// A fresh typed identifier from 128 random bits, e.g. `crypto::new_id(GrantId::from_random)`.
pub fn new_id<T>(from_random: fn([u8; 16]) -> T) -> Result<T, CryptoError> {
    Ok(from_random(random_bytes::<16>()?))
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Equality whose running time does not depend on where the inputs differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_43_chars_and_distinct() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn ct_eq_compares_length_and_content() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(ct_eq(b"", b""));
    }
}
