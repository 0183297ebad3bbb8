//! What instances read off the event bus: a revocation announcement decodes only into
//! revocations the store itself would accept, and encodes back to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil::revocation::announcement::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Some((seq, records)) = decode(data) {
        let again = decode(&encode(seq, &records)).expect("what decodes re-encodes");
        assert_eq!(again, (seq, records));
    }
});
