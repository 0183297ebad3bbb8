INSERT INTO grants (id, client_id, user_id, scope, auth_time, created_at, access_expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
