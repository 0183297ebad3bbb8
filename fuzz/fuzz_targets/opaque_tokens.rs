//! Refresh tokens, codes, client secrets, session ids and CSRF tokens: a value parses as
//! at most one kind, and a parsed value is exactly its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil::token::opaque::{AuthCode, ClientSecret, CsrfToken, RefreshToken, SessionId};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let kinds = [
        RefreshToken::parse(s).map(|t| t.expose() == s),
        AuthCode::parse(s).map(|t| t.expose() == s),
        ClientSecret::parse(s).map(|t| t.expose() == s),
        SessionId::parse(s).map(|t| t.expose() == s),
        CsrfToken::parse(s).map(|t| t.expose() == s),
    ];
    let parsed: Vec<bool> = kinds.into_iter().filter_map(Result::ok).collect();
    assert!(parsed.len() <= 1, "{s:?} parsed as several kinds");
    assert!(parsed.iter().all(|same| *same));
});
