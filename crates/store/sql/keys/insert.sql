INSERT INTO signing_keys (kid, alg, state, public_key, private_key_sealed, created_at,
    activate_at, activated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
