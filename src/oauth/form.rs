//! `application/x-www-form-urlencoded` bodies and query strings, parsed strictly.
//!
//! RFC 6749 §3.1: a parameter must not be included more than once (a second value is a
//! smuggling vector: two layers may each read a different one), and one sent without a
//! value is treated as omitted.

use std::ops::Range;

use super::OAuthError;

/// More parameters than any OAuth request has; past this the request is refused.
const MAX_PARAMS: usize = 32;

/// The parameters, decoded into one buffer: a form is parsed on every request to /token,
/// /introspect and /revoke, so it costs one buffer and one short list rather than two
/// strings a parameter and a hash table, and a lookup is a scan of at most
/// [`MAX_PARAMS`] short names (cheaper than hashing them). Every range in `params` was
/// taken from `text` as it grew, so it always lies on character boundaries within it.
#[derive(Debug, Default)]
pub struct Form {
    text: String,
    /// Where each parameter's name and value stand in `text`, in the order sent.
    params: Vec<(Range<usize>, Range<usize>)>,
}

impl Form {
    pub fn parse(bytes: &[u8]) -> Result<Self, OAuthError> {
        // Decoding shortens, or keeps the length: only bytes that are not UTF-8 grow (into
        // three-byte replacement characters), so the buffer is nearly always allocated once.
        let mut form = Self {
            text: String::with_capacity(bytes.len()),
            params: Vec::new(),
        };
        for (count, (k, v)) in form_urlencoded::parse(bytes).enumerate() {
            if count >= MAX_PARAMS {
                return Err(OAuthError::invalid_request("too many parameters"));
            }
            // Empty values count as given here, though `get` treats them as omitted.
            if form.names().any(|name| name == k) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {} was given more than once",
                    printable(&k)
                )));
            }
            let name = form.push(&k);
            let value = form.push(&v);
            form.params.push((name, value));
        }
        Ok(form)
    }

    fn push(&mut self, part: &str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(part);
        start..self.text.len()
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.params.iter().map(|(name, _)| &self.text[name.clone()])
    }

    /// The value of `name`; one sent empty counts as omitted.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| &self.text[n.clone()] == name)
            .map(|(_, value)| &self.text[value.clone()])
            .filter(|value| !value.is_empty())
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
    fn bytes_that_are_not_utf8_read_as_replacement_characters() {
        // A raw byte that is not UTF-8 decodes longer than it was sent.
        let f = Form::parse(b"a=%FF%FE&b=\xff\xff&c=ok").unwrap();
        assert_eq!(f.get("a"), Some("\u{FFFD}\u{FFFD}"));
        assert_eq!(f.get("b"), Some("\u{FFFD}\u{FFFD}"));
        assert_eq!(f.get("c"), Some("ok"));
    }

    #[test]
    fn a_name_is_matched_whole() {
        let f = Form::parse(b"token_type_hint=x&token=t").unwrap();
        assert_eq!(f.get("token"), Some("t"));
        assert_eq!(f.get("token_type"), None);
        assert_eq!(f.get(""), None);
    }
}
