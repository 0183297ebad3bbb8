SELECT r.token_hash, r.issued_at, r.expires_at, r.rotated_at, r.replaced_by,
    g.id AS grant_id, g.client_id, g.user_id, g.scope, g.auth_time, g.created_at, g.revoked_at,
    g.access_expires_at
FROM refresh_tokens r
JOIN grants g ON g.id = r.grant_id
WHERE r.token_hash = $1
