SELECT id_hash, user_id, auth_time, expires_at
FROM sessions
WHERE id_hash = $1 AND expires_at > $2
