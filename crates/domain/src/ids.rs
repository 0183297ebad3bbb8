//! Identifiers sigil generates: client ids, user ids, grant ids and key ids.
//!
//! sigil mints them itself (128 random bits, base64url), so anything outside 1–64
//! characters of the URL-safe alphabet cannot name one and is refused unread. The same
//! parser reads them back from the store and from tokens, so a value that was never ours
//! never reaches protocol code.

use super::ParseError;

macro_rules! generated_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = 64;

            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                check_id(raw).map_err(|rule| ParseError(match rule {
                    IdRule::Length => concat!($what, " must be 1 to 64 characters"),
                    IdRule::Alphabet => concat!($what, " has a character outside [A-Za-z0-9._~-]"),
                }))?;
                Ok(Self(raw.to_owned()))
            }

            /// The identifier for 128 random bits, in the shape sigil generates
            /// (22 base64url characters). The randomness is the caller's to supply.
            pub fn from_random(mut bytes: [u8; 16]) -> Self {
                use base64::Engine as _;
                // A leading '-' reads as an option on a command line (`sigil clients
                // delete -N…`): the first character is kept to letters and digits (the
                // top six bits at 62 or 63 lose their top bit), at the cost of a sliver of
                // one bit of the 128.
                if bytes[0] >> 2 >= 62 {
                    bytes[0] &= 0x7f;
                }
                Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

enum IdRule {
    Length,
    Alphabet,
}

fn check_id(raw: &str) -> Result<(), IdRule> {
    if raw.is_empty() || raw.len() > 64 {
        return Err(IdRule::Length);
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    {
        return Err(IdRule::Alphabet);
    }
    Ok(())
}

generated_id!(
    /// An OAuth client's `client_id`.
    ClientId,
    "client_id"
);
generated_id!(
    /// A person's account id: the `sub` of their tokens.
    UserId,
    "user id"
);
generated_id!(
    /// A grant (refresh-token family) id: the `gid` claim of every token it minted.
    GrantId,
    "grant id"
);
generated_id!(
    /// A signing key's `kid`.
    Kid,
    "kid"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_generated_shape_and_refuses_the_rest() {
        assert!(ClientId::parse("AbC-_9.~").is_ok());
        assert!(ClientId::parse(&"a".repeat(64)).is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
        for bad in ["a b", "a%20", "a\n", "ä", "a/b", "a:b", "a\"b"] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
            assert!(GrantId::parse(bad).is_err(), "{bad:?}");
            assert!(Kid::parse(bad).is_err(), "{bad:?}");
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn random_ids_parse() {
        let id = UserId::from_random([0xff; 16]);
        assert_eq!(id.as_str().len(), 22);
        assert_eq!(UserId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn random_ids_never_start_like_an_option() {
        for first in 0..=255u8 {
            let mut bytes = [0x5a; 16];
            bytes[0] = first;
            let id = ClientId::from_random(bytes);
            let lead = id.as_str().chars().next().unwrap();
            assert!(lead.is_ascii_alphanumeric(), "{first:#x} gives {id}");
        }
        // Everything else is left as it was.
        assert_eq!(ClientId::from_random([0x5a; 16]).as_str().len(), 22);
        assert!(ClientId::from_random([0xf4; 16]).as_str().starts_with('9'));
    }

    #[test]
    fn errors_name_the_identifier() {
        assert_eq!(
            GrantId::parse("").unwrap_err().0,
            "grant id must be 1 to 64 characters"
        );
        assert_eq!(
            Kid::parse("a b").unwrap_err().0,
            "kid has a character outside [A-Za-z0-9._~-]"
        );
    }

    #[test]
    fn serde_round_trips_and_refuses_what_parse_refuses() {
        let id = GrantId::parse("g-1").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"g-1\"");
        assert_eq!(serde_json::from_str::<GrantId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<GrantId>("\"a b\"").is_err());
        assert!(serde_json::from_str::<GrantId>("\"\"").is_err());
    }
}
