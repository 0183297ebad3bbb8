//! Shared by the JWT targets: one key set made once per process, with an ES256 and an
//! EdDSA key, as a deployment that rotated between them would have.

use std::sync::OnceLock;

use sigil::crypto::keys::KeyPair;
use sigil::domain::{Kid, SigningAlg};
use sigil::token::keyset::{KeySet, SigningKey, VerifyingKey};

pub const ISSUER: &str = "https://sigil.fuzz";
pub const NOW: i64 = 1_800_000_000;

pub fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        sigil::crypto::jwt_provider::install();
        let mut signers = Vec::new();
        let mut published = Vec::new();
        for (alg, kid) in [
            (SigningAlg::Es256, "fuzz-es256"),
            (SigningAlg::EdDsa, "fuzz-eddsa"),
        ] {
            let (_, pair) = KeyPair::generate(alg).expect("a key");
            let kid = Kid::parse(kid).expect("a kid");
            let public = pair.public().expect("a public key");
            published.push(VerifyingKey::new(kid.clone(), alg, &public).expect("a verifier"));
            signers.push(SigningKey { kid, pair });
        }
        KeySet::new(
            signers,
            published,
            [SigningAlg::Es256, SigningAlg::EdDsa].into(),
        )
    })
}
