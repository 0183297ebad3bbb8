//! Access tokens (RFC 9068 JWTs, `typ: at+jwt`) and ID tokens (OIDC Core §2), signed
//! with the active key of an algorithm of the key set it is handed.
//!
//! Verification accepts only what sigil itself issues: a `kid` of a published key, and
//! exactly that key's algorithm (so an `alg` swapped in the header cannot pick another
//! verifier), the exact `typ`, no `crit` extension, our issuer, and times checked against
//! the caller's clock rather than the library's own. Header fields that point elsewhere
//! for a key (`jku`, `x5u`, `jwk`, `x5c`) are never consulted.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation};
use serde::Serialize;

use super::TokenError;
use super::claims::{AccessClaims, IdClaims, VerifiedAccess};
use super::keyset::{KeySet, VerifyingKey};
use crate::clock::UnixTime;
use crate::crypto::b64url;
use crate::domain::SigningAlg;

pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
pub const ID_TOKEN_TYP: &str = "JWT";
/// Compact JWTs longer than this are refused before any parsing.
pub const MAX_JWT_LEN: usize = 8 * 1024;

/// The JOSE header sigil writes: exactly these three members.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'a str,
    typ: &'a str,
    kid: &'a str,
}

/// The compact JWS (RFC 7515 §7.1) of `claims`, signed by the active key of `alg`.
fn sign<T: Serialize>(
    keys: &KeySet,
    alg: SigningAlg,
    typ: &str,
    claims: &T,
) -> Result<String, TokenError> {
    let key = keys.signer(alg).ok_or(TokenError::NoActiveKey(alg))?;
    let header = to_json(&Header {
        alg: alg.as_str(),
        typ,
        kid: key.kid.as_str(),
    })?;
    let message = format!("{}.{}", b64url(&header), b64url(&to_json(claims)?));
    let signature = key
        .pair
        .sign(message.as_bytes())
        .map_err(|e| TokenError::Signing(e.to_string()))?;
    Ok(format!("{message}.{}", b64url(&signature)))
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, TokenError> {
    serde_json::to_vec(value).map_err(|e| TokenError::Signing(e.to_string()))
}

pub fn mint_access(
    keys: &KeySet,
    alg: SigningAlg,
    claims: &AccessClaims,
) -> Result<String, TokenError> {
    sign(keys, alg, ACCESS_TOKEN_TYP, claims)
}

pub fn mint_id(keys: &KeySet, alg: SigningAlg, claims: &IdClaims) -> Result<String, TokenError> {
    sign(keys, alg, ID_TOKEN_TYP, claims)
}

/// The `at_hash` of `access_token` for an ID token signed with `alg` (OIDC Core
/// §3.1.3.6): the left half of the hash the signature algorithm uses, base64url. For
/// EdDSA (Ed25519) that hash is SHA-512, as OpenID's EdDSA registration and certified
/// libraries such as panva's have it.
pub fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    let digest = match alg {
        SigningAlg::Es256 | SigningAlg::Rs256 | SigningAlg::Ps256 => &ring::digest::SHA256,
        SigningAlg::EdDsa => &ring::digest::SHA512,
    };
    let hash = ring::digest::digest(digest, access_token.as_bytes());
    let bytes = hash.as_ref();
    b64url(&bytes[..bytes.len() / 2])
}

fn jwt_algorithm(alg: SigningAlg) -> Algorithm {
    match alg {
        SigningAlg::Es256 => Algorithm::ES256,
        SigningAlg::EdDsa => Algorithm::EdDSA,
        SigningAlg::Rs256 => Algorithm::RS256,
        SigningAlg::Ps256 => Algorithm::PS256,
    }
}

/// Verifies an access token of ours and returns its claims. Revocation is the caller's
/// next step: this checks only what the token itself proves. The audience must be ours
/// too: sigil mints every access token for `issuer` (no resource indicators yet).
pub fn verify_access(
    keys: &KeySet,
    token: &str,
    issuer: &str,
    now: UnixTime,
) -> Result<Arc<VerifiedAccess>, TokenError> {
    if token.len() > MAX_JWT_LEN {
        return Err(TokenError::Invalid("too long"));
    }
    let digest = super::verified::digest(issuer, token);
    let verified = match keys.verified.get(&digest) {
        Some(verified) => verified,
        None => {
            let verified = Arc::new(verify_signature_and_claims(keys, token, issuer)?);
            // Checked before caching, so nothing expired or not yet valid is kept.
            check_times(&verified.claims, now)?;
            let lifetime = u64::try_from(verified.claims.exp - now).unwrap_or(0);
            keys.verified
                .insert(digest, verified.clone(), Duration::from_secs(lifetime));
            return Ok(verified);
        }
    };
    check_times(&verified.claims, now)?;
    Ok(verified)
}

