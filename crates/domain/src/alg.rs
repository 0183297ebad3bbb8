//! The JWS algorithms sigil signs with.

use super::ParseError;

/// A signing algorithm (RFC 7518 §3.1 names). Only what sigil can sign with is here, so
/// a stored key or a token header naming anything else is refused, never guessed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    Es256,
}

impl SigningAlg {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "ES256" => Ok(Self::Es256),
            _ => Err(ParseError("unsupported signing algorithm")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_only() {
        assert_eq!(SigningAlg::parse("ES256"), Ok(SigningAlg::Es256));
        assert_eq!(SigningAlg::Es256.as_str(), "ES256");
        for bad in ["es256", "none", "HS256", "RS256", ""] {
            assert!(SigningAlg::parse(bad).is_err(), "{bad}");
        }
    }
}
