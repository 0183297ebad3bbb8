//! Fuzzer-chosen header and claims, correctly signed with one of our keys (the first byte
//! picks which): verification accepts exactly the tokens sigil itself would mint (the
//! signing key's own alg and kid, typ at+jwt, no crit, our issuer, not expired), and an
//! accepted token's claims re-encode to what was signed.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sigil::domain::SigningAlg;
use sigil_fuzz_support::{ISSUER, NOW, keys};

#[path = "support.rs"]
mod sigil_fuzz_support;

fuzz_target!(|data: &[u8]| {
    let keys = keys();
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let alg = if pick % 2 == 0 {
        SigningAlg::Es256
    } else {
        SigningAlg::EdDsa
    };
    let signer = keys.signer(alg).expect("the fuzz key set signs with both");
    let Some(split) = data.iter().position(|b| *b == 0) else {
        return;
    };
    let (header, claims) = (&data[..split], &data[split + 1..]);
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let Ok(signature) = signer.pair.sign(message.as_bytes()) else {
        return;
    };
    let token = format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature));
    let Ok(verified) = sigil::token::jwt::verify_access(keys, &token, ISSUER, NOW) else {
        return;
    };
    let h: Value = serde_json::from_slice(header).expect("an accepted header is JSON");
    assert_eq!(h["alg"], alg.as_str());
    assert_eq!(h["typ"], "at+jwt");
    assert_eq!(h["kid"], signer.kid.as_str());
    assert!(h.get("crit").is_none());
    assert_eq!(
        verified.kid, signer.kid,
        "the key that verified is the one named"
    );
    assert_eq!(verified.claims.iss, ISSUER);
    assert!(verified.claims.exp > NOW);
    let c: Value = serde_json::from_slice(claims).expect("accepted claims are JSON");
    let again = serde_json::to_value(&verified.claims).expect("claims serialize");
    for (k, v) in again.as_object().expect("an object") {
        assert_eq!(&c[k], v, "claim {k} re-encodes to what was signed");
    }
});
