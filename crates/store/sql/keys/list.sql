SELECT kid, alg, state, public_key, private_key_sealed, created_at
FROM signing_keys
ORDER BY created_at, kid
