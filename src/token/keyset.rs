//! A key set: what signs and what verifies, parsed once and handed to `token` whole.
//!
//! The key lifecycle (`crate::keys`) builds a new set whenever the keys change and swaps
//! it in; this module never reads the store. A set holds the active key of each
//! algorithm (to sign), every published key by kid (to verify), the JWKS document, and a
//! cache of tokens already verified under exactly these keys, so a revoked key's tokens
//! cannot outlive it in the cache.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jsonwebtoken::DecodingKey;
use serde_json::json;

use crate::crypto::CryptoError;
use crate::crypto::keys::{KeyPair, PublicKey};
use crate::domain::{Kid, SigningAlg};
use crate::token::verified::VerifiedCache;

/// About 10 MB at most, some 6 MB more once every entry was introspected (its answer is
/// kept with it): enough for every live token of a busy deployment's hot set.
const VERIFIED_CACHE_ENTRIES: u64 = 20_000;

/// A key that signs.
#[derive(Debug)]
pub struct SigningKey {
    pub kid: Kid,
    pub pair: KeyPair,
}

/// A key that verifies: published in JWKS.
pub struct VerifyingKey {
    pub kid: Kid,
    pub alg: SigningAlg,
    pub decoding: DecodingKey,
    jwk: serde_json::Value,
}

impl VerifyingKey {
    pub fn new(kid: Kid, alg: SigningAlg, public: &PublicKey) -> Result<Self, CryptoError> {
        let b64 = crate::crypto::b64url;
        let (decoding, mut jwk) = match public {
            PublicKey::P256 { x, y } => (
                DecodingKey::from_ec_der(&[&[4u8][..], x, y].concat()),
                json!({ "kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y) }),
            ),
            PublicKey::Ed25519 { x } => (
                DecodingKey::from_ed_der(x),
                json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(x) }),
            ),
            PublicKey::Rsa { n, e } => (
                DecodingKey::from_rsa_raw_components(n, e),
                json!({ "kty": "RSA", "n": b64(n), "e": b64(e) }),
            ),
        };
        let consistent = matches!(
            (alg, public),
            (SigningAlg::Es256, PublicKey::P256 { .. })
                | (SigningAlg::EdDsa, PublicKey::Ed25519 { .. })
                | (SigningAlg::Rs256 | SigningAlg::Ps256, PublicKey::Rsa { .. })
        );
        if !consistent {
            return Err(CryptoError::Key("public key does not fit its algorithm"));
        }
        jwk["kid"] = kid.as_str().into();
        jwk["alg"] = alg.as_str().into();
        jwk["use"] = "sig".into();
        Ok(Self {
            kid,
            alg,
            decoding,
            jwk,
        })
    }
}

pub struct KeySet {
    signers: HashMap<SigningAlg, SigningKey>,
    verifiers: HashMap<String, VerifyingKey>,
    offered: BTreeSet<SigningAlg>,
    jwks: Arc<str>,
    /// Access tokens already verified under these keys.
    pub verified: VerifiedCache,
}

impl KeySet {
    /// A set that signs with `signers` (at most one per algorithm: the last wins),
    /// verifies and publishes `published`, and offers the algorithms in `offered` (those
    /// with an active or pending key; a retired key is published but offers nothing).
    pub fn new(
        signers: Vec<SigningKey>,
        published: Vec<VerifyingKey>,
        offered: BTreeSet<SigningAlg>,
    ) -> Self {
        let jwks = json!({
            "keys": published.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()
        })
        .to_string();
        Self {
            signers: signers.into_iter().map(|k| (k.pair.alg(), k)).collect(),
            verifiers: published
                .into_iter()
                .map(|k| (k.kid.as_str().to_owned(), k))
                .collect(),
            offered,
            jwks: jwks.into(),
            verified: VerifiedCache::new(VERIFIED_CACHE_ENTRIES),
        }
    }

    /// The active key of `alg`, if there is one.
    pub fn signer(&self, alg: SigningAlg) -> Option<&SigningKey> {
        self.signers.get(&alg)
    }

    /// The active keys, one per algorithm.
    pub fn signers(&self) -> impl Iterator<Item = &SigningKey> {
        self.signers.values()
    }

    /// The published key named `kid`.
    pub fn verifier(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifiers.get(kid)
    }

    /// The JWKS document (RFC 7517), rendered once per set.
    pub fn jwks(&self) -> Arc<str> {
        self.jwks.clone()
    }

    /// The algorithms with an active or pending key: what discovery lists.
    pub fn algorithms(&self) -> &BTreeSet<SigningAlg> {
        &self.offered
    }
}
