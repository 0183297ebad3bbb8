//! The login form's POST: the body parses or is refused, and a username normalises to a
//! fixed point (parsing a parsed username changes nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil::domain::Username;
use sigil::oauth::form::Form;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = Form::parse(data) else {
        return;
    };
    if let Some(name) = form.get("username")
        && let Ok(u) = Username::parse(name)
    {
        let again = Username::parse(u.as_str()).expect("a normalised username parses");
        assert_eq!(again, u);
    }
    let _ = form
        .get("csrf_token")
        .map(sigil::token::opaque::CsrfToken::parse);
});
