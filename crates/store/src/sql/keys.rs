//! Signing keys (private parts sealed under the master key) and their transitions, each
//! one transaction that the two partial unique indexes (one active and one pending key per
//! algorithm) keep consistent across instances.

/// [`KeyStore`](crate::KeyStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_keys {
    ($store:ty, $db:ty) => {
        async fn insert_key(
            tx: &mut sqlx::Transaction<'static, $db>,
            k: &SigningKeyRecord,
        ) -> Result<(), StoreError> {
            sqlx::query_file!(
                "../store/sql/keys/insert.sql",
                k.kid.as_str(),
                k.alg.as_str(),
                k.state.as_str(),
                &k.public_key[..],
                &k.private_key_sealed[..],
                k.created_at,
                k.activate_at,
                k.activated_at,
            )
            .execute(&mut **tx)
            .await
            .map_err(conflict("a key in that state for that algorithm"))?;
            Ok(())
        }

        async fn retire_active(
            tx: &mut sqlx::Transaction<'static, $db>,
            alg: SigningAlg,
            except: &Kid,
            now: UnixTime,
            expires_at: UnixTime,
        ) -> Result<(), StoreError> {
            sqlx::query_file!(
                "../store/sql/keys/retire_active.sql",
                now,
                expires_at,
                alg.as_str(),
                except.as_str(),
            )
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

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
                let mut tx = self.pool.begin().await?;
                insert_key(&mut tx, k).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn activate_signing_key(
                &self,
                kid: &Kid,
                alg: SigningAlg,
                now: UnixTime,
                retired_expires_at: UnixTime,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                retire_active(&mut tx, alg, kid, now, retired_expires_at).await?;
                let done =
                    sqlx::query_file!("../store/sql/keys/activate_pending.sql", now, kid.as_str(),)
                        .execute(&mut *tx)
                        .await?;
                if done.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn replace_active_key(
                &self,
                k: &SigningKeyRecord,
                now: UnixTime,
                retired_expires_at: UnixTime,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                retire_active(&mut tx, k.alg, &k.kid, now, retired_expires_at).await?;
                insert_key(&mut tx, k).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_signing_key(
                &self,
                kid: &Kid,
                now: UnixTime,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query_file!("../store/sql/keys/revoke.sql", now, kid.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn reseal_signing_keys(
                &self,
                sealed: &[(Kid, Vec<u8>)],
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                for (kid, private_key_sealed) in sealed {
                    let done = sqlx::query_file!(
                        "../store/sql/keys/reseal.sql",
                        &private_key_sealed[..],
                        kid.as_str(),
                    )
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Err(StoreError::NotFound);
                    }
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
