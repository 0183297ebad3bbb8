//! argon2id PHC strings: writing one, checking a password against one, and reading the
//! cost parameters out of one without trusting it. The hashing itself runs in memory the
//! caller lends ([`Memory`]), so a worker reuses one buffer for every job.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::HashParams;
use super::pool::Memory;
use crate::crypto::{CryptoError, random_bytes};

/// The length of the hash sigil writes (argon2's default).
const OUTPUT_LEN: usize = 32;

/// Cost limits a stored hash must respect before argon2 sees it. Stored hashes are
/// sigil's own, but a corrupted or planted row must cost a refusal, not gigabytes of
/// memory or a panic: argon2 0.5's parameter check multiplies `8 * p` unchecked, which
/// overflows for a huge `p` (found by `fuzz/fuzz_targets/phc.rs`).
const MAX_MEMORY_KIB: u32 = 1 << 20;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 64;

fn failed(e: impl std::fmt::Display) -> CryptoError {
    CryptoError::Password(e.to_string())
}

fn argon2id(params: &HashParams, output_len: usize) -> Result<Argon2<'static>, CryptoError> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(output_len),
    )
    .map_err(failed)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
}

/// The blocks argon2 needs for `params`.
pub fn block_count(params: &HashParams) -> usize {
    argon2id(params, OUTPUT_LEN).map_or(0, |a| a.params().block_count())
}

/// Hashes `password` with a fresh salt into a PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
pub fn hash_with(
    params: &HashParams,
    password: &[u8],
    memory: &mut Memory,
) -> Result<String, CryptoError> {
    let salt_bytes = random_bytes::<16>()?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(failed)?;
    let argon2 = argon2id(params, OUTPUT_LEN)?;
    let mut out = [0u8; OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(
            password,
            &salt_bytes,
            &mut out,
            memory.blocks(argon2.params().block_count()),
        )
        .map_err(failed)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// Checks `password` against a stored PHC string, in `memory`. A malformed or
/// out-of-bounds stored hash verifies as false: a broken row must never let anyone in,
/// nor take the server down.
pub fn verify_with(stored: &str, password: &[u8], memory: &mut Memory) -> bool {
    let Some(params) = phc_params(stored) else {
        tracing::error!("a stored password hash is malformed or out of bounds");
        return false;
    };
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let Ok(argon2) = argon2id(&params, expected.len()) else {
        return false;
    };
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    let blocks = memory.blocks(argon2.params().block_count());
    if argon2
        .hash_password_into_with_memory(password, salt_bytes, out, blocks)
        .is_err()
    {
        return false;
    }
    crate::crypto::ct_eq(out, expected.as_bytes())
}

/// [`verify_with`] in memory of its own: for callers outside the workers (a fuzz target).
pub fn verify_blocking(stored: &str, password: &[u8]) -> bool {
    verify_with(stored, password, &mut Memory::new(0))
}

/// The cost parameters of a stored argon2id PHC string, read without argon2's own
/// parameter parsing, or `None` if the string is anything else or out of bounds.
pub fn phc_params(stored: &str) -> Option<HashParams> {
    let parsed = PasswordHash::new(stored).ok()?;
    if parsed.algorithm != argon2::ARGON2ID_IDENT || parsed.version != Some(0x13) {
        return None;
    }
    // Exactly m, t and p, each once: argon2 reads a repeated parameter differently from
    // `get_decimal` (found by `fuzz/fuzz_targets/phc.rs`: `m=38,t=2,m=444444444` passed
    // the bound on its first `m` and had argon2 allocate by the second), and `keyid` or
    // `data` have no place in a hash sigil wrote.
    let mut names: Vec<&str> = parsed
        .params
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    names.sort_unstable();
    if names != ["m", "p", "t"] {
        return None;
    }
    let get = |name: &str| parsed.params.get_decimal(name);
    let found = HashParams {
        memory_kib: get("m")?,
        iterations: get("t")?,
        parallelism: get("p")?,
    };
    let in_bounds = (1..=MAX_PARALLELISM).contains(&found.parallelism)
        && (1..=MAX_ITERATIONS).contains(&found.iterations)
        && (8 * found.parallelism..=MAX_MEMORY_KIB).contains(&found.memory_kib);
    in_bounds.then_some(found)
}

/// Whether a stored PHC string is argon2id with exactly `params`; anything else is "no",
/// which leads to a re-hash on the next successful login.
pub fn uses_params(stored: &str, params: &HashParams) -> bool {
    phc_params(stored).is_some_and(|found| found == *params)
}

#[cfg(test)]
mod tests {
    use argon2::PasswordHasher as _;

    use super::super::tests::cheap;
    use super::*;

    #[test]
    fn hashes_are_argon2_s_own_phc_strings_both_ways() {
        let mut memory = Memory::new(block_count(&cheap()));
        let ours = hash_with(&cheap(), b"pw", &mut memory).unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{ours}");
        // argon2's own verifier accepts what we wrote...
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(parsed.verify_password(&[&Argon2::default()], b"pw").is_ok());
        // ...and we accept what argon2's own hasher writes (hashes stored before).
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = argon2id(&cheap(), OUTPUT_LEN)
            .unwrap()
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with(&theirs, b"pw", &mut memory));
        assert!(!verify_with(&theirs, b"pW", &mut memory));
        assert!(verify_with(&ours, b"pw", &mut memory), "memory reused");
        assert!(!verify_with(&ours, b"", &mut memory));
    }

    #[test]
    fn phc_parameters_are_bounded_before_argon2_sees_them() {
        let ok = "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        assert_eq!(phc_params(ok), Some(HashParams::default()));
        assert!(uses_params(ok, &HashParams::default()));
        // Stored under the earlier defaults: still read, and rehashed at the next login.
        for (earlier, memory_kib, iterations) in [
            (
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                19456,
                2,
            ),
            (
                "$argon2id$v=19$m=12288,t=3,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                12288,
                3,
            ),
        ] {
            let read = HashParams {
                memory_kib,
                iterations,
                parallelism: 1,
            };
            assert_eq!(phc_params(earlier), Some(read));
            assert!(!uses_params(earlier, &HashParams::default()));
        }
        for bad in [
            // Found by the fuzzer: argon2 0.5 overflows on 8 * p.
            "$argon2id$v=1$m=19456,t=2,p=944562221$clJOnQ",
            "$argon2id$v=19$m=19456,t=2,p=944562221$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=19456,t=100000,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=4,t=2,p=1$c29tZXNhbHQ$aGFzaA",
            // Found by the fuzzer: a repeated parameter read one way by the bound, the
            // other way by argon2.
            "$argon2id$v=19$m=38,t=2,m=444444444,p=1$zblc2Bh2$3O5T/S3O5T/S1ZbJHwO2nQ",
            "$argon2id$v=19$m=19456,t=2,p=1,t=100000$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=19456,t=2,p=1,keyid=AAAA$c29tZXNhbHQ$aGFzaA",
            "$argon2id$v=19$m=19456,t=2$c29tZXNhbHQ$aGFzaA",
        ] {
            assert_eq!(phc_params(bad), None, "{bad}");
            assert!(!uses_params(bad, &HashParams::default()));
            assert!(!verify_blocking(bad, b"x"));
        }
    }
}
