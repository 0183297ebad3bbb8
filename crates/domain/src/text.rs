//! Bounded free-text parameters.

use super::ParseError;

/// OAuth `state`: opaque to us, echoed back. Bounded, printable ASCII only, because it
/// is reflected into a redirect URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State(String);

impl State {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        printable(raw, 512, "state").map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// OIDC `nonce`, copied into the ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nonce(String);

impl Nonce {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        printable(raw, 512, "nonce").map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn printable(raw: &str, max: usize, what: &'static str) -> Result<String, ParseError> {
    if raw.is_empty() || raw.len() > max {
        return Err(ParseError(match what {
            "state" => "state must be 1 to 512 characters",
            _ => "nonce must be 1 to 512 characters",
        }));
    }
    if !raw.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return Err(ParseError(match what {
            "state" => "state must be printable ASCII",
            _ => "nonce must be printable ASCII",
        }));
    }
    Ok(raw.to_owned())
}

/// An email address as an operator registers it: at most 254 characters, one `@` with
/// something on each side, no whitespace or control characters. Deliverability is the
/// mail system's business; this only keeps nonsense and header injection out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.is_empty() || raw.len() > 254 {
            return Err(ParseError("email must be 1 to 254 characters"));
        }
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return Err(ParseError("email is not an email address"));
        };
        if local.is_empty()
            || domain.is_empty()
            || raw.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ParseError("email is not an email address"));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A login name: NFKC-normalised, trimmed, lower-cased, 1–64 characters without spaces
/// or control characters. Normalising makes `Alice`, `alice` and `ａｌｉｃｅ` (fullwidth)
/// one account, so such look-alikes cannot be registered side by side or used to reach
/// another person's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        use unicode_normalization::UnicodeNormalization as _;
        if raw.len() > 1024 {
            return Err(ParseError("username must be 1 to 64 characters"));
        }
        // Lower-casing can leave a string that is no longer in NFKC, so normalise again.
        let name: String = raw
            .nfkc()
            .collect::<String>()
            .trim()
            .to_lowercase()
            .nfkc()
            .collect();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(ParseError("username must be 1 to 64 characters"));
        }
        if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ParseError(
                "username must not contain spaces or control characters",
            ));
        }
        Ok(Self(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's full name as the OIDC `name` claim carries it: trimmed, 1–200 characters,
/// no control characters (it is shown on pages and copied into tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ParseError("name must be 1 to 200 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(ParseError("name must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! shown_as_str {
    ($($name:ident),*) => {$(
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    )*};
}

shown_as_str!(State, Nonce, Email, Username, DisplayName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_bounds() {
        assert_eq!(
            DisplayName::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert_eq!(
            DisplayName::parse(&"é".repeat(200))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            200
        );
        for bad in ["", "   ", "a\nb", "a\u{7f}b"] {
            assert!(DisplayName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(DisplayName::parse(&"é".repeat(201)).is_err());
    }

    #[test]
    fn state_and_nonce_bounds() {
        assert!(State::parse("xyz").is_ok());
        assert!(State::parse("").is_err());
        assert!(State::parse(&"a".repeat(513)).is_err());
        assert!(State::parse("a\r\nLocation: x").is_err());
        assert!(Nonce::parse("n-0S6_WzA2Mj").is_ok());
        assert!(Nonce::parse("\u{0}").is_err());
    }

    #[test]
    fn email_shape() {
        assert!(Email::parse("a@example.com").is_ok());
        for bad in [
            "",
            "a",
            "@example.com",
            "a@",
            "a b@example.com",
            "a@ex\nample",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@x", "a".repeat(253))).is_err());
    }

    #[test]
    fn usernames_fold_case_and_refuse_spaces() {
        assert_eq!(Username::parse(" Alice ").unwrap().as_str(), "alice");
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a\u{7}").is_err());
        // Fullwidth and ligature look-alikes fold onto the plain name.
        assert_eq!(Username::parse("ＡＬＩＣＥ").unwrap().as_str(), "alice");
        assert_eq!(Username::parse("\u{FB01}n").unwrap().as_str(), "fin");
        assert!(Username::parse(&"a".repeat(65)).is_err());
    }
}
