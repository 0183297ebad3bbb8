SELECT id, name, secret_hash, redirect_uris, grant_types, scope, created_at
FROM clients
WHERE id = $1
