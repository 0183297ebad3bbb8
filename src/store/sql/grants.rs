//! Authorization codes, grants (refresh-token families) and refresh tokens: the
//! single-use records, each consumed by a conditional update inside the transaction that
//! stores what replaces it.

macro_rules! impl_sql_grants {
    ($store:ty, $db:ty) => {
        fn grant_from(row: &DbRow) -> Result<GrantRecord, StoreError> {
            Ok(GrantRecord {
                id: row.try_get("grant_id")?,
                client_id: row.try_get("client_id")?,
                user_id: row.try_get("user_id")?,
                scope: row.try_get("scope")?,
                auth_time: row.try_get("auth_time")?,
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        fn code_from(row: &DbRow) -> Result<CodeRecord, StoreError> {
            Ok(CodeRecord {
                code_hash: row.try_get("code_hash")?,
                client_id: row.try_get("client_id")?,
                user_id: row.try_get("user_id")?,
                redirect_uri: row.try_get("redirect_uri")?,
                scope: row.try_get("scope")?,
                code_challenge: row.try_get("code_challenge")?,
                nonce: row.try_get("nonce")?,
                auth_time: row.try_get("auth_time")?,
                grant_id: row.try_get("grant_id")?,
                expires_at: row.try_get("expires_at")?,
                consumed_at: row.try_get("consumed_at")?,
            })
        }

        async fn insert_grant(
            tx: &mut sqlx::Transaction<'static, $db>,
            grant: &GrantRecord,
            refresh: Option<&NewRefreshToken>,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO grants (id, client_id, user_id, scope, auth_time, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&grant.id)
            .bind(&grant.client_id)
            .bind(&grant.user_id)
            .bind(&grant.scope)
            .bind(grant.auth_time)
            .bind(grant.created_at)
            .execute(&mut **tx)
            .await?;
            if let Some(r) = refresh {
                insert_refresh(tx, r).await?;
            }
            Ok(())
        }

        async fn insert_refresh(
            tx: &mut sqlx::Transaction<'static, $db>,
            r: &NewRefreshToken,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, grant_id, issued_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&r.token_hash)
            .bind(&r.grant_id)
            .bind(r.issued_at)
            .bind(r.expires_at)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        #[async_trait]
        impl GrantStore for $store {
            async fn create_code(&self, c: &CodeRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO auth_codes (code_hash, client_id, user_id, redirect_uri, scope, \
                     code_challenge, nonce, auth_time, grant_id, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&c.code_hash)
                .bind(&c.client_id)
                .bind(&c.user_id)
                .bind(&c.redirect_uri)
                .bind(&c.scope)
                .bind(&c.code_challenge)
                .bind(&c.nonce)
                .bind(c.auth_time)
                .bind(&c.grant_id)
                .bind(c.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn code(&self, code_hash: &[u8]) -> Result<Option<CodeRecord>, StoreError> {
                sqlx::query(
                    "SELECT code_hash, client_id, user_id, redirect_uri, scope, code_challenge, \
                     nonce, auth_time, grant_id, expires_at, consumed_at \
                     FROM auth_codes WHERE code_hash = $1",
                )
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(code_from)
                .transpose()
            }

            async fn redeem_code(
                &self,
                code_hash: &[u8],
                grant: &GrantRecord,
                refresh: Option<&NewRefreshToken>,
                now: UnixTime,
            ) -> Result<Redemption, StoreError> {
                let mut tx = self.pool.begin().await?;
                let consumed = sqlx::query(
                    "UPDATE auth_codes SET consumed_at = $1 \
                     WHERE code_hash = $2 AND consumed_at IS NULL",
                )
                .bind(now)
                .bind(code_hash)
                .execute(&mut *tx)
                .await?;
                if consumed.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(Redemption::Replayed);
                }
                insert_grant(&mut tx, grant, refresh).await?;
                tx.commit().await?;
                Ok(Redemption::Redeemed)
            }

            async fn refresh_token(
                &self,
                token_hash: &[u8],
            ) -> Result<Option<RefreshRecord>, StoreError> {
                let row = sqlx::query(
                    "SELECT r.token_hash, r.issued_at, r.expires_at, r.rotated_at, \
                     g.id AS grant_id, g.client_id, g.user_id, g.scope, g.auth_time, \
                     g.created_at, g.revoked_at \
                     FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id \
                     WHERE r.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| -> Result<RefreshRecord, StoreError> {
                    Ok(RefreshRecord {
                        token_hash: r.try_get("token_hash")?,
                        issued_at: r.try_get("issued_at")?,
                        expires_at: r.try_get("expires_at")?,
                        rotated_at: r.try_get("rotated_at")?,
                        grant: grant_from(&r)?,
                    })
                })
                .transpose()
            }

            async fn rotate_refresh(
                &self,
                old_hash: &[u8],
                new: &NewRefreshToken,
                now: UnixTime,
            ) -> Result<Redemption, StoreError> {
                let mut tx = self.pool.begin().await?;
                let rotated = sqlx::query(
                    "UPDATE refresh_tokens SET rotated_at = $1 \
                     WHERE token_hash = $2 AND rotated_at IS NULL AND grant_id = $3 \
                     AND EXISTS (SELECT 1 FROM grants g WHERE g.id = $3 AND g.revoked_at IS NULL)",
                )
                .bind(now)
                .bind(old_hash)
                .bind(&new.grant_id)
                .execute(&mut *tx)
                .await?;
                if rotated.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(Redemption::Replayed);
                }
                insert_refresh(&mut tx, new).await?;
                tx.commit().await?;
                Ok(Redemption::Redeemed)
            }

            async fn revoke_grant(&self, grant_id: &str, now: UnixTime) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(grant_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

        }
    };
}
