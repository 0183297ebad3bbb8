SELECT id, name, secret_hash, redirect_uris, grant_types, scope, created_at
FROM clients
ORDER BY name, id
