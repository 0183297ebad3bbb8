//! Access tokens (RFC 9068 JWTs, `typ: at+jwt`) and ID tokens (OIDC Core §2), ES256.
//!
//! Verification accepts only what sigil itself issues: alg ES256 (the provider has no
//! other), a `kid` of a published key, the exact `typ`, no `crit` extension, our issuer,
//! and times checked against [`Clock`] rather than the library's own clock. Header fields
//! that point elsewhere for a key (`jku`, `x5u`, `jwk`, `x5c`) are never consulted.

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::Serialize;

use super::TokenError;
use super::claims::{AccessClaims, IdClaims};
use super::keyring::KeySet;
use crate::clock::UnixTime;

pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
pub const ID_TOKEN_TYP: &str = "JWT";
/// Compact JWTs longer than this are refused before any parsing.
pub const MAX_JWT_LEN: usize = 8 * 1024;

fn sign<T: Serialize>(keys: &KeySet, typ: &str, claims: &T) -> Result<String, TokenError> {
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some(typ.to_owned());
    header.kid = Some(keys.active.kid.as_str().to_owned());
    jsonwebtoken::encode(&header, claims, &keys.active.encoding)
        .map_err(|e| TokenError::Signing(e.to_string()))
}

pub fn mint_access(keys: &KeySet, claims: &AccessClaims) -> Result<String, TokenError> {
    sign(keys, ACCESS_TOKEN_TYP, claims)
}

pub fn mint_id(keys: &KeySet, claims: &IdClaims) -> Result<String, TokenError> {
    sign(keys, ID_TOKEN_TYP, claims)
}

/// Verifies an access token of ours and returns its claims. Revocation is the caller's
/// next step: this checks only what the token itself proves. The audience must be ours
/// too: sigil mints every access token for `issuer` (no resource indicators yet).
pub fn verify_access(
    keys: &KeySet,
    token: &str,
    issuer: &str,
    now: UnixTime,
) -> Result<AccessClaims, TokenError> {
    if token.len() > MAX_JWT_LEN {
        return Err(TokenError::Invalid("too long"));
    }
    // The issuer is part of what was verified, so it is part of the key.
    let digest = {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(issuer.as_bytes());
        ctx.update(&[0]);
        ctx.update(token.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    };
    let claims = match keys.verified.get(&digest) {
        Some(claims) => claims,
        None => {
            let claims = verify_signature_and_claims(keys, token, issuer)?;
            keys.verified.insert(digest, claims.clone());
            claims
        }
    };
    check_times(&claims, now)?;
    Ok(claims)
}

/// Everything about a token that does not depend on the time.
fn verify_signature_and_claims(
    keys: &KeySet,
    token: &str,
    issuer: &str,
) -> Result<AccessClaims, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid("header"))?;
    if header.alg != Algorithm::ES256 {
        return Err(TokenError::Invalid("alg"));
    }
    if header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
        return Err(TokenError::Invalid("typ"));
    }
    if header.crit.is_some() {
        return Err(TokenError::Invalid("crit"));
    }
    let kid = header.kid.as_deref().ok_or(TokenError::Invalid("kid"))?;
    let key = keys.verifiers.get(kid).ok_or(TokenError::Invalid("kid"))?;

    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[issuer]);
    validation.validate_exp = false; // checked in check_times against our clock
    validation.validate_nbf = false;
    validation.validate_aud = false; // checked below: exactly ours, as a string
    validation.required_spec_claims.clear();
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
        .map_err(|_| TokenError::Invalid("signature or claims"))?
        .claims;
    if claims.aud != issuer {
        return Err(TokenError::Invalid("audience"));
    }
    Ok(claims)
}

fn check_times(claims: &AccessClaims, now: UnixTime) -> Result<(), TokenError> {
    if claims.exp <= now {
        return Err(TokenError::Invalid("expired"));
    }
    if claims.iat > now + 5 {
        return Err(TokenError::Invalid("issued in the future"));
    }
    if claims.nbf.is_some_and(|nbf| nbf > now) {
        return Err(TokenError::Invalid("not yet valid"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::crypto::keys::MasterKey;
    use crate::domain::{ClientId, GrantId, Scope};
    use crate::store::KeyState;
    use crate::token::keyring::new_key_record;

    const ISS: &str = "https://sigil.test";

    fn keys() -> KeySet {
        crate::crypto::jwt_provider::install();
        let master = MasterKey::from_bytes(&[1u8; 32]).unwrap();
        let record = new_key_record(&master, KeyState::Active, &SystemClock).unwrap();
        KeySet::from_records(&master, &[record]).unwrap()
    }

    fn claims(now: UnixTime) -> AccessClaims {
        AccessClaims {
            iss: ISS.into(),
            sub: "s".into(),
            aud: ISS.into(),
            exp: now + 600,
            iat: now,
            nbf: None,
            jti: "j".into(),
            client_id: ClientId::parse("c").unwrap(),
            scope: Scope::parse("read").unwrap(),
            gid: GrantId::parse("g").unwrap(),
            auth_time: None,
        }
    }

    #[test]
    fn mint_then_verify_and_expiry_applies_to_cached_tokens() {
        let keys = keys();
        let now = 1_800_000_000;
        let token = mint_access(&keys, &claims(now)).unwrap();
        assert_eq!(verify_access(&keys, &token, ISS, now).unwrap(), claims(now));
        // Second time from the cache, and still subject to the clock.
        assert!(verify_access(&keys, &token, ISS, now + 1).is_ok());
        assert!(verify_access(&keys, &token, ISS, now + 600).is_err());
        assert!(verify_access(&keys, &token, "https://other.test", now).is_err());
    }

    #[test]
    fn id_tokens_and_other_keys_do_not_verify_as_access_tokens() {
        let keys = keys();
        let now = 1_800_000_000;
        let id = mint_id(
            &keys,
            &IdClaims {
                iss: ISS.into(),
                sub: "s".into(),
                aud: ClientId::parse("c").unwrap(),
                azp: ClientId::parse("c").unwrap(),
                exp: now + 600,
                iat: now,
                auth_time: now,
                nonce: None,
            },
        )
        .unwrap();
        assert!(verify_access(&keys, &id, ISS, now).is_err());
        let token = mint_access(&keys, &claims(now)).unwrap();
        assert!(verify_access(&self::keys(), &token, ISS, now).is_err());
    }
}
