//! PKCE verifier and challenge: parsing never panics, bounds hold, and a verifier's own
//! S256 challenge always parses and is satisfied by it.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use sigil::domain::{CodeChallenge, CodeVerifier};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = CodeChallenge::parse(s, Some("S256"));
    assert!(CodeChallenge::parse(s, Some("plain")).is_err());
    if let Ok(v) = CodeVerifier::parse(s) {
        assert!((43..=128).contains(&s.len()));
        let challenge = URL_SAFE_NO_PAD.encode(sigil::crypto::sha256(s.as_bytes()));
        let c = CodeChallenge::parse(&challenge, Some("S256")).expect("our own challenge parses");
        assert!(c.is_satisfied_by(&v));
    }
});
