//! Persistence, as the rest of sigil sees it: the traits and typed records of
//! [`sigil_store`], and [`open`], the one place a backend is chosen.
//!
//! The backends live in crates of their own (`sigil-store-postgres`,
//! `sigil-store-sqlite`) because sqlx checks each crate's SQL against one database.

pub use sigil_store::*;

use std::sync::Arc;

use crate::config::StoreConfig;

/// Opens the store the configuration names. Nothing else chooses a backend.
pub async fn open(
    config: &StoreConfig,
    max_connections: u32,
) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match config {
        StoreConfig::Postgres { url } => Arc::new(sigil_store_postgres::PgStore::connect(
            url,
            max_connections,
        )?),
        StoreConfig::Sqlite { path } => {
            Arc::new(sigil_store_sqlite::SqliteStore::open(path).await?)
        }
    })
}
