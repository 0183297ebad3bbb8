//! A `jsonwebtoken` [`CryptoProvider`] backed by `ring`, so one crypto library serves
//! keys, JWTs, random tokens and rustls.
//!
//! Only the algorithms sigil signs with are provided. Any other `alg` in a presented
//! token fails at the factory, before a verifier exists: HS* in particular is absent,
//! which closes the RS/ES→HS confusion attack by construction.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    UnparsedPublicKey,
};

/// Parsed key pairs by PKCS#8 bytes. `jsonwebtoken` asks the factory for a signer on
/// every `encode`, and parsing a P-256 PKCS#8 document costs a scalar multiplication;
/// signing keys are few and long-lived, so each is parsed once.
static SIGNERS: LazyLock<RwLock<HashMap<Vec<u8>, Arc<EcdsaKeyPair>>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));
const MAX_CACHED_SIGNERS: usize = 64;

struct Es256Signer(Arc<EcdsaKeyPair>);

impl Signer<Vec<u8>> for Es256Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let sig = self
            .0
            .sign(&SystemRandom::new(), msg)
            .map_err(|_| signature::Error::new())?;
        Ok(sig.as_ref().to_vec())
    }
}

impl JwtSigner for Es256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }
}

struct Es256Verifier(Vec<u8>);

impl Verifier<Vec<u8>> for Es256Verifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.0)
            .verify(msg, sig)
            .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Es256Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }
}

fn es256_pair(pkcs8: &[u8]) -> Result<Arc<EcdsaKeyPair>, Error> {
    if let Some(pair) = SIGNERS.read().ok().and_then(|m| m.get(pkcs8).cloned()) {
        return Ok(pair);
    }
    let pair = Arc::new(
        EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|_| Error::from(ErrorKind::InvalidEcdsaKey))?,
    );
    if let Ok(mut map) = SIGNERS.write() {
        if map.len() >= MAX_CACHED_SIGNERS {
            map.clear();
        }
        map.insert(pkcs8.to_vec(), pair.clone());
    }
    Ok(pair)
}

fn new_signer(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    match alg {
        Algorithm::ES256 => Ok(Box::new(Es256Signer(es256_pair(key.as_bytes())?))),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

fn new_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    match alg {
        Algorithm::ES256 => Ok(Box::new(Es256Verifier(key.try_get_as_bytes()?.to_vec()))),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

fn unsupported_rsa(_: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn ec_components(pkcs8: &[u8], alg: Algorithm) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>), Error> {
    if alg != Algorithm::ES256 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let pair = es256_pair(pkcs8)?;
    let (x, y) = crate::crypto::keys::p256_coordinates(pair.public_key().as_ref())
        .map_err(|_| Error::from(ErrorKind::InvalidEcdsaKey))?;
    Ok((EllipticCurve::P256, x.to_vec(), y.to_vec()))
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
        ec_pub_components_from_private_key: ec_components,
        ed_pub_components_from_private_key: unsupported_ed,
        compute_digest: digest,
    },
};

/// Installs [`RING_PROVIDER`] as the process default. Idempotent: a second call (tests
/// build many applications in one process) finds it installed and succeeds.
pub fn install() {
    let _ = RING_PROVIDER.install_default();
}
