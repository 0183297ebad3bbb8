//! Opaque secrets: 256 random bits, base64url, behind a short type prefix (so a leaked
//! string is recognisable by secret scanners and cannot be confused with another kind).
//!
//! Only their SHA-256 is stored: the values have full entropy, so a slow hash adds
//! nothing, and a database dump reveals no usable token.

use crate::crypto::{CryptoError, random_token, sha256};
use crate::domain::ParseError;

macro_rules! opaque_secret {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;
            pub const LEN: usize = $prefix.len() + 43;

            pub fn generate() -> Result<Self, CryptoError> {
                Ok(Self(format!("{}{}", $prefix, random_token()?)))
            }

            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                let body = raw
                    .strip_prefix($prefix)
                    .ok_or(ParseError(concat!("not a ", $what)))?;
                if body.len() != 43
                    || !body
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(ParseError(concat!("malformed ", $what)));
                }
                Ok(Self(raw.to_owned()))
            }

            /// The value to hand out once. Never log it.
            pub fn expose(&self) -> &str {
                &self.0
            }

            pub fn hash(&self) -> [u8; 32] {
                sha256(self.0.as_bytes())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({}[redacted])"), $prefix)
            }
        }
    };
}

opaque_secret!(
    /// A refresh token.
    RefreshToken, "srt_", "refresh token"
);
opaque_secret!(
    /// An authorization code.
    AuthCode, "sac_", "authorization code"
);
opaque_secret!(
    /// A client secret.
    ClientSecret, "scs_", "client secret"
);
opaque_secret!(
    /// A browser session id (the cookie value).
    SessionId, "sss_", "session id"
);
opaque_secret!(
    /// The login form's CSRF token (cookie and hidden field).
    CsrfToken, "scf_", "csrf token"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_parse_round_trip_and_prefix_separation() {
        let t = RefreshToken::generate().unwrap();
        assert_eq!(t.expose().len(), RefreshToken::LEN);
        assert_eq!(RefreshToken::parse(t.expose()).unwrap(), t);
        assert!(AuthCode::parse(t.expose()).is_err());
        assert_eq!(format!("{t:?}"), "RefreshToken(srt_[redacted])");
    }

    #[test]
    fn malformed_values_are_refused() {
        let body = "a".repeat(43);
        assert!(RefreshToken::parse(&format!("srt_{body}")).is_ok());
        for bad in [
            String::new(),
            "srt_".into(),
            format!("srt_{}", "a".repeat(42)),
            format!("srt_{}", "a".repeat(44)),
            format!("srt_{}=", "a".repeat(42)),
            format!("SRT_{body}"),
            format!("srt_{}+", "a".repeat(42)),
            format!(" srt_{body}"),
        ] {
            assert!(RefreshToken::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
