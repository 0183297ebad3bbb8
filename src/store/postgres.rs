//! The Postgres store: production's system of record.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

    /// Connects lazily: a Postgres that is down at start-up makes /readyz and every
    /// request that needs it answer 503 until it is back, rather than crash-looping.
    pub fn connect(url: &str, max_connections: u32) -> Result<Self, super::StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy(url)
            .map_err(|e| super::StoreError::Unavailable(e.to_string()))?;
        Ok(Self { pool })
    }
}

impl_sql_store!(PgStore, sqlx::Postgres);
