//! Scope strings (RFC 6749 §3.3): space-delimited tokens of NQCHAR.

use std::collections::BTreeSet;

use super::ParseError;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope(BTreeSet<String>);

impl Scope {
    pub const MAX_LEN: usize = 1024;
    pub const MAX_TOKENS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.len() > Self::MAX_LEN {
            return Err(ParseError("scope is too long"));
        }
        let mut set = BTreeSet::new();
        for token in raw.split(' ') {
            if token.is_empty() {
                // Leading, trailing or doubled spaces are outside the grammar.
                return Err(ParseError("scope tokens are separated by single spaces"));
            }
            if !token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
            {
                return Err(ParseError("scope token has a character outside NQCHAR"));
            }
            set.insert(token.to_owned());
        }
        if set.len() > Self::MAX_TOKENS {
            return Err(ParseError("too many scope tokens"));
        }
        Ok(Self(set))
    }

    /// Like [`Scope::parse`], except that the empty string is the empty scope: how a
    /// scope with no tokens is written in the store and in a token's `scope` claim.
    pub fn parse_list(raw: &str) -> Result<Self, ParseError> {
        if raw.is_empty() {
            Ok(Self::default())
        } else {
            Self::parse(raw)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    pub fn is_subset(&self, of: &Scope) -> bool {
        self.0.is_subset(&of.0)
    }

    /// Every token of either. (Both are within their clients' registered scopes, so the
    /// union is bounded by those.)
    pub fn union(&self, other: &Scope) -> Scope {
        Scope(self.0.union(&other.0).cloned().collect())
    }

    pub fn without(&self, token: &str) -> Scope {
        Scope(self.0.iter().filter(|t| *t != token).cloned().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for t in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(t)?;
            first = false;
        }
        Ok(())
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse_list(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_holds_the_tokens_of_both() {
        let a = Scope::parse("openid read").unwrap();
        let b = Scope::parse("read email").unwrap();
        assert_eq!(a.union(&b), Scope::parse("email openid read").unwrap());
        assert!(a.is_subset(&a.union(&b)) && b.is_subset(&a.union(&b)));
    }

    #[test]
    fn parses_and_normalises_order_and_duplicates() {
        let s = Scope::parse("read openid read").unwrap();
        assert_eq!(s.to_string(), "openid read");
        assert!(s.is_subset(&Scope::parse("openid read write").unwrap()));
        assert!(!Scope::parse("admin").unwrap().is_subset(&s));
    }

    #[test]
    fn refuses_bad_grammar() {
        for bad in [
            "", " read", "read ", "a  b", "a\"b", "a\\b", "a\tb", "é", "a\nb",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Scope::parse(&"a".repeat(1025)).is_err());
        let too_many: Vec<String> = (0..65).map(|i| format!("s{i}")).collect();
        assert!(Scope::parse(&too_many.join(" ")).is_err());
    }

    #[test]
    fn the_empty_list_is_the_empty_scope_and_serde_uses_the_string_form() {
        assert!(Scope::parse_list("").unwrap().is_empty());
        assert!(Scope::parse_list(" read").is_err());
        let s = Scope::parse("write read").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"read write\"");
        assert_eq!(serde_json::from_str::<Scope>("\"read write\"").unwrap(), s);
        assert!(serde_json::from_str::<Scope>("\"\"").unwrap().is_empty());
        assert!(serde_json::from_str::<Scope>("\"a  b\"").is_err());
    }
}
