//! The JWS algorithms sigil signs with.

use super::ParseError;

/// A signing algorithm (RFC 7518 §3.1 and RFC 8037 names). Only what sigil can sign with
/// is here, so a stored key, a client registration or a token header naming anything else
/// is refused, never guessed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SigningAlg {
    /// ECDSA P-256 with SHA-256: the default.
    Es256,
    /// Ed25519 (RFC 8037).
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256; keys are imported, never generated.
    Rs256,
    /// RSASSA-PSS with SHA-256; keys are imported, never generated.
    Ps256,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 4] = [Self::Es256, Self::EdDsa, Self::Rs256, Self::Ps256];

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "ES256" => Ok(Self::Es256),
            "EdDSA" => Ok(Self::EdDsa),
            "RS256" => Ok(Self::Rs256),
            "PS256" => Ok(Self::Ps256),
            _ => Err(ParseError("unsupported signing algorithm")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
        }
    }

    /// Whether sigil can make a key for it (ring generates P-256 and Ed25519 keys, not RSA).
    pub fn can_generate(self) -> bool {
        matches!(self, Self::Es256 | Self::EdDsa)
    }

    /// Whether its keys are RSA keys (and so imported).
    pub fn is_rsa(self) -> bool {
        matches!(self, Self::Rs256 | Self::Ps256)
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SigningAlg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_only() {
        for alg in SigningAlg::ALL {
            assert_eq!(SigningAlg::parse(alg.as_str()), Ok(alg));
        }
        for bad in ["es256", "EDDSA", "Ed25519", "none", "HS256", "RS384", ""] {
            assert!(SigningAlg::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_curve_keys_are_generated() {
        assert!(SigningAlg::Es256.can_generate() && SigningAlg::EdDsa.can_generate());
        assert!(!SigningAlg::Rs256.can_generate() && !SigningAlg::Ps256.can_generate());
        assert!(SigningAlg::Ps256.is_rsa() && !SigningAlg::EdDsa.is_rsa());
    }
}
