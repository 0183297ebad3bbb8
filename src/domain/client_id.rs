use super::ParseError;

/// A client identifier: 1–64 characters of the URL-safe alphabet. sigil generates
/// them (base64url), so anything else cannot name a client and is refused unread.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(ParseError("client_id must be 1 to 64 characters"));
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        {
            return Err(ParseError(
                "client_id has a character outside [A-Za-z0-9._~-]",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_generated_shape_and_refuses_the_rest() {
        assert!(ClientId::parse("AbC-_9.~").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
        for bad in ["a b", "a%20", "a\n", "ä", "a/b", "a:b"] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
