INSERT INTO clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris,
    grant_types, scope, id_token_alg, first_party, disabled, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
