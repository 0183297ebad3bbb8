//! OAuth clients.

/// [`ClientStore`](crate::ClientStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_clients {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl ClientStore for $store {
            async fn create_client(&self, c: &ClientRecord) -> Result<(), StoreError> {
                sqlx::query_file!(
                    "../store/sql/clients/insert.sql",
                    c.id.as_str(),
                    c.name.as_str(),
                    c.secret_hash.as_ref().map(|h| &h[..]),
                    encode_uris(&c.redirect_uris),
                    encode_uris(&c.post_logout_redirect_uris),
                    encode_grants(&c.grant_types),
                    c.scope.to_string(),
                    c.id_token_alg.as_str(),
                    c.first_party,
                    c.disabled,
                    c.created_at,
                )
                .execute(&self.pool)
                .await
                .map_err(conflict("a client with this id"))?;
                Ok(())
            }

            async fn client(&self, id: &ClientId) -> Result<Option<ClientRecord>, StoreError> {
                sqlx::query_file_as!(
                    rows::ClientRow,
                    "../store/sql/clients/by_id.sql",
                    id.as_str(),
                )
                .fetch_optional(&self.pool)
                .await?
                .map(ClientRecord::try_from)
                .transpose()
            }

            async fn list_clients(&self) -> Result<Vec<ClientRecord>, StoreError> {
                rows::all(
                    sqlx::query_file_as!(rows::ClientRow, "../store/sql/clients/list.sql")
                        .fetch_all(&self.pool)
                        .await?,
                )
            }

            async fn delete_client(&self, id: &ClientId) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query_file!("../store/sql/clients/delete.sql", id.as_str())
                    .execute(&mut *tx)
                    .await?;
                one_row(done.rows_affected())?;
                sqlx::query_file!("../store/sql/clients/bump.sql")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn clients_changed(&self) -> Result<i64, StoreError> {
                Ok(sqlx::query_file_scalar!("../store/sql/clients/changes.sql")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn set_client_disabled(
                &self,
                id: &ClientId,
                disabled: bool,
                now: UnixTime,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query_file!(
                    "../store/sql/clients/set_disabled.sql",
                    disabled,
                    id.as_str(),
                )
                .execute(&mut *tx)
                .await?;
                one_row(done.rows_affected())?;
                if disabled {
                    sqlx::query_file!("../store/sql/grants/revoke_of_client.sql", now, id.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query_file!("../store/sql/clients/bump.sql")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