/// Everything about a token that does not depend on the time.
fn verify_signature_and_claims(
    keys: &KeySet,
    token: &str,
    issuer: &str,
) -> Result<VerifiedAccess, TokenError> {
    let (claims, key) = decode_ours::<AccessClaims>(keys, token, ACCESS_TOKEN_TYP, issuer)?;
    // The audience is checked here, exactly ours and as a string.
    if claims.aud != issuer {
        return Err(TokenError::Invalid("audience"));
    }
    Ok(VerifiedAccess::new(claims, key.kid.clone()))
}

/// Decodes a JWT of ours of type `typ`: a published key named by `kid`, exactly that
/// key's algorithm (the key decides; the header must agree), no `crit`, our issuer, and
/// a valid signature. Times and audience are the caller's to check.
fn decode_ours<'k, C: serde::de::DeserializeOwned>(
    keys: &'k KeySet,
    token: &str,
    typ: &str,
    issuer: &str,
) -> Result<(C, &'k VerifyingKey), TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid("header"))?;
    if header.typ.as_deref() != Some(typ) {
        return Err(TokenError::Invalid("typ"));
    }
    if header.crit.is_some() {
        return Err(TokenError::Invalid("crit"));
    }
    let kid = header.kid.as_deref().ok_or(TokenError::Invalid("kid"))?;
    let key = keys.verifier(kid).ok_or(TokenError::Invalid("kid"))?;
    let alg = jwt_algorithm(key.alg);
    if header.alg != alg {
        return Err(TokenError::Invalid("alg"));
    }
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[issuer]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<C>(token, &key.decoding, &validation)
        .map_err(|_| TokenError::Invalid("signature or claims"))?
        .claims;
    Ok((claims, key))
}

/// What an `id_token_hint` proves: who the ID token was about, and for which client.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct IdTokenHint {
    pub sub: String,
    pub aud: String,
}

