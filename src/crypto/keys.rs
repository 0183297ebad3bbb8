//! Key material: the master key that encrypts signing keys at rest, and ES256 key pairs.
//!
//! The master key is 32 random bytes in a file readable by its owner only (mode 0600),
//! created on first start when absent. Signing keys are stored as
//! `nonce ‖ AES-256-GCM(pkcs8)` with the key id as associated data, so a ciphertext moved
//! onto another key's row fails to decrypt instead of signing under the wrong `kid`.

use std::io::Write as _;
use std::path::Path;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};

use super::{CryptoError, random_bytes};

pub struct MasterKey(LessSafeKey);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| CryptoError::Key("master key must be 32 bytes"))?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// Reads the master key from `path`, creating it (mode 0600, parent directories too)
    /// when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let bytes = random_bytes::<32>()?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt as _;
                    options.mode(0o600);
                }
                let mut file = options.open(path)?;
                file.write_all(&bytes)?;
                file.sync_all()?;
                Self::from_bytes(&bytes)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce_bytes = random_bytes::<NONCE_LEN>()?;
        let mut buf = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(aad),
                &mut buf,
            )
            .map_err(|_| CryptoError::Key("sealing failed"))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Decrypt)?;
        let mut buf = ciphertext.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(plain.to_vec())
    }
}

/// A freshly generated P-256 key: its PKCS#8 document and uncompressed public point.
pub struct GeneratedKey {
    pub pkcs8: Vec<u8>,
    pub public: Vec<u8>,
}

pub fn generate_es256() -> Result<GeneratedKey, CryptoError> {
    let rng = SystemRandom::new();
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| CryptoError::Key("P-256 generation failed"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref(), &rng)
        .map_err(|_| CryptoError::Key("generated P-256 key does not parse"))?;
    Ok(GeneratedKey {
        pkcs8: doc.as_ref().to_vec(),
        public: pair.public_key().as_ref().to_vec(),
    })
}

/// Splits an uncompressed P-256 point (`04 ‖ x ‖ y`) into its coordinates.
pub fn p256_coordinates(public: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    match public {
        [4, rest @ ..] if rest.len() == 64 => Ok(rest.split_at(32)),
        _ => Err(CryptoError::Key("not an uncompressed P-256 point")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let key = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let sealed = key.seal(b"kid-1", b"secret").unwrap();
        assert_eq!(key.open(b"kid-1", &sealed).unwrap(), b"secret");
        assert!(key.open(b"kid-2", &sealed).is_err());
        let other = MasterKey::from_bytes(&[8u8; 32]).unwrap();
        assert!(other.open(b"kid-1", &sealed).is_err());
        assert!(key.open(b"kid-1", &sealed[..5]).is_err());
    }

    #[test]
    fn master_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/master.key");
        let a = MasterKey::load_or_create(&path).unwrap();
        let sealed = a.seal(b"", b"x").unwrap();
        let b = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(b.open(b"", &sealed).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn generated_key_has_p256_point() {
        let key = generate_es256().unwrap();
        let (x, y) = p256_coordinates(&key.public).unwrap();
        assert_eq!((x.len(), y.len()), (32, 32));
    }
}
