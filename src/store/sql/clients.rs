//! OAuth clients.

macro_rules! impl_sql_clients {
    ($store:ty, $db:ty) => {
        fn client_from(row: &DbRow) -> Result<ClientRecord, StoreError> {
            Ok(ClientRecord {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                secret_hash: row.try_get("secret_hash")?,
                redirect_uris: decode_uris(row.try_get("redirect_uris")?)?,
                grant_types: decode_grants(row.try_get("grant_types")?)?,
                scope: decode_scope(row.try_get("scope")?)?,
                created_at: row.try_get("created_at")?,
            })
        }

        #[async_trait]
        impl ClientStore for $store {
            async fn create_client(&self, c: &ClientRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, scope, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.secret_hash)
                .bind(encode_uris(&c.redirect_uris))
                .bind(encode_grants(&c.grant_types))
                .bind(c.scope.to_string())
                .bind(c.created_at)
                .execute(&self.pool)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict("a client with this id"),
                    other => other,
                })?;
                Ok(())
            }

            async fn client(&self, id: &str) -> Result<Option<ClientRecord>, StoreError> {
                let sql = "SELECT id, name, secret_hash, redirect_uris, grant_types, scope, created_at FROM clients WHERE id = $1";
                sqlx::query(sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(client_from)
                    .transpose()
            }

            async fn list_clients(&self) -> Result<Vec<ClientRecord>, StoreError> {
                let sql = "SELECT id, name, secret_hash, redirect_uris, grant_types, scope, created_at FROM clients ORDER BY name, id";
                sqlx::query(sql)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(client_from)
                    .collect()
            }

            async fn delete_client(&self, id: &str) -> Result<(), StoreError> {
                let done = sqlx::query("DELETE FROM clients WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

        }
    };
}