/// Verifies an ID token of ours presented as `id_token_hint` (RP-initiated logout). Its
/// expiry is not checked, since an RP logging someone out often holds only an expired
/// one; what it yields, the subject and the audience (any client's: the caller matches
/// it to one), is all an expired token may still vouch for.
pub fn verify_id_token_hint(
    keys: &KeySet,
    token: &str,
    issuer: &str,
) -> Result<IdTokenHint, TokenError> {
    if token.len() > MAX_JWT_LEN {
        return Err(TokenError::Invalid("too long"));
    }
    decode_ours(keys, token, ID_TOKEN_TYP, issuer).map(|(hint, _)| hint)
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
    use crate::crypto::keys::KeyPair;
    use crate::domain::{ClientId, Kid};
    use crate::token::keyset::{SigningKey, VerifyingKey};

    const ISS: &str = "https://sigil.test";

    /// A set with one fresh active key per algorithm in `algs`.
    fn keys_for(algs: &[SigningAlg]) -> KeySet {
        crate::crypto::jwt_provider::install();
        let mut signers = Vec::new();
        let mut published = Vec::new();
        for &alg in algs {
            let (_, pair) = KeyPair::generate(alg).unwrap();
            let kid = crate::crypto::new_id(Kid::from_random).unwrap();
            published.push(VerifyingKey::new(kid.clone(), alg, &pair.public().unwrap()).unwrap());
            signers.push(SigningKey { kid, pair });
        }
        KeySet::new(signers, published, algs.iter().copied().collect())
    }

    fn keys() -> KeySet {
        keys_for(&[SigningAlg::Es256])
    }

    fn claims(now: UnixTime) -> AccessClaims {
        AccessClaims::for_tests(ISS, now)
    }

    /// An ID token's claims about `sub` for client `c`, valid for a minute from `now`.
    fn id_claims(sub: &str, now: UnixTime) -> IdClaims {
        IdClaims {
            iss: ISS.into(),
            sub: sub.into(),
            aud: ClientId::parse("c").unwrap(),
            azp: ClientId::parse("c").unwrap(),
            exp: now + 60,
            iat: now,
            auth_time: now,
            nonce: None,
            at_hash: at_hash(SigningAlg::Es256, "an access token"),
            user: Default::default(),
        }
    }

    #[test]
    fn mint_then_verify_and_expiry_applies_to_cached_tokens() {
        let keys = keys();
        let now = 1_800_000_000;
        let token = mint_access(&keys, SigningAlg::Es256, &claims(now)).unwrap();
        assert_eq!(
            verify_access(&keys, &token, ISS, now).unwrap().claims,
            claims(now)
        );
        // Second time from the cache, and still subject to the clock.
        assert!(verify_access(&keys, &token, ISS, now + 1).is_ok());
        assert!(verify_access(&keys, &token, ISS, now + 600).is_err());
        assert!(verify_access(&keys, &token, "https://other.test", now).is_err());
    }

    #[test]
    fn an_id_token_hint_is_verified_but_may_have_expired() {
        let keys = keys();
        let now = 1_000;
        let id = mint_id(&keys, SigningAlg::Es256, &id_claims("user-1", now)).unwrap();
        // Long expired by any clock: still names its subject and client.
        let hint = verify_id_token_hint(&keys, &id, ISS).unwrap();
        assert_eq!((hint.sub.as_str(), hint.aud.as_str()), ("user-1", "c"));
        assert!(verify_id_token_hint(&keys, &id, "https://other.test").is_err());
        assert!(
            verify_id_token_hint(&self::keys(), &id, ISS).is_err(),
            "another key"
        );
        // An access token is no ID token.
        let access = mint_access(&keys, SigningAlg::Es256, &claims(now)).unwrap();
        assert!(verify_id_token_hint(&keys, &access, ISS).is_err());
        let mut tampered = id.clone();
        tampered.insert(id.find('.').unwrap() + 3, 'x');
        assert!(verify_id_token_hint(&keys, &tampered, ISS).is_err());
    }

    #[test]
    fn at_hash_is_the_left_half_of_the_algorithms_hash() {
        // OIDC Core's own example (A.3): the access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y".
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(at_hash(SigningAlg::Rs256, token), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(at_hash(SigningAlg::Es256, token), "77QmUPtjPfzWtF2AnpK9RQ");
        let sha512 = ring::digest::digest(&ring::digest::SHA512, token.as_bytes());
        assert_eq!(
            at_hash(SigningAlg::EdDsa, token),
            b64url(&sha512.as_ref()[..32])
        );
        assert_eq!(at_hash(SigningAlg::EdDsa, token).len(), 43);
    }

    #[test]
    fn every_generated_algorithm_signs_what_it_verifies() {
        let keys = keys_for(&[SigningAlg::Es256, SigningAlg::EdDsa]);
        let now = 1_800_000_000;
        for alg in [SigningAlg::Es256, SigningAlg::EdDsa] {
            let token = mint_access(&keys, alg, &claims(now)).unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.alg, jwt_algorithm(alg));
            assert_eq!(
                verify_access(&keys, &token, ISS, now).unwrap().claims,
                claims(now)
            );
        }
        assert!(matches!(
            mint_access(&keys, SigningAlg::Rs256, &claims(now)),
            Err(TokenError::NoActiveKey(SigningAlg::Rs256))
        ));
    }

    #[test]
    fn a_header_alg_other_than_its_keys_is_refused() {
        let keys = keys_for(&[SigningAlg::EdDsa]);
        let now = 1_800_000_000;
        let token = mint_access(&keys, SigningAlg::EdDsa, &claims(now)).unwrap();
        let (header, rest) = token.split_once('.').unwrap();
        let mut h: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
                .unwrap(),
        )
        .unwrap();
        h["alg"] = "ES256".into();
        let forged = format!("{}.{rest}", b64url(h.to_string().as_bytes()));
        assert!(verify_access(&keys, &forged, ISS, now).is_err());
    }

    #[test]
    fn id_tokens_and_other_keys_do_not_verify_as_access_tokens() {
        let keys = keys();
        let now = 1_800_000_000;
        let id = mint_id(&keys, SigningAlg::Es256, &id_claims("s", now)).unwrap();
        assert!(verify_access(&keys, &id, ISS, now).is_err());
        let token = mint_access(&keys, SigningAlg::Es256, &claims(now)).unwrap();
        assert!(verify_access(&self::keys(), &token, ISS, now).is_err());
    }
}
