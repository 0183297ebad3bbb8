//! The one body of store code both backends compile.
//!
//! [`impl_sql_store!`] is expanded inside each backend crate, so each `query_file*!` in it
//! is checked by sqlx against that crate's database (its `sqlx.toml` names the URL
//! variable, its `.sqlx/` holds the offline data). Statement paths are relative to the
//! expanding crate's manifest, and both backend crates sit beside this one, so
//! `../store/sql/…` names the same file from either. Parameters are `$N`, which Postgres
//! and SQLite both bind by number.
//!
//! What differs per backend (connecting, the migrator, the schema check) stays in the
//! backend crate; everything here is written once, a file per aggregate.

mod audit;
mod clients;
mod grants;
mod housekeeping;
mod keys;
mod revocations;
mod users;

/// Implements every store trait for `$store` (a struct with a `pool: sqlx::Pool<$db>`
/// field, a `MIGRATOR` constant, an `is_undefined_table` function, and what each backend
/// does its own way: the refresh rotations, `rotate` and `read_and_rotate`, and a login's
/// writes, `write_session_start`) over database `$db`.
#[macro_export]
macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::__private::async_trait;
            use $crate::__private::domain::{
                ClientId, GrantId, Kid, SigningAlg, UnixTime, UserId, Username,
            };
            use $crate::rows::{self, encode_grants, encode_uris};
            use $crate::*;

            /// Names a constraint violation for the operator, keeping other failures.
            fn conflict(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
                move |e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(what),
                    other => other,
                }
            }

            /// An update that must have matched a row.
            fn one_row(affected: u64) -> Result<(), StoreError> {
                if affected == 0 {
                    Err(StoreError::NotFound)
                } else {
                    Ok(())
                }
            }

            $crate::__impl_sql_users!($store, $db);
            $crate::__impl_sql_clients!($store, $db);
            $crate::__impl_sql_grants!($store, $db);
            $crate::__impl_sql_keys!($store, $db);
            $crate::__impl_sql_audit!($store, $db);
            $crate::__impl_sql_revocations!($store, $db);
            $crate::__impl_sql_housekeeping!($store, $db);

            #[async_trait]
            impl Store for $store {
                async fn migrate(&self) -> Result<(), StoreError> {
                    Self::MIGRATOR
                        .run(&self.pool)
                        .await
                        .map_err(|e| StoreError::Migration(e.to_string()))
                }

                async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
                    use sqlx::migrate::Migrate as _;
                    let mut conn = self.pool.acquire().await?;
                    let applied = match conn
                        .list_applied_migrations(&Self::MIGRATOR.table_name)
                        .await
                    {
                        Ok(applied) => applied,
                        // No migrations table: nothing was ever applied here.
                        Err(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(e)))
                            if Self::is_undefined_table(e.as_ref()) =>
                        {
                            Vec::new()
                        }
                        Err(e) => return Err(StoreError::Migration(e.to_string())),
                    };
                    $crate::schema_status(&Self::MIGRATOR, &applied)
                }

                async fn ping(&self) -> Result<(), StoreError> {
                    use sqlx::Connection as _;
                    self.pool.acquire().await?.ping().await?;
                    Ok(())
                }

                fn pool_use(&self) -> $crate::PoolUse {
                    let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
                    $crate::PoolUse {
                        idle,
                        in_use: self.pool.size().saturating_sub(idle),
                    }
                }
            }
        };
    };
}
