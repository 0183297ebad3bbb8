//! The Postgres store: production's system of record. Every statement is the shared one
//! (`sigil_store::impl_sql_store!`), checked at build time against the Postgres schema.

#![forbid(unsafe_code)]

use std::time::Duration;

use sigil_domain::{ClientId, UnixTime};
use sigil_store::rows::RefreshRow;
use sigil_store::{
    Digest, NewRefreshToken, Redemption, RefreshRead, RefreshRecord, StoreError, Successor,
};
use sqlx::postgres::{PgPool, PgPoolOptions};

pub struct PgStore {
    pool: PgPool,
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
        Ok(Self { pool })
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

    /// The common refresh in one statement (`sql/refresh_and_rotate.sql`): the read and
    /// the rotation together, one round trip instead of two.
    async fn read_and_rotate(
        &self,
        presented: &Digest,
        client: &ClientId,
        successor: &Successor,
    ) -> Result<Option<RefreshRead>, StoreError> {
        let Some(r) = sqlx::query_file!(
            "sql/refresh_and_rotate.sql",
            &presented[..],
            client.as_str(),
            &successor.token_hash[..],
            successor.issued_at,
            successor.idle_expires_at,
            successor.absolute_ttl,
            successor.access_expires_at,
        )
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let record = RefreshRecord::try_from(RefreshRow {
            token_hash: r.token_hash,
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            rotated_at: r.rotated_at,
            replaced_by: r.replaced_by,
            grant_id: r.grant_id,
            client_id: r.client_id,
            user_id: r.user_id,
            scope: r.scope,
            auth_time: r.auth_time,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            access_expires_at: r.access_expires_at,
            user_active: r.user_active,
        })?;
        Ok(Some(RefreshRead {
            record,
            rotated: r.rotated == 1,
        }))
    }

    /// SQLSTATE 42P01, undefined_table.
    fn is_undefined_table(e: &dyn sqlx::error::DatabaseError) -> bool {
        e.code().as_deref() == Some("42P01")
    }
}

sigil_store::impl_sql_store!(PgStore, sqlx::Postgres);
