//! The client records this instance last read, kept for one use: answering /introspect
//! while the store cannot be read (ARCHITECTURE "Failure modes"). Every other read of a
//! client goes to the store, so this is never a source of truth, only the last word heard.
//!
//! A remembered record can be stale: the client may have been disabled or deleted after
//! this instance last read it and before the store went away. Both changes also revoke
//! every token of the client, in the revocation view, which stays readable through a
//! store outage; so a record read at or before the client's latest revocation is not
//! used (checked by the caller, [`super::Services::last_known_client`]). Other changes
//! (a client enabled again) only make the remembered record refuse what the store would
//! allow, which is the safe direction.
//!
//! Bounded twice: by age, since a client unheard of for an hour is not a resource server
//! calling on every request, and by count, the oldest read forgotten first.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::UnixTime;
use crate::domain::ClientId;
use crate::store::ClientRecord;

/// How long a record read from the store may stand in for it.
pub const MAX_AGE: i64 = 3600;
/// How many clients are remembered at most.
const CAPACITY: usize = 4096;

#[derive(Default)]
pub struct KnownClients {
    records: Mutex<HashMap<ClientId, (ClientRecord, UnixTime)>>,
}

impl KnownClients {
    /// What the store just said about `id`, at `now`: a record, or that there is none.
    pub fn remember(&self, id: &ClientId, found: Option<&ClientRecord>, now: UnixTime) {
        let Ok(mut records) = self.records.lock() else {
            return;
        };
        let Some(record) = found else {
            records.remove(id);
            return;
        };
        if records.len() >= CAPACITY
            && !records.contains_key(id)
            && let Some(oldest) = records
                .iter()
                .min_by_key(|(_, (_, read_at))| *read_at)
                .map(|(id, _)| id.clone())
        {
            records.remove(&oldest);
        }
        records.insert(id.clone(), (record.clone(), now));
    }

    /// The record last read for `id`, with when it was read, if that was under
    /// [`MAX_AGE`] before `now`.
    pub fn last_read(&self, id: &ClientId, now: UnixTime) -> Option<(ClientRecord, UnixTime)> {
        let records = self.records.lock().ok()?;
        records
            .get(id)
            .filter(|(_, read_at)| now - read_at < MAX_AGE)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Scope, SigningAlg};

    fn client(id: &str) -> ClientRecord {
        ClientRecord {
            id: ClientId::parse(id).unwrap(),
            name: id.into(),
            secret_hash: None,
            redirect_uris: vec![],
            grant_types: vec![],
            scope: Scope::parse("read").unwrap(),
            id_token_alg: SigningAlg::Es256,
            disabled: false,
            created_at: 0,
        }
    }

    #[test]
    fn records_are_forgotten_when_old_gone_or_crowded_out() {
        let known = KnownClients::default();
        let a = client("a");
        known.remember(&a.id, Some(&a), 1000);
        assert_eq!(
            known.last_read(&a.id, 1000 + MAX_AGE - 1).map(|r| r.1),
            Some(1000)
        );
        assert!(known.last_read(&a.id, 1000 + MAX_AGE).is_none(), "too old");
        known.remember(&a.id, None, 1001);
        assert!(
            known.last_read(&a.id, 1001).is_none(),
            "the store said gone"
        );

        for i in 0..CAPACITY {
            let c = client(&format!("c{i}"));
            known.remember(&c.id, Some(&c), if i == 0 { 4999 } else { 5000 });
        }
        let now = 5001;
        let newcomer = client("new");
        known.remember(&newcomer.id, Some(&newcomer), now);
        assert!(known.last_read(&newcomer.id, now).is_some());
        assert!(
            known.last_read(&client("c0").id, now).is_none(),
            "oldest out"
        );
        assert!(known.last_read(&client("c1").id, now).is_some());
    }
}
