//! People and their browser sessions.

/// [`UserStore`](crate::UserStore) for `$store`; expanded by [`impl_sql_store!`](crate::impl_sql_store) only.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_sql_users {
    ($store:ty, $db:ty) => {
        async fn delete_session(
            conn: &mut <$db as sqlx::Database>::Connection,
            id_hash: &Digest,
        ) -> Result<(), StoreError> {
            sqlx::query_file!("../store/sql/users/end_session.sql", &id_hash[..])
                .execute(conn)
                .await?;
            Ok(())
        }

        impl $store {
            /// [`UserStore::start_session`] as a transaction of one statement per write:
            /// for a store whose round trips cost nothing (SQLite, in process).
            pub async fn start_session_one_by_one(
                &self,
                start: &SessionStart,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                if let Some(old) = &start.replaces {
                    delete_session(&mut *tx, old).await?;
                }
                let s = &start.session;
                sqlx::query_file!(
                    "../store/sql/users/insert_session.sql",
                    &s.id_hash[..],
                    s.user_id.as_str(),
                    s.auth_time,
                    s.expires_at,
                    s.idle_expires_at,
                )
                .execute(&mut *tx)
                .await?;
                insert_audit(&mut *tx, &start.event).await?;
                if let Some(code) = &start.code {
                    insert_code(&mut *tx, code).await?;
                }
                tx.commit().await?;
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
                    u.name.as_ref().map(|n| n.as_str()),
                    u.email.as_ref().map(|e| e.as_str()),
                    u.email_verified,
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

            async fn end_user_access(
                &self,
                user_id: &UserId,
                now: UnixTime,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query_file!("../store/sql/users/delete_sessions.sql", user_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query_file!(
                    "../store/sql/grants/revoke_of_user.sql",
                    now,
                    user_id.as_str(),
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn start_session(&self, start: &SessionStart) -> Result<(), StoreError> {
                self.write_session_start(start).await
            }

            async fn consent(
                &self,
                user: &UserId,
                client: &ClientId,
            ) -> Result<Option<ConsentRecord>, StoreError> {
                sqlx::query_file_as!(
                    rows::ConsentRow,
                    "../store/sql/consents/of_user_and_client.sql",
                    user.as_str(),
                    client.as_str(),
                )
                .fetch_optional(&self.pool)
                .await?
                .map(ConsentRecord::try_from)
                .transpose()
            }

            async fn grant_consent(&self, c: &ConsentRecord) -> Result<(), StoreError> {
                sqlx::query_file!(
                    "../store/sql/consents/upsert.sql",
                    c.user_id.as_str(),
                    c.client_id.as_str(),
                    c.scope.to_string(),
                    c.granted_at,
                )
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn consents_of(&self, user: &UserId) -> Result<Vec<ConsentRecord>, StoreError> {
                rows::all(
                    sqlx::query_file_as!(
                        rows::ConsentRow,
                        "../store/sql/consents/of_user.sql",
                        user.as_str()
                    )
                    .fetch_all(&self.pool)
                    .await?,
                )
            }

            async fn revoke_consent(
                &self,
                user: &UserId,
                client: &ClientId,
                now: UnixTime,
            ) -> Result<Vec<GrantId>, StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query_file!(
                    "../store/sql/consents/delete.sql",
                    user.as_str(),
                    client.as_str()
                )
                .execute(&mut *tx)
                .await?;
                let ids = sqlx::query_file_scalar!(
                    "../store/sql/grants/revoke_of_user_and_client.sql",
                    now,
                    user.as_str(),
                    client.as_str(),
                )
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                ids.iter()
                    .map(|id| {
                        GrantId::parse(id)
                            .map_err(|e| StoreError::Corrupt(format!("grants.id: {e}")))
                    })
                    .collect()
            }

            async fn touch_session(
                &self,
                id_hash: &Digest,
                until: UnixTime,
            ) -> Result<(), StoreError> {
                sqlx::query_file!("../store/sql/users/touch_session.sql", &id_hash[..], until)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn end_session(&self, id_hash: &Digest) -> Result<(), StoreError> {
                delete_session(&mut *self.pool.acquire().await?, id_hash).await
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
    };
}
