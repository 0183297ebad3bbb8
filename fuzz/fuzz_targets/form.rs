//! Form bodies of /token, /introspect and /revoke: parsing never panics, a parameter given
//! twice is always refused (RFC 6749 §3.1), a parsed form holds exactly the values sent
//! (empty ones as omitted), and a token request parses or is refused cleanly.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use sigil::oauth::form::Form;
use sigil::oauth::grant::TokenRequest;

/// The form's parameter bound (`oauth::form`).
const MAX_PARAMS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let raw: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let repeated = raw
        .iter()
        .take(MAX_PARAMS)
        .any(|(k, v)| seen.insert(k.as_str(), v.as_str()).is_some());
    let Ok(form) = Form::parse(data) else {
        // Refused only for a reason: a repeat, or too many parameters.
        assert!(repeated || raw.len() > MAX_PARAMS, "refused a valid form");
        return;
    };
    assert!(!repeated, "a repeated parameter was accepted");
    assert!(raw.len() <= MAX_PARAMS);
    for (k, v) in &raw {
        let expected = (!v.is_empty()).then_some(v.as_str());
        assert_eq!(form.get(k), expected, "{k}");
    }
    let _ = TokenRequest::parse(&form);
    let _ = sigil::oauth::client_auth::presented(None, &form);
});
