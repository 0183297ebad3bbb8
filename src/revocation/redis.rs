//! Redis revocation list, shared by every instance: `SET key 1 EX ttl`, checked with one
//! `MGET` of the token's and the grant's keys.
//!
//! Every command has a short response timeout, so a Redis that hangs is reported as
//! unavailable (and so as 503) within a bounded time rather than stalling requests.

use std::time::Duration;

use async_trait::async_trait;
use redis::AsyncCommands as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{RevocationError, RevocationList};

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
    pub fn connect(url: &str, prefix: &str) -> Result<Self, RevocationError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
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

    fn token_key(&self, jti: &str) -> String {
        format!("{}rev:jti:{jti}", self.prefix)
    }

    fn grant_key(&self, grant_id: &str) -> String {
        format!("{}rev:grant:{grant_id}", self.prefix)
    }

    async fn set(&self, key: String, ttl_secs: u64) -> Result<(), RevocationError> {
        let mut conn = self.conn.clone();
        conn.set_ex::<_, _, ()>(key, 1u8, ttl_secs.max(1))
            .await
            .map_err(unavailable)
    }
}

#[async_trait]
impl RevocationList for RedisRevocationList {
    async fn revoke_token(&self, jti: &str, ttl_secs: u64) -> Result<(), RevocationError> {
        self.set(self.token_key(jti), ttl_secs).await
    }

    async fn revoke_grant(&self, grant_id: &str, ttl_secs: u64) -> Result<(), RevocationError> {
        self.set(self.grant_key(grant_id), ttl_secs).await
    }

    async fn is_revoked(&self, jti: &str, grant_id: &str) -> Result<bool, RevocationError> {
        let mut conn = self.conn.clone();
        let found: Vec<Option<u8>> = conn
            .mget(&[self.token_key(jti), self.grant_key(grant_id)])
            .await
            .map_err(unavailable)?;
        Ok(found.iter().any(Option::is_some))
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
