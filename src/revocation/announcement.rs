//! What a writer announces on the event bus for each write to the revocation view: its
//! sequence number and its revocations, as JSON. The reader checks every revocation as
//! the store checks its rows, since the bus is input from outside the process.

use serde::{Deserialize, Serialize};

use crate::store::rows::RevocationRow;
use crate::store::{RevocationRecord, RevocationSeq};

/// The announcement of one write: its number and its revocations.
#[derive(Serialize, Deserialize)]
struct Announcement {
    seq: RevocationSeq,
    records: Vec<Wire>,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    kind: String,
    subject: String,
    revoked_at: i64,
    until: i64,
}

/// The announcement of write `seq`.
pub fn encode(seq: RevocationSeq, records: &[RevocationRecord]) -> Vec<u8> {
    let announcement = Announcement {
        seq,
        records: records
            .iter()
            .map(|r| Wire {
                kind: r.revoked.kind().to_owned(),
                subject: r.revoked.subject().to_owned(),
                revoked_at: r.revoked_at,
                until: r.until,
            })
            .collect(),
    };
    serde_json::to_vec(&announcement).unwrap_or_default()
}

/// Reads an announcement, checking every revocation in it as the store checks its rows.
/// `None` for anything else: the caller counts it as a write it missed.
pub fn decode(bytes: &[u8]) -> Option<(RevocationSeq, Vec<RevocationRecord>)> {
    if bytes.len() > 1 << 20 {
        return None;
    }
    let announcement: Announcement = serde_json::from_slice(bytes).ok()?;
    let records = announcement
        .records
        .into_iter()
        .map(|w| {
            RevocationRecord::try_from(RevocationRow {
                kind: w.kind,
                subject: w.subject,
                revoked_at: w.revoked_at,
                until: w.until,
            })
            .ok()
        })
        .collect::<Option<Vec<_>>>()?;
    Some((announcement.seq, records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GrantId, Kid, UserId};
    use crate::store::Revoked;

    #[test]
    fn announcements_round_trip_and_anything_else_is_refused() {
        let records = vec![
            RevocationRecord {
                revoked: Revoked::Token("j1".into()),
                revoked_at: 10,
                until: 70,
            },
            RevocationRecord {
                revoked: Revoked::Grant(GrantId::parse("g1").unwrap()),
                revoked_at: 10,
                until: 90,
            },
            RevocationRecord {
                revoked: Revoked::User(UserId::parse("u1").unwrap()),
                revoked_at: 11,
                until: 100,
            },
            RevocationRecord {
                revoked: Revoked::Kid(Kid::parse("k1").unwrap()),
                revoked_at: 12,
                until: 100,
            },
        ];
        let (seq, back) = decode(&encode(7, &records)).unwrap();
        assert_eq!(seq, 7);
        assert_eq!(back, records);
        for bad in [
            &b""[..],
            b"{}",
            b"null",
            br#"{"seq":1,"records":[{"kind":"who","subject":"x","revoked_at":1,"until":2}]}"#,
            br#"{"seq":1,"records":[{"kind":"grant","subject":"bad id","revoked_at":1,"until":2}]}"#,
            br#"{"seq":"1","records":[]}"#,
        ] {
            assert!(decode(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(decode(br#"{"seq":3,"records":[]}"#), Some((3, vec![])));
    }
}
