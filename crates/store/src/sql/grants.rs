//! Authorization codes, grants (refresh-token families) and refresh tokens: the
//! single-use records, each consumed by a conditional update inside the transaction that
//! stores what replaces it.

/// [`GrantStore`](crate::GrantStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_grants {
    ($store:ty, $db:ty) => {
        async fn insert_grant(
            tx: &mut sqlx::Transaction<'static, $db>,
            grant: &GrantRecord,
        ) -> Result<(), StoreError> {
            sqlx::query_file!(
                "../store/sql/grants/insert_grant.sql",
                grant.id.as_str(),
                grant.client_id.as_str(),
                grant.user_id.as_ref().map(|u| u.as_str()),
                grant.scope.to_string(),
                grant.auth_time,
                grant.created_at,
                grant.access_expires_at,
            )
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_refresh(
            tx: &mut sqlx::Transaction<'static, $db>,
            r: &NewRefreshToken,
        ) -> Result<(), StoreError> {
            sqlx::query_file!(
                "../store/sql/grants/insert_refresh.sql",
                &r.token_hash[..],
                r.grant_id.as_str(),
                r.issued_at,
                r.expires_at,
            )
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_code(
            conn: &mut <$db as sqlx::Database>::Connection,
            c: &CodeRecord,
        ) -> Result<(), StoreError> {
            sqlx::query_file!(
                "../store/sql/grants/insert_code.sql",
                &c.code_hash[..],
                c.client_id.as_str(),
                c.user_id.as_str(),
                c.redirect_uri.as_str(),
                c.scope.to_string(),
                c.code_challenge.as_str(),
                c.nonce.as_ref().map(|n| n.as_str()),
                c.auth_time,
                c.grant_id.as_str(),
                c.expires_at,
            )
            .execute(conn)
            .await?;
            Ok(())
        }

        #[async_trait]
        impl GrantStore for $store {
            async fn create_code(&self, c: &CodeRecord) -> Result<(), StoreError> {
                insert_code(&mut *self.pool.acquire().await?, c).await
            }

            async fn code(&self, code_hash: &Digest) -> Result<Option<CodeRecord>, StoreError> {
                sqlx::query_file_as!(
                    rows::CodeRow,
                    "../store/sql/grants/code_by_hash.sql",
                    &code_hash[..],
                )
                .fetch_optional(&self.pool)
                .await?
                .map(CodeRecord::try_from)
                .transpose()
            }

            async fn redeem_code(
                &self,
                code_hash: &Digest,
                grant: &GrantRecord,
                refresh: Option<&NewRefreshToken>,
                now: UnixTime,
            ) -> Result<Redemption, StoreError> {
                let mut tx = self.pool.begin().await?;
                let consumed =
                    sqlx::query_file!("../store/sql/grants/consume_code.sql", now, &code_hash[..],)
                        .execute(&mut *tx)
                        .await?;
                if consumed.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(Redemption::Replayed);
                }
                insert_grant(&mut tx, grant).await?;
                if let Some(r) = refresh {
                    insert_refresh(&mut tx, r).await?;
                }
                tx.commit().await?;
                Ok(Redemption::Redeemed)
            }

            async fn refresh_token(
                &self,
                token_hash: &Digest,
            ) -> Result<Option<RefreshRecord>, StoreError> {
                sqlx::query_file_as!(
                    rows::RefreshRow,
                    "../store/sql/grants/refresh_by_hash.sql",
                    &token_hash[..],
                )
                .fetch_optional(&self.pool)
                .await?
                .map(RefreshRecord::try_from)
                .transpose()
            }

            async fn rotate_refresh(
                &self,
                old_hash: &Digest,
                new: &NewRefreshToken,
                now: UnixTime,
                access_expires_at: UnixTime,
                retried: Option<&Digest>,
            ) -> Result<Redemption, StoreError> {
                // Each backend's own: a single statement on Postgres, a transaction of
                // several on SQLite (which has no data-modifying WITH).
                self.rotate(old_hash, new, now, access_expires_at, retried)
                    .await
            }

            async fn refresh_and_rotate(
                &self,
                presented: &Digest,
                client: &ClientId,
                successor: &Successor,
            ) -> Result<Option<RefreshRead>, StoreError> {
                // Each backend's own: one statement on Postgres, a read and a rotation
                // on SQLite.
                self.read_and_rotate(presented, client, successor).await
            }

            async fn revoke_grant(
                &self,
                grant_id: &GrantId,
                now: UnixTime,
            ) -> Result<GrantRevocation, StoreError> {
                // The write first: a transaction that reads before it writes can be refused
                // its upgrade to a writer under concurrency (SQLite's WAL snapshots).
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query_file!(
                    "../store/sql/grants/revoke_grant.sql",
                    now,
                    grant_id.as_str(),
                )
                .execute(&mut *tx)
                .await?;
                let access_expires_at = sqlx::query_file_scalar!(
                    "../store/sql/grants/access_expiry.sql",
                    grant_id.as_str(),
                )
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(GrantRevocation {
                    was_live: done.rows_affected() == 1,
                    access_expires_at,
                })
            }
        }
    };
}
