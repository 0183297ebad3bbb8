//! Imported key files and stored public keys: `sigil keys import --pem` reads a file an
//! operator names, and a stored public key is read back for JWKS. Neither parser panics,
//! a PEM is accepted only as an RSA private key that signs, and a stored public key reads
//! back only in the shape it was written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil::crypto::keys::{KeyPair, PublicKey};
use sigil::domain::SigningAlg;

fuzz_target!(|data: &[u8]| {
    for alg in SigningAlg::ALL {
        if let Ok((pkcs8, pair)) = KeyPair::import_pem(alg, data) {
            assert!(alg.is_rsa(), "only RSA keys are imported");
            assert_eq!(pair.alg(), alg);
            assert!(KeyPair::from_pkcs8(alg, &pkcs8).is_ok());
        }
        if let Ok(public) = PublicKey::from_stored(alg, data) {
            assert_eq!(public.to_stored(), data, "{alg}: stored form round-trips");
        }
    }
});
