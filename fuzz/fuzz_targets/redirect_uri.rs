//! Redirect-URI registration and matching: a registered URI matches itself; for a
//! confidential client only the identical string matches; any match for a public client
//! differs from the registered string at most in the port of a loopback address.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil::domain::RedirectUri;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (registered, requested) = s.split_once('\n').unwrap_or((s, s));
    let Ok(r) = RedirectUri::parse(registered) else {
        return;
    };
    assert!(r.matches(registered, false));
    assert!(r.matches(registered, true));
    if r.matches(requested, false) {
        assert_eq!(requested, registered);
    }
    if r.matches(requested, true) && requested != registered {
        assert!(
            registered.starts_with("http://127.0.0.1") || registered.starts_with("http://[::1]")
        );
        assert!(requested.starts_with("http://127.0.0.1") || requested.starts_with("http://[::1]"));
    }
});
