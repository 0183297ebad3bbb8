SELECT id_hash, user_id, auth_time, expires_at, idle_expires_at
FROM sessions
WHERE id_hash = $1 AND expires_at > $2 AND idle_expires_at > $2
