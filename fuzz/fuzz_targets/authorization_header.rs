//! `Authorization: Basic` and `Bearer`: parsing never panics, and Basic credentials that
//! parse re-encode (form-urlencoded, then base64) to credentials that parse the same.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use sigil::oauth::client_auth::parse_basic;
use sigil::oidc::userinfo::parse_bearer;

fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(token) = parse_bearer(header) {
        assert!(!token.is_empty() && !token.contains(' '));
    }
    if let Ok((id, secret)) = parse_basic(header) {
        let again = format!(
            "Basic {}",
            STANDARD.encode(format!(
                "{}:{}",
                form_encode(id.as_str()),
                form_encode(&secret)
            ))
        );
        // Percent-encoding can grow the value past the header bound; within it, the
        // re-encoded credentials must parse back to the same pair.
        if again.len() <= 1024 {
            let (id2, secret2) = parse_basic(&again).expect("re-encoded credentials parse");
            assert_eq!((id, secret), (id2, secret2));
        }
    }
});
