//! The master key: 32 random bytes that encrypt every signing key at rest.
//!
//! It lives in a file readable by its owner alone. sigil refuses a file that group or
//! others may read (a leaked master key opens every signing key in a database dump), and
//! creates a missing one atomically: written and synced under a temporary name, then
//! linked into place only if nothing is there yet, so two instances starting at once end
//! up with the same key rather than one overwriting the other's.
//!
//! Signing keys are sealed as `nonce ‖ AES-256-GCM(pkcs8)` with the key id as associated
//! data, so a ciphertext moved onto another key's row fails to open instead of signing
//! under the wrong `kid`.

use std::io::Write as _;
use std::path::Path;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use super::{CryptoError, random_bytes};

pub struct MasterKey(LessSafeKey);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

/// Why a master-key file was refused.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("{path} is readable by group or others (mode {mode:o}); run: chmod 600 {path}")]
    OpenPermissions { path: String, mode: u32 },
    #[error("{path} does not hold a master key (32 bytes)")]
    Malformed { path: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| CryptoError::Key("master key must be 32 bytes"))?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// Reads the master key from `path`, which must exist, hold 32 bytes and be private
    /// to its owner.
    pub fn load(path: &Path) -> Result<Self, MasterKeyError> {
        let shown = path.display().to_string();
        let io = |source| MasterKeyError::Io {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        check_private(&file, &shown)?;
        let mut bytes = Vec::with_capacity(32);
        std::io::Read::read_to_end(&mut std::io::Read::take(&file, 33), &mut bytes).map_err(io)?;
        Self::from_bytes(&bytes).map_err(|_| MasterKeyError::Malformed { path: shown })
    }

    /// Reads the master key from `path`, creating it (mode 0600, parent directories too)
    /// when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<Self, MasterKeyError> {
        match Self::create(path) {
            Ok(key) => Ok(key),
            Err(MasterKeyError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                Self::load(path)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates a new master key at `path`; `AlreadyExists` if there is one.
    pub fn create(path: &Path) -> Result<Self, MasterKeyError> {
        let shown = path.display().to_string();
        let io = |source| MasterKeyError::Io {
            path: shown.clone(),
            source,
        };
        if path.exists() {
            return Err(io(std::io::ErrorKind::AlreadyExists.into()));
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let bytes = random_bytes::<32>()?;
        let temporary = dir.join(format!(".master-key-{}", super::random_id()?));
        let written = write_private(&temporary, &bytes)
            // Link, not rename: it fails when `path` appeared meanwhile, where a rename
            // would silently replace a key that another instance may already be using.
            .and_then(|()| std::fs::hard_link(&temporary, path))
            .and_then(|()| sync_dir(dir));
        let _ = std::fs::remove_file(&temporary);
        written.map_err(io)?;
        Ok(Self::from_bytes(&bytes)?)
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

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the new directory entry durable, so a crash cannot lose a key already in use.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn check_private(file: &std::fs::File, shown: &str) -> Result<(), MasterKeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = file
            .metadata()
            .map_err(|source| MasterKeyError::Io {
                path: shown.to_owned(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(MasterKeyError::OpenPermissions {
                path: shown.to_owned(),
                mode: mode & 0o777,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (file, shown);
    Ok(())
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
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("master.key")]);
        assert!(matches!(
            MasterKey::create(&path),
            Err(MasterKeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists
        ));
    }

    #[cfg(unix)]
    #[test]
    fn open_permissions_and_wrong_sizes_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        MasterKey::create(&path).unwrap();
        for mode in [0o640, 0o604, 0o644] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            assert!(
                matches!(
                    MasterKey::load(&path),
                    Err(MasterKeyError::OpenPermissions { .. })
                ),
                "{mode:o}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(
            MasterKey::load(&path).is_ok(),
            "read-only for the owner is fine"
        );
        let short = dir.path().join("short.key");
        write_private(&short, &[1u8; 31]).unwrap();
        assert!(matches!(
            MasterKey::load(&short),
            Err(MasterKeyError::Malformed { .. })
        ));
        let long = dir.path().join("long.key");
        write_private(&long, &[1u8; 33]).unwrap();
        assert!(matches!(
            MasterKey::load(&long),
            Err(MasterKeyError::Malformed { .. })
        ));
    }
}
