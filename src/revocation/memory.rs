//! The in-process view, for the single-node embedded default. It starts incomplete and
//! is restored from the record (SQLite) at start, so a restart forgets nothing; a poll
//! that finds the record ahead (the CLI, another process, wrote to it) restores it again.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{RevocationError, RevocationList, TokenRef};
use crate::clock::{Clock, UnixTime};
use crate::domain::ClientId;
use crate::store::{RevocationRecord, RevocationSeq, Revoked};

/// Per kind: subject → (revoked at, until).
#[derive(Default)]
struct Entries {
    tokens: HashMap<String, (UnixTime, UnixTime)>,
    grants: HashMap<String, (UnixTime, UnixTime)>,
    users: HashMap<String, (UnixTime, UnixTime)>,
    clients: HashMap<String, (UnixTime, UnixTime)>,
    kids: HashMap<String, (UnixTime, UnixTime)>,
    writes: u64,
    /// Every write of the record up to this one is here; `None` until the first restore.
    seq: Option<RevocationSeq>,
    /// Writes heard above `seq` with one missing below them (two writers publish in an
    /// order of their own), and since when one has been missing.
    ahead: BTreeSet<RevocationSeq>,
    gap_since: Option<Instant>,
}

/// Writes heard ahead of a gap are remembered up to this many; past it the view simply
/// stays behind until it is restored.
const MAX_AHEAD: usize = 4096;

impl Entries {
    /// Counts write `seq` as held: raises `seq` past it and past whatever was waiting on
    /// it, or remembers it as ahead of a gap.
    fn count(&mut self, seq: RevocationSeq) {
        let Some(current) = self.seq else {
            return;
        };
        if seq <= current || (seq > current + 1 && self.ahead.len() >= MAX_AHEAD) {
            return;
        }
        self.ahead.insert(seq);
        self.follow_on();
    }

    /// Raises `seq` past every write heard just above it, forgets those at or below it,
    /// and notes since when one has been missing while any wait above a gap.
    fn follow_on(&mut self) {
        let Some(mut seq) = self.seq else {
            return;
        };
        while self.ahead.remove(&(seq + 1)) {
            seq += 1;
        }
        self.ahead.retain(|&s| s > seq);
        self.seq = Some(seq);
        self.gap_since = if self.ahead.is_empty() {
            None
        } else {
            self.gap_since.or(Some(Instant::now()))
        };
    }
}

impl Entries {
    fn map(&mut self, revoked: &Revoked) -> &mut HashMap<String, (UnixTime, UnixTime)> {
        match revoked {
            Revoked::Token(_) => &mut self.tokens,
            Revoked::Grant(_) => &mut self.grants,
            Revoked::User(_) => &mut self.users,
            Revoked::Client(_) => &mut self.clients,
            Revoked::Kid(_) => &mut self.kids,
        }
    }
}

pub struct MemoryRevocationList {
    entries: RwLock<Entries>,
    clock: Arc<dyn Clock>,
}

impl MemoryRevocationList {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            entries: RwLock::new(Entries::default()),
            clock,
        }
    }

    /// Whether this view can answer on its own: restored, and with no write missing for
    /// longer than `grace` (a write published out of order arrives within it; one
    /// missing for longer was lost).
    pub fn is_current(&self, grace: Duration) -> bool {
        self.entries.read().is_ok_and(|e| {
            e.seq.is_some() && e.gap_since.is_none_or(|since| since.elapsed() < grace)
        })
    }

    /// Stops counting the view as whole (it may have missed writes) until it is restored;
    /// the entries it holds stay, since revocations only ever add.
    pub fn forget_seq(&self) {
        if let Ok(mut e) = self.entries.write() {
            e.seq = None;
            e.ahead.clear();
            e.gap_since = None;
        }
    }

    fn poisoned<T>(_: T) -> RevocationError {
        RevocationError::Unavailable("lock poisoned".into())
    }

    fn insert(&self, e: &mut Entries, records: &[RevocationRecord]) {
        let now = self.clock.now();
        for r in records {
            let map = e.map(&r.revoked);
            let entry = map
                .entry(r.revoked.subject().to_owned())
                .or_insert((r.revoked_at, r.until));
            // Revoking again only widens: the later time, the longer life.
            *entry = (entry.0.max(r.revoked_at), entry.1.max(r.until));
        }
        e.writes += records.len() as u64;
        // Sweep expired entries now and then so the maps track live revocations only.
        if e.writes >= 1024 {
            let e = &mut *e;
            e.writes = 0;
            for map in [
                &mut e.tokens,
                &mut e.grants,
                &mut e.users,
                &mut e.clients,
                &mut e.kids,
            ] {
                map.retain(|_, (_, until)| *until > now);
            }
        }
    }
}

