//! `application/x-www-form-urlencoded` bodies and query strings, parsed strictly.
//!
//! RFC 6749 §3.1: a parameter must not be included more than once (a second value is a
//! smuggling vector: two layers may each read a different one), and one sent without a
//! value is treated as omitted.

use std::collections::HashMap;

use super::OAuthError;

/// More parameters than any OAuth request has; past this the request is refused.
const MAX_PARAMS: usize = 32;

#[derive(Debug, Default)]
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn parse(bytes: &[u8]) -> Result<Self, OAuthError> {
        let mut map = HashMap::new();
        for (count, (k, v)) in form_urlencoded::parse(bytes).enumerate() {
            if count >= MAX_PARAMS {
                return Err(OAuthError::invalid_request("too many parameters"));
            }
            if map.contains_key(k.as_ref()) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {} was given more than once",
                    printable(&k)
                )));
            }
            map.insert(k.into_owned(), v.into_owned());
        }
        // Empty values count as omitted, but still count as given for the duplicate
        // check above.
        map.retain(|_, v| !v.is_empty());
        Ok(Self(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("missing parameter {name}")))
    }
}

/// A parameter name as safe to echo in an error description.
fn printable(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_decodes() {
        let f = Form::parse(b"a=1&b=x%20y+z&empty=").unwrap();
        assert_eq!(f.get("a"), Some("1"));
        assert_eq!(f.get("b"), Some("x y z"));
        assert_eq!(f.get("empty"), None);
        assert!(f.require("missing").is_err());
    }

    #[test]
    fn duplicates_are_refused_even_when_empty_or_encoded() {
        assert!(Form::parse(b"a=1&a=2").is_err());
        assert!(Form::parse(b"a=&a=2").is_err());
        assert!(Form::parse(b"a=1&%61=2").is_err());
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let body: Vec<String> = (0..33).map(|i| format!("p{i}=1")).collect();
        assert!(Form::parse(body.join("&").as_bytes()).is_err());
    }

    #[test]
    fn invalid_utf8_does_not_panic() {
        assert!(Form::parse(b"a=%FF%FE&b=\xff").is_ok());
    }
}
