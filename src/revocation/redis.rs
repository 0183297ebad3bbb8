//! The Redis view, shared by every instance: one key per revocation
//! (`<prefix>rev:<kind>:<subject>`, the revocation time as value, expiring `EXAT` the
//! record's `until`), checked with one `MGET` of the token's five possible keys and the
//! view's sequence number.
//!
//! The sequence number (`<prefix>rev:seq`, never expiring) says the view holds every
//! write of the record up to it. A restore sets it in the same `MULTI`/`EXEC` as the
//! entries; an added write raises it, in a script after its entries, only from the number
//! just before. A Redis that restarted empty lacks it; a replica promoted before it
//! caught up, or a restart from an old snapshot, has one lower than this instance has
//! seen (its own writes, the view's answers, the record's polls). Either way the answer
//! is "lost" instead of "not revoked" until an instance has restored it from the record.
//!
//! Every command has a short response timeout, so a Redis that hangs is reported as
//! unavailable (and so as 503) within a bounded time rather than stalling requests.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{RevocationError, RevocationList, TokenRef};
use crate::clock::UnixTime;
use crate::domain::ClientId;
use crate::events::Topic;
use crate::store::{RevocationRecord, RevocationSeq};

/// Sets the view's sequence number after a write: ARGV[2] `restore` (the view now holds
/// everything up to ARGV[1], and a number already higher stays), or `add` (raised only
/// from ARGV[1] - 1: from anything else the view missed a write, or was never restored).
const SEQ_SCRIPT: &str = r"
local cur = tonumber(redis.call('GET', KEYS[1]))
local seq = tonumber(ARGV[1])
if ARGV[2] == 'restore' then
  if not cur or cur < seq then redis.call('SET', KEYS[1], seq) end
elseif cur and cur == seq - 1 then
  redis.call('SET', KEYS[1], seq)
end
return 1
";

pub struct RedisRevocationList {
    conn: ConnectionManager,
    prefix: String,
    /// The highest sequence number this instance knows the record reached and the view
    /// once held: a view found below it went back in time.
    known: AtomicI64,
    /// Where every added write is announced, with its entries, in the pipeline that
    /// writes it: for the in-process copies ([`super::mirrored`]).
    channel: String,
}

fn unavailable(e: redis::RedisError) -> RevocationError {
    RevocationError::Unavailable(e.to_string())
}

impl RedisRevocationList {
    /// Connects lazily, so that sigil starts (and reports not-ready) while Redis is down.
    /// `prefix` namespaces the keys, so several deployments (or tests) share a server.
    pub fn connect(
        url: &str,
        prefix: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, RevocationError> {
        let client = crate::redis_client::open(url, ca_file)
            .map_err(|e| RevocationError::Unavailable(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            known: AtomicI64::new(0),
            channel: crate::events::channel(prefix, Topic::Revocations),
        })
    }

    fn key(&self, kind: &str, subject: &str) -> String {
        format!("{}rev:{kind}:{subject}", self.prefix)
    }

    fn seq_key(&self) -> String {
        format!("{}rev:seq", self.prefix)
    }

    fn set_seq(&self, pipe: &mut redis::Pipeline, seq: RevocationSeq, mode: &str) {
        pipe.cmd("EVAL")
            .arg(SEQ_SCRIPT)
            .arg(1)
            .arg(self.seq_key())
            .arg(seq)
            .arg(mode)
            .ignore();
    }

    fn learn(&self, seq: RevocationSeq) {
        self.known.fetch_max(seq, Ordering::AcqRel);
    }

    /// Sends a write of the view up to `seq`, and counts `seq` as known once it is in.
    async fn send(
        &self,
        pipe: &redis::Pipeline,
        seq: RevocationSeq,
    ) -> Result<(), RevocationError> {
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(unavailable)?;
        self.learn(seq);
        Ok(())
    }

    /// Whether a view standing at `seq` is whole, as far as this instance can tell.
    fn whole(&self, seq: Option<RevocationSeq>) -> bool {
        seq.is_some_and(|seq| seq >= self.known.load(Ordering::Acquire))
    }

    fn set_all(&self, pipe: &mut redis::Pipeline, records: &[RevocationRecord]) {
        for r in records {
            // EXAT wants a time in the future; one already past needs no entry.
            let until = u64::try_from(r.until).unwrap_or(0).max(1);
            pipe.cmd("SET")
                .arg(self.key(r.revoked.kind(), r.revoked.subject()))
                .arg(r.revoked_at)
                .arg("EXAT")
                .arg(until)
                .ignore();
        }
    }
}

#[async_trait]
impl RevocationList for RedisRevocationList {
    async fn add(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError> {
        let mut pipe = redis::pipe();
        self.set_all(&mut pipe, records);
        self.set_seq(&mut pipe, seq, "add");
        pipe.cmd("PUBLISH")
            .arg(&self.channel)
            .arg(super::announcement::encode(seq, records))
            .ignore();
        self.send(&pipe, seq).await
    }

    async fn restore(
        &self,
        records: &[RevocationRecord],
        seq: RevocationSeq,
    ) -> Result<(), RevocationError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        self.set_all(&mut pipe, records);
        self.set_seq(&mut pipe, seq, "restore");
        self.send(&pipe, seq).await
    }

    async fn holds(&self, recorded: RevocationSeq) -> Result<bool, RevocationError> {
        let mut conn = self.conn.clone();
        let seq: Option<RevocationSeq> = redis::cmd("GET")
            .arg(self.seq_key())
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        if seq.is_some_and(|seq| seq >= recorded) {
            self.learn(recorded);
            return Ok(true);
        }
        Ok(false)
    }

    async fn is_revoked(&self, t: &TokenRef<'_>) -> Result<bool, RevocationError> {
        let keys = [
            self.key("token", t.jti),
            self.key("grant", t.grant.as_str()),
            self.key("user", t.subject),
            self.key("client", t.client.as_str()),
            self.key("kid", t.kid.as_str()),
            self.seq_key(),
        ];
        let mut conn = self.conn.clone();
        let found: Vec<Option<UnixTime>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let [token, grant, user, client, kid, seq] = found.as_slice() else {
            return Err(RevocationError::Unavailable("MGET answered short".into()));
        };
        if !self.whole(*seq) {
            return Err(RevocationError::Lost);
        }
        if let Some(seq) = seq {
            self.learn(*seq);
        }
        Ok(token.is_some()
            || grant.is_some()
            || kid.is_some()
            || user.is_some_and(|at| t.issued_at <= at)
            || client.is_some_and(|at| t.issued_at <= at))
    }

    async fn client_revoked_at(
        &self,
        client: &ClientId,
    ) -> Result<Option<UnixTime>, RevocationError> {
        let mut conn = self.conn.clone();
        let found: Vec<Option<i64>> = redis::cmd("MGET")
            .arg(&[self.key("client", client.as_str()), self.seq_key()])
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let [at, seq] = found.as_slice() else {
            return Err(RevocationError::Unavailable("MGET answered short".into()));
        };
        if !self.whole(*seq) {
            return Err(RevocationError::Lost);
        }
        Ok(*at)
    }

    async fn ping(&self) -> Result<(), RevocationError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    fn written_by_every_writer(&self) -> bool {
        true
    }

    fn describe(&self) -> &'static str {
        "redis"
    }
}
