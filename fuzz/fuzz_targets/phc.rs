//! PHC strings as read back from the store, through the real verification path (where
//! argon2 0.5 once overflowed on `8 * p`): parsing and verifying never panic, only argon2id
//! strings with exactly the configured parameters count as current, and a string outside
//! the cost bounds never verifies.
#![no_main]

use argon2::password_hash::PasswordHash;
use libfuzzer_sys::fuzz_target;
use sigil::crypto::passwords::{HashParams, phc_params, uses_params, verify_blocking};

/// Above this the fuzzer would spend its time hashing, not exploring: such strings are
/// still parsed and bounded, just not run through argon2.
fn cheap(p: &HashParams) -> bool {
    p.memory_kib <= 256 && p.iterations <= 2 && p.parallelism <= 4
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let params = HashParams::default();
    if uses_params(s, &params) {
        let parsed = PasswordHash::new(s).expect("a current hash parses");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }
    match phc_params(s) {
        // Out of bounds or not argon2id: refused before argon2 sees it.
        None => assert!(!verify_blocking(s, b"password")),
        Some(p) if cheap(&p) => {
            let _ = verify_blocking(s, b"password");
        }
        Some(_) => {}
    }
});
