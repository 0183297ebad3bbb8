//! Housekeeping: purges of expired rows, in bounded batches, one instance a round.

/// [`HousekeepingStore`](crate::HousekeepingStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_housekeeping {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl HousekeepingStore for $store {
            async fn claim_purge(&self, now: UnixTime, next: UnixTime) -> Result<bool, StoreError> {
                let done = sqlx::query_file!("../store/sql/housekeeping/claim.sql", next, now)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn purge(
                &self,
                what: Purge,
                before: UnixTime,
                limit: i64,
            ) -> Result<u64, StoreError> {
                let done = match what {
                    Purge::Codes => {
                        sqlx::query_file!(
                            "../store/sql/housekeeping/purge_codes.sql",
                            before,
                            limit,
                        )
                        .execute(&self.pool)
                        .await?
                    }
                    Purge::Sessions => {
                        sqlx::query_file!(
                            "../store/sql/housekeeping/purge_sessions.sql",
                            before,
                            limit,
                        )
                        .execute(&self.pool)
                        .await?
                    }
                    Purge::RefreshTokens => {
                        sqlx::query_file!(
                            "../store/sql/housekeeping/purge_refresh_tokens.sql",
                            before,
                            limit,
                        )
                        .execute(&self.pool)
                        .await?
                    }
                    Purge::Grants => {
                        sqlx::query_file!(
                            "../store/sql/housekeeping/purge_grants.sql",
                            before,
                            limit,
                        )
                        .execute(&self.pool)
                        .await?
                    }
                    Purge::Revocations => {
                        sqlx::query_file!(
                            "../store/sql/housekeeping/purge_revocations.sql",
                            before,
                            limit,
                        )
                        .execute(&self.pool)
                        .await?
                    }
                    Purge::AuditEvents => {
                        sqlx::query_file!(
                            "../store/sql/housekeeping/purge_audit_events.sql",
                            before,
                            limit,
                        )
                        .execute(&self.pool)
                        .await?
                    }
                };
                Ok(done.rows_affected())
            }
        }
    };
}
