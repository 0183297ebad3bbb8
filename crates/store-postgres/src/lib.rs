//! The Postgres store: production's system of record. Every statement is the shared one
//! (`sigil_store::impl_sql_store!`), checked at build time against the Postgres schema.

#![forbid(unsafe_code)]

use std::time::Duration;

use sigil_domain::{ClientId, UnixTime};
use sigil_store::{
    Digest, NewRefreshToken, Redemption, RefreshRead, SessionStart, StoreError, Successor,
};
use sqlx::postgres::{PgPool, PgPoolOptions};

mod rotations;

pub struct PgStore {
    pool: PgPool,
    /// Batches refresh rotations; `None` when the store was made outside a runtime.
    rotations: Option<rotations::Batcher>,
}

impl PgStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

    /// Connects lazily: a Postgres that is down at start-up makes /readyz and every
    /// request that needs it answer 503 until it is back, rather than crash-looping.
    pub fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy(url)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        // Never more than half the pool, so a refresh storm leaves connections to logins,
        // revocations and the rest.
        let rotations = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let in_flight = usize::try_from(max_connections / 2)
                .unwrap_or(1)
                .min(rotations::IN_FLIGHT);
            rotations::Batcher::start(&runtime, pool.clone(), in_flight)
        });
        Ok(Self { pool, rotations })
    }

    /// Rotates a refresh token in one statement (data-modifying `WITH`): one round trip
    /// to the database instead of a transaction's six.
    async fn rotate(
        &self,
        spent: &Digest,
        new: &NewRefreshToken,
        now: UnixTime,
        access_expires_at: UnixTime,
        retried: Option<&Digest>,
    ) -> Result<Redemption, StoreError> {
        let rotated = sqlx::query_file_scalar!(
            "sql/rotate_refresh.sql",
            now,
            &spent[..],
            new.grant_id.as_str(),
            &new.token_hash[..],
            new.issued_at,
            new.expires_at,
            retried.map(|r| &r[..]),
            access_expires_at,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(if rotated == 1 {
            Redemption::Redeemed
        } else {
            Redemption::Replayed
        })
    }

    /// The common refresh in one round trip, batched with the refreshes that arrive
    /// alongside (see [`rotations`]): the read and the rotation in one statement.
    async fn read_and_rotate(
        &self,
        presented: &Digest,
        client: &ClientId,
        successor: &Successor,
    ) -> Result<Option<RefreshRead>, StoreError> {
        if let Some(batcher) = &self.rotations
            && let Some(answer) = batcher.rotate(presented, client, successor).await
        {
            return answer;
        }
        rotations::rotate_one(&self.pool, presented, client, successor).await
    }

    /// A login's writes in one statement (data-modifying `WITH`): one round trip and one
    /// commit instead of a transaction's six round trips. Under a login flood the
    /// database's share of the cores is taken from the argon2 hashes, so every statement
    /// saved is a login gained.
    async fn write_session_start(&self, start: &SessionStart) -> Result<(), StoreError> {
        let (s, e, c) = (&start.session, &start.event, start.code.as_ref());
        sqlx::query_file!(
            "sql/start_session.sql",
            start.replaces.as_ref().map(|d| &d[..]),
            &s.id_hash[..],
            s.user_id.as_str(),
            s.auth_time,
            s.expires_at,
            s.idle_expires_at,
            e.id.as_str(),
            e.at,
            e.actor.as_str(),
            e.action.as_str(),
            e.subject.as_deref(),
            e.outcome.as_str(),
            e.detail.as_deref(),
            e.client.as_deref(),
            e.address.as_deref(),
            c.map(|c| &c.code_hash[..]),
            c.map(|c| c.client_id.as_str()),
            c.map(|c| c.user_id.as_str()),
            c.map(|c| c.redirect_uri.as_str()),
            c.map(|c| c.scope.to_string()),
            c.map(|c| c.code_challenge.as_str()),
            c.and_then(|c| c.nonce.as_ref().map(|n| n.as_str())),
            c.map(|c| c.auth_time),
            c.map(|c| c.grant_id.as_str()),
            c.map(|c| c.expires_at),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// SQLSTATE 42P01, undefined_table.
    fn is_undefined_table(e: &dyn sqlx::error::DatabaseError) -> bool {
        e.code().as_deref() == Some("42P01")
    }
}

sigil_store::impl_sql_store!(PgStore, sqlx::Postgres);
