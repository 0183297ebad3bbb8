//! Users and their browser sessions.

macro_rules! impl_sql_users {
    ($store:ty, $db:ty) => {
        fn user_from(row: &DbRow) -> Result<UserRecord, StoreError> {
            Ok(UserRecord {
                id: row.try_get("id")?,
                username: row.try_get("username")?,
                email: row.try_get("email")?,
                password_hash: row.try_get("password_hash")?,
                disabled: row.try_get("disabled")?,
                created_at: row.try_get("created_at")?,
            })
        }

        #[async_trait]
        impl UserStore for $store {
            async fn create_user(&self, u: &NewUser) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO users (id, username, email, password_hash, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, FALSE, $5)",
                )
                .bind(&u.id)
                .bind(&u.username)
                .bind(&u.email)
                .bind(&u.password_hash)
                .bind(u.created_at)
                .execute(&self.pool)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict("a user with this username"),
                    other => other,
                })?;
                Ok(())
            }

            async fn user_by_username(
                &self,
                username: &str,
            ) -> Result<Option<UserRecord>, StoreError> {
                let sql = "SELECT id, username, email, password_hash, disabled, created_at FROM users WHERE username = $1";
                sqlx::query(sql)
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(user_from)
                    .transpose()
            }

            async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
                let sql = "SELECT id, username, email, password_hash, disabled, created_at FROM users WHERE id = $1";
                sqlx::query(sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(user_from)
                    .transpose()
            }

            async fn set_password_hash(&self, user_id: &str, phc: &str) -> Result<(), StoreError> {
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(phc)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn set_user_disabled(
                &self,
                username: &str,
                disabled: bool,
            ) -> Result<(), StoreError> {
                let done = sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                    .bind(disabled)
                    .bind(username)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
                let sql = "SELECT id, username, email, password_hash, disabled, created_at FROM users ORDER BY username";
                sqlx::query(sql)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(user_from)
                    .collect()
            }

            async fn create_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, user_id, auth_time, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&s.id_hash)
                .bind(&s.user_id)
                .bind(s.auth_time)
                .bind(s.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(
                &self,
                id_hash: &[u8],
                now: UnixTime,
            ) -> Result<Option<SessionRecord>, StoreError> {
                let row = sqlx::query(
                    "SELECT id_hash, user_id, auth_time, expires_at FROM sessions \
                     WHERE id_hash = $1 AND expires_at > $2",
                )
                .bind(id_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| -> Result<SessionRecord, StoreError> {
                    Ok(SessionRecord {
                        id_hash: r.try_get("id_hash")?,
                        user_id: r.try_get("user_id")?,
                        auth_time: r.try_get("auth_time")?,
                        expires_at: r.try_get("expires_at")?,
                    })
                })
                .transpose()
            }

        }
    };
}
