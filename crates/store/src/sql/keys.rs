//! Signing keys (private parts sealed under the master key).

/// [`KeyStore`](crate::KeyStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_keys {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl KeyStore for $store {
            async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
                rows::all(
                    sqlx::query_file_as!(rows::SigningKeyRow, "../store/sql/keys/list.sql")
                        .fetch_all(&self.pool)
                        .await?,
                )
            }

            async fn insert_signing_key(&self, k: &SigningKeyRecord) -> Result<(), StoreError> {
                sqlx::query_file!(
                    "../store/sql/keys/insert.sql",
                    k.kid.as_str(),
                    k.alg.as_str(),
                    k.state.as_str(),
                    &k.public_key[..],
                    &k.private_key_sealed[..],
                    k.created_at,
                )
                .execute(&self.pool)
                .await
                .map_err(conflict("an active signing key"))?;
                Ok(())
            }
        }
    };
}
