//! The record of revocations: written before any view of it, read back to rebuild one.

/// [`RevocationStore`](crate::RevocationStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_revocations {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl RevocationStore for $store {
            async fn record_revocations(
                &self,
                records: &[RevocationRecord],
            ) -> Result<RevocationSeq, StoreError> {
                let mut tx = self.pool.begin().await?;
                let seq = sqlx::query_file_scalar!("../store/sql/revocations/next_seq.sql")
                    .fetch_one(&mut *tx)
                    .await?;
                for r in records {
                    sqlx::query_file!(
                        "../store/sql/revocations/record.sql",
                        r.revoked.kind(),
                        r.revoked.subject(),
                        r.revoked_at,
                        r.until,
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(seq)
            }

            async fn revocation_seq(&self) -> Result<RevocationSeq, StoreError> {
                Ok(sqlx::query_file_scalar!("../store/sql/revocations/seq.sql")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn live_revocations(
                &self,
                now: UnixTime,
            ) -> Result<Vec<RevocationRecord>, StoreError> {
                rows::all(
                    sqlx::query_file_as!(
                        rows::RevocationRow,
                        "../store/sql/revocations/live.sql",
                        now,
                    )
                    .fetch_all(&self.pool)
                    .await?,
                )
            }
        }
    };
}
