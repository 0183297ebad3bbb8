//! `application/x-www-form-urlencoded` bodies and query strings, parsed strictly.
//!
//! RFC 6749 §3.1: a parameter must not be included more than once (a second value is a
//! smuggling vector: two layers may each read a different one), and one sent without a
//! value is treated as omitted.

use std::borrow::Cow;
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
        // The same split as the WHATWG urlencoded parser: `&`-separated sequences, empty
        // ones skipped, each cut at its first `=`.
        let sequences = bytes.split(|&b| b == b'&').filter(|s| !s.is_empty());
        for (count, sequence) in sequences.enumerate() {
            if count >= MAX_PARAMS {
                return Err(OAuthError::invalid_request("too many parameters"));
            }
            let (k, v) = match memchr::memchr(b'=', sequence) {
                Some(at) => (&sequence[..at], &sequence[at + 1..]),
                None => (sequence, &b""[..]),
            };
            let name = form.push_decoded(k);
            // Empty values count as given here, though `get` treats them as omitted.
            let name_text = &form.text[name.clone()];
            if form.names().any(|seen| seen == name_text) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {} was given more than once",
                    printable(name_text)
                )));
            }
            let value = form.push_decoded(v);
            form.params.push((name, value));
        }
        Ok(form)
    }

    /// Appends `raw` decoded, with replacement characters where it is not UTF-8, and
    /// returns where it stands.
    fn push_decoded(&mut self, raw: &[u8]) -> Range<usize> {
        let start = self.text.len();
        let decoded = decode(raw);
        // `from_utf8` checks ASCII a word at a time; the lossy decoder goes byte by byte,
        // so it only runs on what is not UTF-8.
        match std::str::from_utf8(&decoded) {
            Ok(text) => self.text.push_str(text),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(&decoded)),
        }
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

/// One form-urlencoded part undone (`+` is a space, `%XX` an escape; a `%` without two hex
/// digits stays as it is), as bytes. Most parts (tokens, ids, secrets, grant types) have
/// nothing to undo: a vectorised search says so, and they are lent back as they came.
pub fn decode(raw: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr2(b'%', b'+', raw).is_none() {
        return Cow::Borrowed(raw);
    }
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    Cow::Owned(percent_encoding::percent_decode(&spaced).collect())
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
    fn decodes_as_the_urlencoded_standard_does() {
        // Edge cases of the WHATWG parser, which clients' encoders follow: a value may
        // hold `=`, a lone name is an empty value, empty sequences are skipped, a `%`
        // without two hex digits stays as it is, `%2B` is a plus and `+` a space.
        let cases: [&[u8]; 12] = [
            b"a=b=c",
            b"lone&b=1",
            b"&&a=1&&",
            b"a=%&b=%4&c=%zz&d=%4A",
            b"a=%2B+%20",
            b"a+b=1&a%20c=2",
            b"=x",
            b"a=\xc3\xa9%C3%A9",
            b"a=%C3",
            b"t=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
            b"a=1;b=2",
            b"",
        ];
        for case in cases {
            let form = Form::parse(case).unwrap();
            let expected: Vec<(String, String)> = form_urlencoded::parse(case)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let got: Vec<(String, String)> = form
                .params
                .iter()
                .map(|(k, v)| {
                    (
                        form.text[k.clone()].to_owned(),
                        form.text[v.clone()].to_owned(),
                    )
                })
                .collect();
            assert_eq!(got, expected, "{}", String::from_utf8_lossy(case));
        }
    }

    #[test]
    fn a_name_is_matched_whole() {
        let f = Form::parse(b"token_type_hint=x&token=t").unwrap();
        assert_eq!(f.get("token"), Some("t"));
        assert_eq!(f.get("token_type"), None);
        assert_eq!(f.get(""), None);
    }
}
