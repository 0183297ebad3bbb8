INSERT INTO refresh_tokens (token_hash, grant_id, issued_at, expires_at)
VALUES ($1, $2, $3, $4)
