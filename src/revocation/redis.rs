//! The Redis view, shared by every instance: one key per revocation
//! (`<prefix>rev:<kind>:<subject>`, the revocation time as value, expiring `EXAT` the
//! record's `until`), checked with one `MGET` of the token's four possible keys and the
//! completeness marker.
//!
//! The marker (`<prefix>rev:complete`) is written only by a restore, in the same
//! `MULTI`/`EXEC` as the entries, and never expires: a Redis that restarted empty, or a
//! replica promoted before it caught up, lacks it, and so answers "lost" instead of "not
//! revoked" until an instance has restored it from the record.
//!
//! Every command has a short response timeout, so a Redis that hangs is reported as
//! unavailable (and so as 503) within a bounded time rather than stalling requests.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{RevocationError, RevocationList, TokenRef};
use crate::clock::UnixTime;
use crate::store::RevocationRecord;

pub struct RedisRevocationList {
    conn: ConnectionManager,
    prefix: String,
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
        })
    }

    fn key(&self, kind: &str, subject: &str) -> String {
        format!("{}rev:{kind}:{subject}", self.prefix)
    }

    fn marker(&self) -> String {
        format!("{}rev:complete", self.prefix)
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
    async fn add(&self, records: &[RevocationRecord]) -> Result<(), RevocationError> {
        let mut pipe = redis::pipe();
        self.set_all(&mut pipe, records);
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(unavailable)
    }

    async fn restore(&self, records: &[RevocationRecord]) -> Result<(), RevocationError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        self.set_all(&mut pipe, records);
        pipe.cmd("SET").arg(self.marker()).arg(1).ignore();
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(unavailable)
    }

    async fn is_revoked(&self, t: &TokenRef<'_>) -> Result<bool, RevocationError> {
        let keys = [
            self.key("token", t.jti),
            self.key("grant", t.grant.as_str()),
            self.key("user", t.subject),
            self.key("client", t.client.as_str()),
            self.marker(),
        ];
        let mut conn = self.conn.clone();
        let found: Vec<Option<UnixTime>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let [token, grant, user, client, complete] = found.as_slice() else {
            return Err(RevocationError::Unavailable("MGET answered short".into()));
        };
        if complete.is_none() {
            return Err(RevocationError::Lost);
        }
        Ok(token.is_some()
            || grant.is_some()
            || user.is_some_and(|at| t.issued_at <= at)
            || client.is_some_and(|at| t.issued_at <= at))
    }

    async fn ping(&self) -> Result<(), RevocationError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    fn describe(&self) -> &'static str {
        "redis"
    }
}
