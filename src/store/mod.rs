//! Persistence: one [`Store`] trait, chosen once at start-up, with a Postgres and an
//! SQLite implementation that share one body of SQL (see [`sql`]).
//!
//! Secrets never reach this layer in clear: codes, refresh tokens, sessions and client
//! secrets arrive as SHA-256 digests, passwords as argon2id PHC strings, private keys
//! sealed under the master key. Single use is enforced here, atomically, by conditional
//! updates inside one transaction (ARCHITECTURE invariants 6 and 7).

mod records;
#[macro_use]
mod sql;
pub mod postgres;
pub mod sqlite;

pub use records::*;

use async_trait::async_trait;

use crate::clock::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0}")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict("a record with this key")
            }
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}

/// The store, chosen once at start-up: one trait per aggregate, gathered here.
#[async_trait]
pub trait Store: UserStore + ClientStore + GrantStore + KeyStore + 'static {
    async fn migrate(&self) -> Result<(), StoreError>;
    async fn ping(&self) -> Result<(), StoreError>;
}

/// People and their browser sessions.
#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, user: &NewUser) -> Result<(), StoreError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn set_password_hash(&self, user_id: &str, phc: &str) -> Result<(), StoreError>;
    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<(), StoreError>;
    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    async fn session(
        &self,
        id_hash: &[u8],
        now: UnixTime,
    ) -> Result<Option<SessionRecord>, StoreError>;
}

/// OAuth clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn create_client(&self, client: &ClientRecord) -> Result<(), StoreError>;
    async fn client(&self, id: &str) -> Result<Option<ClientRecord>, StoreError>;
    async fn list_clients(&self) -> Result<Vec<ClientRecord>, StoreError>;
    async fn delete_client(&self, id: &str) -> Result<(), StoreError>;
}

/// Authorization codes, grants (refresh-token families) and refresh tokens.
#[async_trait]
pub trait GrantStore: Send + Sync {
    async fn create_code(&self, code: &CodeRecord) -> Result<(), StoreError>;
    async fn code(&self, code_hash: &[u8]) -> Result<Option<CodeRecord>, StoreError>;
    /// Consumes the code and records its grant (and the grant's first refresh token) in
    /// one transaction. `Replayed` when the code was already consumed: nothing is written.
    async fn redeem_code(
        &self,
        code_hash: &[u8],
        grant: &GrantRecord,
        refresh: Option<&NewRefreshToken>,
        now: UnixTime,
    ) -> Result<Redemption, StoreError>;
    async fn refresh_token(&self, token_hash: &[u8]) -> Result<Option<RefreshRecord>, StoreError>;
    /// Marks `old` rotated and stores `new` in the same family, in one transaction, only
    /// if `old` was still current and its family unrevoked; otherwise writes nothing.
    async fn rotate_refresh(
        &self,
        old_hash: &[u8],
        new: &NewRefreshToken,
        now: UnixTime,
    ) -> Result<Redemption, StoreError>;
    /// Revokes a whole family. Returns whether it was live before.
    async fn revoke_grant(&self, grant_id: &str, now: UnixTime) -> Result<bool, StoreError>;
}

/// Signing keys.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<(), StoreError>;
}

/// Opens the store the configuration names. Nothing else chooses a backend.
pub async fn open(
    config: &crate::config::StoreConfig,
    max_connections: u32,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    use crate::config::StoreConfig;
    Ok(match config {
        StoreConfig::Postgres { url } => {
            std::sync::Arc::new(postgres::PgStore::connect(url, max_connections)?)
        }
        StoreConfig::Sqlite { path } => std::sync::Arc::new(sqlite::SqliteStore::open(path).await?),
    })
}
