//! Shared by the JWT targets: one key set made once per process.

use std::sync::OnceLock;

use sigil::clock::SystemClock;
use sigil::crypto::keys::MasterKey;
use sigil::store::KeyState;
use sigil::token::keyring::{KeySet, new_key_record};

pub const ISSUER: &str = "https://sigil.fuzz";
pub const NOW: i64 = 1_800_000_000;

pub fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        sigil::crypto::jwt_provider::install();
        let master = MasterKey::from_bytes(&[7u8; 32]).expect("32 bytes");
        let record = new_key_record(&master, KeyState::Active, &SystemClock).expect("a key");
        KeySet::from_records(&master, &[record]).expect("a key set")
    })
}
