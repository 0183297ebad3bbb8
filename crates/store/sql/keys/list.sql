SELECT kid, alg, state, public_key, private_key_sealed, created_at,
    activate_at, activated_at, retired_at, expires_at, revoked_at
FROM signing_keys
ORDER BY created_at, kid
