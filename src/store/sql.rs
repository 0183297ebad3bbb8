//! The SQL both backends share.
//!
//! Postgres and SQLite accept the same statements here (`$N` parameters, `RETURNING`,
//! partial indexes, `BIGINT` seconds, `BYTEA`/`BLOB` as bytes), so one body is stamped out
//! per backend by [`impl_sql_store!`], compiled against each driver's own types: no `Any`
//! driver, and no `if postgres … else …` at run time. Parameters are numbered in order of
//! first appearance, which SQLite requires for `$N` names to bind positionally.

use crate::domain::{GrantType, RedirectUri, Scope};

use super::{KeyState, StoreError};

pub(crate) fn encode_uris(uris: &[RedirectUri]) -> String {
    let list: Vec<&str> = uris.iter().map(RedirectUri::as_str).collect();
    serde_json::Value::from(list).to_string()
}

pub(crate) fn decode_uris(raw: &str) -> Result<Vec<RedirectUri>, StoreError> {
    let list: Vec<String> =
        serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    list.iter()
        .map(|u| RedirectUri::parse(u).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

pub(crate) fn encode_grants(grants: &[GrantType]) -> String {
    grants
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn decode_grants(raw: &str) -> Result<Vec<GrantType>, StoreError> {
    raw.split_whitespace()
        .map(|g| GrantType::parse(g).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

pub(crate) fn decode_scope(raw: &str) -> Result<Scope, StoreError> {
    if raw.is_empty() {
        return Ok(Scope::default());
    }
    Scope::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn decode_key_state(raw: &str) -> Result<KeyState, StoreError> {
    KeyState::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("key state {raw}")))
}

macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        use async_trait::async_trait;
        use sqlx::Row as _;

        use $crate::clock::UnixTime;
        use $crate::store::sql::{
            decode_grants, decode_key_state, decode_scope, decode_uris, encode_grants,
            encode_uris,
        };
        use $crate::store::*;

        type DbRow = <$db as sqlx::Database>::Row;

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
        impl Store for $store {
            async fn migrate(&self) -> Result<(), StoreError> {
                Self::MIGRATOR
                    .run(&self.pool)
                    .await
                    .map_err(|e| StoreError::Migration(e.to_string()))
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

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

            async fn create_grant(
                &self,
                grant: &GrantRecord,
                refresh: Option<&NewRefreshToken>,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                insert_grant(&mut tx, grant, refresh).await?;
                tx.commit().await?;
                Ok(())
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
