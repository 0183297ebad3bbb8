SELECT id, name, secret_hash, redirect_uris, post_logout_redirect_uris, grant_types, scope,
    id_token_alg, first_party, disabled, created_at
FROM clients
WHERE id = $1
