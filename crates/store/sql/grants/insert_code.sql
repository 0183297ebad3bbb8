INSERT INTO auth_codes (code_hash, client_id, user_id, redirect_uri, scope,
    code_challenge, nonce, auth_time, grant_id, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
