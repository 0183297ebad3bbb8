//! The embedded store: one SQLite file, for a single node that needs no set-up.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

    pub async fn open(path: &Path) -> Result<Self, super::StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| super::StoreError::Unavailable(e.to_string()))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            // Writers queue on SQLite's lock instead of failing at once.
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| super::StoreError::Unavailable(e.to_string()))?;
        Ok(Self { pool })
    }
}

impl_sql_store!(SqliteStore, sqlx::Sqlite);
