//! PHC strings as read back from the store: parsing never panics, and only argon2id
//! strings with exactly the configured parameters count as current.
#![no_main]

use argon2::password_hash::PasswordHash;
use libfuzzer_sys::fuzz_target;
use sigil::crypto::passwords::{HashParams, uses_params};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let params = HashParams::default();
    if uses_params(s, &params) {
        let parsed = PasswordHash::new(s).expect("a current hash parses");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }
});
