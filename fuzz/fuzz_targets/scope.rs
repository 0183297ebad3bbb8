//! Scope strings: a parsed scope prints to a string that parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil::domain::Scope;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scope) = Scope::parse(s) {
        let printed = scope.to_string();
        assert_eq!(Scope::parse(&printed).expect("printed scope parses"), scope);
        assert!(scope.is_subset(&scope));
    }
});
