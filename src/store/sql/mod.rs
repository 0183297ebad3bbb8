//! The SQL both backends share.
//!
//! Postgres and SQLite accept the same statements here (`$N` parameters, `RETURNING`,
//! partial indexes, `BIGINT` seconds, `BYTEA`/`BLOB` as bytes), so one body is stamped out
//! per backend by [`impl_sql_store!`] (one macro per aggregate, a file each), compiled against each driver's own types: no `Any`
//! driver, and no `if postgres … else …` at run time. Parameters are numbered in order of
//! first appearance, which SQLite requires for `$N` names to bind positionally.

use crate::domain::{GrantType, RedirectUri, Scope};

use super::{KeyState, StoreError};

#[macro_use]
mod users;
#[macro_use]
mod clients;
#[macro_use]
mod grants;
#[macro_use]
mod keys;

pub(crate) fn encode_uris(uris: &[RedirectUri]) -> String {
    let list: Vec<&str> = uris.iter().map(RedirectUri::as_str).collect();
    serde_json::Value::from(list).to_string()
}

pub(crate) fn decode_uris(raw: &str) -> Result<Vec<RedirectUri>, StoreError> {
    let list: Vec<String> =
        serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    list.iter()
        .map(|u| RedirectUri::parse(u).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

pub(crate) fn encode_grants(grants: &[GrantType]) -> String {
    grants
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn decode_grants(raw: &str) -> Result<Vec<GrantType>, StoreError> {
    raw.split_whitespace()
        .map(|g| GrantType::parse(g).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

pub(crate) fn decode_scope(raw: &str) -> Result<Scope, StoreError> {
    if raw.is_empty() {
        return Ok(Scope::default());
    }
    Scope::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn decode_key_state(raw: &str) -> Result<KeyState, StoreError> {
    KeyState::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("key state {raw}")))
}

macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        use async_trait::async_trait;
        use sqlx::Row as _;

        use $crate::clock::UnixTime;
        use $crate::store::sql::{
            decode_grants, decode_key_state, decode_scope, decode_uris, encode_grants, encode_uris,
        };
        use $crate::store::*;

        type DbRow = <$db as sqlx::Database>::Row;

        impl_sql_users!($store, $db);
        impl_sql_clients!($store, $db);
        impl_sql_grants!($store, $db);
        impl_sql_keys!($store, $db);

        #[async_trait]
        impl Store for $store {
            async fn migrate(&self) -> Result<(), StoreError> {
                Self::MIGRATOR
                    .run(&self.pool)
                    .await
                    .map_err(|e| StoreError::Migration(e.to_string()))
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}
