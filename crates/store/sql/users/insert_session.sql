INSERT INTO sessions (id_hash, user_id, auth_time, expires_at, idle_expires_at)
VALUES ($1, $2, $3, $4, $5)
