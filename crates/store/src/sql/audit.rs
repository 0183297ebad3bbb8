//! The audit trail: security events, appended and listed, never changed.

/// [`AuditStore`](crate::AuditStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_audit {
    ($store:ty, $db:ty) => {
        async fn insert_audit(
            conn: &mut <$db as sqlx::Database>::Connection,
            e: &AuditEvent,
        ) -> Result<(), StoreError> {
            sqlx::query_file!(
                "../store/sql/audit/insert.sql",
                e.id.as_str(),
                e.at,
                e.actor.as_str(),
                e.action.as_str(),
                e.subject.as_deref(),
                e.outcome.as_str(),
                e.detail.as_deref(),
                e.client.as_deref(),
                e.address.as_deref(),
            )
            .execute(conn)
            .await?;
            Ok(())
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn record_audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
                insert_audit(&mut *self.pool.acquire().await?, e).await
            }

            async fn audit_events(
                &self,
                since: UnixTime,
                kind: Option<&str>,
                limit: i64,
            ) -> Result<Vec<AuditEvent>, StoreError> {
                let found = match kind {
                    None => {
                        sqlx::query_file_as!(
                            rows::AuditRow,
                            "../store/sql/audit/since.sql",
                            since,
                            limit,
                        )
                        .fetch_all(&self.pool)
                        .await?
                    }
                    Some(kind) => {
                        // `_` and `%` are LIKE's; action names are letters, digits and
                        // dots, so a kind holding either matches nothing by prefix.
                        let prefix = if kind.contains(['_', '%']) {
                            String::new()
                        } else {
                            format!("{kind}.%")
                        };
                        sqlx::query_file_as!(
                            rows::AuditRow,
                            "../store/sql/audit/since_of_type.sql",
                            since,
                            kind,
                            prefix,
                            limit,
                        )
                        .fetch_all(&self.pool)
                        .await?
                    }
                };
                rows::all(found)
            }
        }
    };
}
