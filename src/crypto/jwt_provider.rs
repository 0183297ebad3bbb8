//! A `jsonwebtoken` [`CryptoProvider`] backed by `ring`, so one crypto library serves
//! keys, JWTs, random tokens and rustls.
//!
//! `jsonwebtoken` only verifies here: sigil signs with the key pairs its key set holds
//! (`crypto::keys::KeyPair`), parsed once when the set is built, so the provider keeps no
//! cache of private keys and makes no signer at all. It verifies exactly the algorithms
//! sigil signs with; any other `alg` fails at the factory, before a verifier exists: HS*
//! in particular is absent, which closes the RS/ES→HS confusion attack by construction.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{self, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256,
    RsaPublicKeyComponents, UnparsedPublicKey,
};

/// A public key and the one algorithm it verifies.
struct RingVerifier {
    alg: Algorithm,
    key: Public,
}

enum Public {
    /// An uncompressed P-256 point or 32 Ed25519 bytes.
    Bytes(Vec<u8>),
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
}

impl Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let checked = match (&self.alg, &self.key) {
            (Algorithm::ES256, Public::Bytes(point)) => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).verify(msg, sig)
            }
            (Algorithm::EdDSA, Public::Bytes(x)) => {
                UnparsedPublicKey::new(&ED25519, x).verify(msg, sig)
            }
            (Algorithm::RS256, Public::Rsa { n, e }) => {
                RsaPublicKeyComponents { n, e }.verify(&RSA_PKCS1_2048_8192_SHA256, msg, sig)
            }
            (Algorithm::PS256, Public::Rsa { n, e }) => {
                RsaPublicKeyComponents { n, e }.verify(&RSA_PSS_2048_8192_SHA256, msg, sig)
            }
            _ => return Err(signature::Error::new()),
        };
        checked.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

fn new_signer(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn new_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    let key = match (alg, key.kind()) {
        (Algorithm::ES256 | Algorithm::EdDSA, DecodingKeyKind::SecretOrDer(bytes)) => {
            Public::Bytes(bytes.clone())
        }
        (Algorithm::RS256 | Algorithm::PS256, DecodingKeyKind::RsaModulusExponent { n, e }) => {
            Public::Rsa {
                n: n.clone(),
                e: e.clone(),
            }
        }
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    Ok(Box::new(RingVerifier { alg: *alg, key }))
}

fn unsupported_rsa(_: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn unsupported_ec(_: &[u8], _: Algorithm) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>), Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn unsupported_ed(_: &[u8], _: &EllipticCurve) -> Result<Vec<u8>, Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>, Error> {
    let alg = match hash {
        ThumbprintHash::SHA256 => &ring::digest::SHA256,
        ThumbprintHash::SHA384 => &ring::digest::SHA384,
        ThumbprintHash::SHA512 => &ring::digest::SHA512,
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    Ok(ring::digest::digest(alg, data).as_ref().to_vec())
}

pub static RING_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: unsupported_rsa,
        rsa_pub_components_from_public_key: unsupported_rsa,
        ec_pub_components_from_private_key: unsupported_ec,
        ed_pub_components_from_private_key: unsupported_ed,
        compute_digest: digest,
    },
};

/// Installs [`RING_PROVIDER`] as the process default. Idempotent: a second call (tests
/// build many applications in one process) finds it installed and succeeds.
pub fn install() {
    let _ = RING_PROVIDER.install_default();
}
