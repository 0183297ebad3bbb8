//! Form bodies of /token, /introspect and /revoke: parsing never panics, a parsed form
//! never yields an empty value, and a token request parses or is refused cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil::oauth::form::Form;
use sigil::oauth::grant::TokenRequest;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = Form::parse(data) else {
        return;
    };
    for name in [
        "grant_type",
        "code",
        "refresh_token",
        "scope",
        "token",
        "client_id",
    ] {
        assert!(form.get(name).is_none_or(|v| !v.is_empty()));
    }
    let _ = TokenRequest::parse(&form);
    let _ = sigil::oauth::client_auth::presented(None, &form);
});
