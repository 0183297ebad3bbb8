INSERT INTO signing_keys (kid, alg, state, public_key, private_key_sealed, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
