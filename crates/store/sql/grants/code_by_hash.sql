SELECT code_hash, client_id, user_id, redirect_uri, scope, code_challenge,
    nonce, auth_time, grant_id, expires_at, consumed_at
FROM auth_codes
WHERE code_hash = $1
