//! Signing keys (private parts sealed under the master key).

macro_rules! impl_sql_keys {
    ($store:ty, $db:ty) => {

        #[async_trait]
        impl KeyStore for $store {
            async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT kid, alg, state, public_key, private_key_sealed, created_at \
                     FROM signing_keys ORDER BY created_at, kid",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| -> Result<SigningKeyRecord, StoreError> {
                        Ok(SigningKeyRecord {
                            kid: r.try_get("kid")?,
                            alg: r.try_get("alg")?,
                            state: decode_key_state(r.try_get("state")?)?,
                            public_key: r.try_get("public_key")?,
                            private_key_sealed: r.try_get("private_key_sealed")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            async fn insert_signing_key(&self, k: &SigningKeyRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO signing_keys (kid, alg, state, public_key, private_key_sealed, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&k.kid)
                .bind(&k.alg)
                .bind(k.state.as_str())
                .bind(&k.public_key)
                .bind(&k.private_key_sealed)
                .bind(k.created_at)
                .execute(&self.pool)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict("an active signing key"),
                    other => other,
                })?;
                Ok(())
            }
        }
    };
}
