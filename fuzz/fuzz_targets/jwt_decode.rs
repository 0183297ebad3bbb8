//! Arbitrary bytes as a presented access token: never a panic, never a valid token
//! (the fuzzer cannot forge our ES256 signature), whatever the header says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_fuzz_support::{ISSUER, NOW, keys};

#[path = "support.rs"]
mod sigil_fuzz_support;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let result = sigil::token::jwt::verify_access(keys(), token, ISSUER, NOW);
    assert!(result.is_err(), "an unsigned input verified: {token:?}");
});