#[async_trait]
impl RevocationList for MemoryRevocationList {
    async fn add(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError> {
        let mut e = self.entries.write().map_err(Self::poisoned)?;
        self.insert(&mut e, records);
        e.count(seq);
        Ok(())
    }

    async fn restore(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError> {
        let mut e = self.entries.write().map_err(Self::poisoned)?;
        self.insert(&mut e, records);
        e.seq = Some(e.seq.map_or(seq, |held| held.max(seq)));
        // Writes already heard past the restored number may now follow on.
        e.follow_on();
        Ok(())
    }

    async fn holds(&self, recorded: RevocationSeq) -> Result<bool, RevocationError> {
        let e = self.entries.read().map_err(Self::poisoned)?;
        Ok(e.seq.is_some_and(|seq| seq >= recorded))
    }

    async fn is_revoked(&self, t: &TokenRef<'_>) -> Result<bool, RevocationError> {
        let now = self.clock.now();
        let e = self.entries.read().map_err(Self::poisoned)?;
        if e.seq.is_none() {
            return Err(RevocationError::Lost);
        }
        let live = |m: &HashMap<String, (UnixTime, UnixTime)>, k: &str| {
            m.get(k)
                .filter(|(_, until)| *until > now)
                .map(|(at, _)| *at)
        };
        Ok(live(&e.tokens, t.jti).is_some()
            || live(&e.grants, t.grant.as_str()).is_some()
            || live(&e.kids, t.kid.as_str()).is_some()
            || live(&e.users, t.subject).is_some_and(|at| t.issued_at <= at)
            || live(&e.clients, t.client.as_str()).is_some_and(|at| t.issued_at <= at))
    }

    async fn client_revoked_at(
        &self,
        client: &ClientId,
    ) -> Result<Option<UnixTime>, RevocationError> {
        let now = self.clock.now();
        let e = self.entries.read().map_err(Self::poisoned)?;
        if e.seq.is_none() {
            return Err(RevocationError::Lost);
        }
        Ok(e.clients
            .get(client.as_str())
            .filter(|(_, until)| *until > now)
            .map(|(at, _)| *at))
    }

    async fn ping(&self) -> Result<(), RevocationError> {
        Ok(())
    }

    fn written_by_every_writer(&self) -> bool {
        false
    }

    fn describe(&self) -> &'static str {
        "in-process (single node)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ShiftedClock;
    use crate::domain::{GrantId, Kid, UserId};

    fn record(revoked: Revoked, at: UnixTime, until: UnixTime) -> RevocationRecord {
        RevocationRecord {
            revoked,
            revoked_at: at,
            until,
        }
    }

    #[tokio::test]
    async fn entries_expire_with_their_tokens_and_users_cut_by_issue_time() {
        let clock = ShiftedClock::new();
        let now = clock.now();
        let list = MemoryRevocationList::new(Arc::new(clock.clone()));
        let grant = GrantId::parse("g1").unwrap();
        let client = ClientId::parse("c1").unwrap();
        let kid = Kid::parse("k1").unwrap();
        let token = |jti, issued_at| TokenRef {
            jti,
            grant: &grant,
            subject: "u1",
            client: &client,
            kid: &kid,
            issued_at,
        };
        assert!(matches!(
            list.is_revoked(&token("j", now)).await,
            Err(RevocationError::Lost)
        ));
        list.restore(&[], 0).await.unwrap();
        assert!(!list.is_revoked(&token("j", now)).await.unwrap());
        list.add(
            &[
                record(Revoked::Token("j1".into()), now, now + 60),
                record(Revoked::User(UserId::parse("u1").unwrap()), now, now + 120),
            ],
            1,
        )
        .await
        .unwrap();
        assert!(list.is_revoked(&token("j1", now + 10)).await.unwrap());
        assert!(
            list.is_revoked(&token("j2", now)).await.unwrap(),
            "the user's"
        );
        assert!(
            !list.is_revoked(&token("j2", now + 1)).await.unwrap(),
            "a token issued after the user's revocation lives"
        );
        list.add(&[record(Revoked::Kid(kid.clone()), now, now + 61)], 2)
            .await
            .unwrap();
        assert!(
            list.is_revoked(&token("j3", now + 5)).await.unwrap(),
            "signed with a revoked key"
        );
        clock.advance(61);
        assert!(!list.is_revoked(&token("j1", now + 10)).await.unwrap());
        clock.advance(60);
        assert!(!list.is_revoked(&token("j2", now)).await.unwrap());
    }

    #[tokio::test]
    async fn a_write_after_a_gap_leaves_the_view_behind_until_restored() {
        let clock = ShiftedClock::new();
        let now = clock.now();
        let list = MemoryRevocationList::new(Arc::new(clock));
        assert!(!list.holds(0).await.unwrap(), "never restored");
        list.restore(&[], 3).await.unwrap();
        assert!(list.holds(3).await.unwrap());
        let one = |jti: &str| [record(Revoked::Token(jti.into()), now, now + 60)];
        list.add(&one("a"), 4).await.unwrap();
        assert!(list.holds(4).await.unwrap(), "4 follows 3");
        // Another process recorded 5, which this view never saw.
        list.add(&one("b"), 6).await.unwrap();
        assert!(!list.holds(6).await.unwrap(), "5 is missing");
        assert!(!list.holds(5).await.unwrap());
        list.restore(&one("lost"), 6).await.unwrap();
        assert!(list.holds(6).await.unwrap());
        // A restore that read an older record never lowers the mark.
        list.restore(&[], 2).await.unwrap();
        assert!(list.holds(6).await.unwrap());
    }

    #[tokio::test]
    async fn writes_heard_out_of_order_count_once_the_gap_fills() {
        let clock = ShiftedClock::new();
        let now = clock.now();
        let list = MemoryRevocationList::new(Arc::new(clock));
        let one = |jti: &str| [record(Revoked::Token(jti.into()), now, now + 60)];
        list.restore(&[], 3).await.unwrap();
        list.add(&one("e"), 5).await.unwrap();
        list.add(&one("f"), 6).await.unwrap();
        assert!(!list.holds(5).await.unwrap(), "4 not heard yet");
        assert!(list.is_current(Duration::from_secs(60)), "within the grace");
        assert!(!list.is_current(Duration::ZERO), "past the grace");
        list.add(&one("d"), 4).await.unwrap();
        assert!(
            list.holds(6).await.unwrap(),
            "4 filled the gap: 5 and 6 follow"
        );
        assert!(list.is_current(Duration::ZERO));

        // A restore past a gap takes in what was heard beyond it.
        list.add(&one("h"), 8).await.unwrap();
        list.add(&one("i"), 9).await.unwrap();
        list.restore(&one("g"), 7).await.unwrap();
        assert!(list.holds(9).await.unwrap());

        list.forget_seq();
        assert!(!list.is_current(Duration::from_secs(60)));
        assert!(!list.holds(0).await.unwrap());
        let t = TokenRef {
            jti: "e",
            grant: &GrantId::parse("g").unwrap(),
            subject: "u",
            client: &ClientId::parse("c").unwrap(),
            kid: &Kid::parse("k").unwrap(),
            issued_at: now,
        };
        assert!(matches!(
            list.is_revoked(&t).await,
            Err(RevocationError::Lost)
        ));
    }
}
