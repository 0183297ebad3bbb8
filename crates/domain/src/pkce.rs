//! PKCE (RFC 7636), S256 only: `plain` gives no protection against a leaked
//! authorization request and OAuth 2.1 lets a server refuse it, so sigil does.

use super::ParseError;

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// `code_challenge`: the base64url SHA-256 of a verifier, so exactly 43 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    pub fn parse(raw: &str, method: Option<&str>) -> Result<Self, ParseError> {
        match method {
            Some("S256") => {}
            None => return Err(ParseError("code_challenge_method must be S256")),
            Some("plain") => return Err(ParseError("PKCE method plain is not allowed; use S256")),
            Some(_) => return Err(ParseError("unsupported code_challenge_method")),
        }
        if raw.len() != 43
            || !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ParseError("code_challenge must be 43 base64url characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A challenge whose method is known to be S256: one read back from the store, where
    /// only S256 challenges are ever written.
    pub fn parse_s256(raw: &str) -> Result<Self, ParseError> {
        Self::parse(raw, Some("S256"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_satisfied_by(&self, verifier: &CodeVerifier) -> bool {
        use base64::Engine as _;
        use subtle::ConstantTimeEq as _;
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.0.as_bytes());
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        // Both are 43 bytes whenever the challenge parsed; the length check is for safety.
        computed.len() == self.0.len() && bool::from(computed.as_bytes().ct_eq(self.0.as_bytes()))
    }
}

/// `code_verifier`: 43–128 unreserved characters (RFC 7636 §4.1).
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

impl CodeVerifier {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if !(43..=128).contains(&raw.len()) || !raw.bytes().all(is_unreserved) {
            return Err(ParseError(
                "code_verifier must be 43 to 128 unreserved characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_example_verifies() {
        let c = CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap();
        assert!(c.is_satisfied_by(&CodeVerifier::parse(VERIFIER).unwrap()));
        let other = CodeVerifier::parse(&"a".repeat(43)).unwrap();
        assert!(!c.is_satisfied_by(&other));
    }

    #[test]
    fn plain_and_missing_methods_are_refused() {
        assert!(CodeChallenge::parse(CHALLENGE, Some("plain")).is_err());
        assert!(CodeChallenge::parse(CHALLENGE, None).is_err());
        assert!(CodeChallenge::parse(CHALLENGE, Some("s256")).is_err());
    }

    #[test]
    fn verifier_length_and_alphabet_bounds() {
        assert!(CodeVerifier::parse(&"a".repeat(42)).is_err());
        assert!(CodeVerifier::parse(&"a".repeat(43)).is_ok());
        assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
        assert!(CodeVerifier::parse(&"a".repeat(129)).is_err());
        assert!(CodeVerifier::parse(&format!("{}+", "a".repeat(43))).is_err());
        assert!(CodeChallenge::parse(&"a".repeat(44), Some("S256")).is_err());
        assert!(CodeChallenge::parse(&format!("{}=", "a".repeat(42)), Some("S256")).is_err());
    }
}
