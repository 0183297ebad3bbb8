//! The one body of store code both backends compile.
//!
//! [`impl_sql_store!`] is expanded inside each backend crate, so each `query_file*!` in it
//! is checked by sqlx against that crate's database (its `sqlx.toml` names the URL
//! variable, its `.sqlx/` holds the offline data). Statement paths are relative to the
//! expanding crate's manifest, and both backend crates sit beside this one, so
//! `../store/sql/…` names the same file from either. Parameters are `$N`, which Postgres
//! and SQLite both bind by number.
//!
//! What differs per backend (connecting, the migrator, the schema check) stays in the
//! backend crate; everything here is written once.

/// Implements every store trait for `$store` (a struct with a `pool: sqlx::Pool<$db>`
/// field and a `MIGRATOR` constant) over database `$db`.
#[macro_export]
macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::__private::async_trait;
            use $crate::__private::domain::{ClientId, GrantId, UnixTime, UserId, Username};
            use $crate::rows::{self, encode_grants, encode_uris};
            use $crate::*;

            /// Names a constraint violation for the operator, keeping other failures.
            fn conflict(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
                move |e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(what),
                    other => other,
                }
            }

            /// An update that must have matched a row.
            fn one_row(affected: u64) -> Result<(), StoreError> {
                if affected == 0 {
                    Err(StoreError::NotFound)
                } else {
                    Ok(())
                }
            }

            #[async_trait]
            impl UserStore for $store {
                async fn create_user(&self, u: &NewUser) -> Result<(), StoreError> {
                    sqlx::query_file!(
                        "../store/sql/users/insert.sql",
                        u.id.as_str(),
                        u.username.as_str(),
                        u.email.as_ref().map(|e| e.as_str()),
                        u.password_hash.as_str(),
                        u.created_at,
                    )
                    .execute(&self.pool)
                    .await
                    .map_err(conflict("a user with this username"))?;
                    Ok(())
                }

                async fn user_by_username(
                    &self,
                    username: &Username,
                ) -> Result<Option<UserRecord>, StoreError> {
                    sqlx::query_file_as!(
                        rows::UserRow,
                        "../store/sql/users/by_username.sql",
                        username.as_str(),
                    )
                    .fetch_optional(&self.pool)
                    .await?
                    .map(UserRecord::try_from)
                    .transpose()
                }

                async fn user_by_id(&self, id: &UserId) -> Result<Option<UserRecord>, StoreError> {
                    sqlx::query_file_as!(rows::UserRow, "../store/sql/users/by_id.sql", id.as_str())
                        .fetch_optional(&self.pool)
                        .await?
                        .map(UserRecord::try_from)
                        .transpose()
                }

                async fn set_password_hash(
                    &self,
                    user_id: &UserId,
                    phc: &str,
                ) -> Result<(), StoreError> {
                    let done = sqlx::query_file!(
                        "../store/sql/users/set_password_hash.sql",
                        phc,
                        user_id.as_str(),
                    )
                    .execute(&self.pool)
                    .await?;
                    one_row(done.rows_affected())
                }

                async fn set_user_disabled(
                    &self,
                    username: &Username,
                    disabled: bool,
                ) -> Result<(), StoreError> {
                    let done = sqlx::query_file!(
                        "../store/sql/users/set_disabled.sql",
                        disabled,
                        username.as_str(),
                    )
                    .execute(&self.pool)
                    .await?;
                    one_row(done.rows_affected())
                }

                async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
                    rows::all(
                        sqlx::query_file_as!(rows::UserRow, "../store/sql/users/list.sql")
                            .fetch_all(&self.pool)
                            .await?,
                    )
                }

                async fn create_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
                    sqlx::query_file!(
                        "../store/sql/users/insert_session.sql",
                        &s.id_hash[..],
                        s.user_id.as_str(),
                        s.auth_time,
                        s.expires_at,
                    )
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn session(
                    &self,
                    id_hash: &Digest,
                    now: UnixTime,
                ) -> Result<Option<SessionRecord>, StoreError> {
                    sqlx::query_file_as!(
                        rows::SessionRow,
                        "../store/sql/users/live_session.sql",
                        &id_hash[..],
                        now,
                    )
                    .fetch_optional(&self.pool)
                    .await?
                    .map(SessionRecord::try_from)
                    .transpose()
                }
            }

            #[async_trait]
            impl ClientStore for $store {
                async fn create_client(&self, c: &ClientRecord) -> Result<(), StoreError> {
                    sqlx::query_file!(
                        "../store/sql/clients/insert.sql",
                        c.id.as_str(),
                        c.name.as_str(),
                        c.secret_hash.as_ref().map(|h| &h[..]),
                        encode_uris(&c.redirect_uris),
                        encode_grants(&c.grant_types),
                        c.scope.to_string(),
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
                    let done = sqlx::query_file!("../store/sql/clients/delete.sql", id.as_str())
                        .execute(&self.pool)
                        .await?;
                    one_row(done.rows_affected())
                }
            }

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

            #[async_trait]
            impl GrantStore for $store {
                async fn create_code(&self, c: &CodeRecord) -> Result<(), StoreError> {
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
                    .execute(&self.pool)
                    .await?;
                    Ok(())
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
                    let consumed = sqlx::query_file!(
                        "../store/sql/grants/consume_code.sql",
                        now,
                        &code_hash[..],
                    )
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
                ) -> Result<Redemption, StoreError> {
                    let mut tx = self.pool.begin().await?;
                    let rotated = sqlx::query_file!(
                        "../store/sql/grants/rotate_refresh.sql",
                        now,
                        &old_hash[..],
                        new.grant_id.as_str(),
                    )
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

                async fn revoke_grant(
                    &self,
                    grant_id: &GrantId,
                    now: UnixTime,
                ) -> Result<bool, StoreError> {
                    let done = sqlx::query_file!(
                        "../store/sql/grants/revoke_grant.sql",
                        now,
                        grant_id.as_str(),
                    )
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
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

            #[async_trait]
            impl Store for $store {
                async fn migrate(&self) -> Result<(), StoreError> {
                    Self::MIGRATOR
                        .run(&self.pool)
                        .await
                        .map_err(|e| StoreError::Migration(e.to_string()))
                }

                async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
                    use sqlx::migrate::Migrate as _;
                    let mut conn = self.pool.acquire().await?;
                    let applied = match conn
                        .list_applied_migrations(&Self::MIGRATOR.table_name)
                        .await
                    {
                        Ok(applied) => applied,
                        // No migrations table: nothing was ever applied here.
                        Err(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(e)))
                            if Self::is_undefined_table(e.as_ref()) =>
                        {
                            Vec::new()
                        }
                        Err(e) => return Err(StoreError::Migration(e.to_string())),
                    };
                    $crate::schema_status(&Self::MIGRATOR, &applied)
                }

                async fn ping(&self) -> Result<(), StoreError> {
                    use sqlx::Connection as _;
                    self.pool.acquire().await?.ping().await?;
                    Ok(())
                }
            }
        };
    };
}
