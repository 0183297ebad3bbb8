//! The Postgres store: production's system of record. Every statement is the shared one
//! (`sigil_store::impl_sql_store!`), checked at build time against the Postgres schema.

#![forbid(unsafe_code)]

use std::time::Duration;

use sigil_store::StoreError;
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

    /// SQLSTATE 42P01, undefined_table.
    fn is_undefined_table(e: &dyn sqlx::error::DatabaseError) -> bool {
        e.code().as_deref() == Some("42P01")
    }
}

sigil_store::impl_sql_store!(PgStore, sqlx::Postgres);
