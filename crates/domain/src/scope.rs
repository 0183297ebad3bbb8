//! Scope strings (RFC 6749 §3.3): space-delimited tokens of NQCHAR.
//!
//! A scope is kept in its normal form, one string of its distinct tokens in byte order
//! joined by single spaces, rather than as a set of strings: every cached verified token
//! and every cached client holds one, and a set cost a tree node and a string per token
//! (about half a kilobyte for `openid read`) where the string costs its length. Cloning
//! one (each minted token does) is a reference count.

use std::sync::Arc;

use super::ParseError;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope(Arc<str>);

impl Scope {
    pub const MAX_LEN: usize = 1024;
    pub const MAX_TOKENS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.len() > Self::MAX_LEN {
            return Err(ParseError("scope is too long"));
        }
        let mut tokens = Vec::new();
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
            tokens.push(token);
        }
        let scope = Self::normal(tokens);
        if scope.iter().count() > Self::MAX_TOKENS {
            return Err(ParseError("too many scope tokens"));
        }
        Ok(scope)
    }

    /// The normal form of `tokens`, which are already known to be scope tokens.
    fn normal(mut tokens: Vec<&str>) -> Self {
        tokens.sort_unstable();
        tokens.dedup();
        Self(tokens.join(" ").into())
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
        self.iter().any(|t| t == token)
    }

    pub fn is_subset(&self, of: &Scope) -> bool {
        // Both are sorted: one pass over `of` finds every token of ours or passes it.
        let mut theirs = of.iter();
        self.iter().all(|t| theirs.any(|o| o == t))
    }

    /// Every token of either. (Both are within their clients' registered scopes, so the
    /// union is bounded by those.)
    pub fn union(&self, other: &Scope) -> Scope {
        Self::normal(self.iter().chain(other.iter()).collect())
    }

    pub fn without(&self, token: &str) -> Scope {
        Self::normal(self.iter().filter(|t| *t != token).collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        // The empty scope is the empty string, which `split` would give as one token.
        self.0.split(' ').filter(|t| !t.is_empty())
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
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
    fn subsets_compare_as_sets_of_tokens() {
        let p = |s: &str| Scope::parse_list(s).unwrap();
        let empty = Scope::default();
        assert!(empty.is_subset(&empty) && empty.is_subset(&p("read")));
        assert!(!p("read").is_subset(&empty));
        assert!(!empty.contains("") && empty.iter().next().is_none());
        assert!(p("b d").is_subset(&p("a b c d e")));
        assert!(!p("b f").is_subset(&p("a b c d e")));
        assert!(!p("a0").is_subset(&p("a a1")), "a prefix is not the token");
        assert!(!p("read").contains("rea") && p("openid read").contains("read"));
        assert_eq!(p("a b c").without("b"), p("a c"));
        assert!(p("a").without("a").is_empty());
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
