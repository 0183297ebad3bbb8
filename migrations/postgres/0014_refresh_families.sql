-- A refresh token with its family, and whether the family's user may still use it (a
-- grant without a user, client_credentials, always may): what a refresh reads, named
-- once for every statement that reads it.
CREATE VIEW refresh_families AS
SELECT r.token_hash, r.issued_at, r.expires_at, r.rotated_at, r.replaced_by,
    g.id AS grant_id, g.client_id, g.user_id, g.scope, g.auth_time, g.created_at,
    g.revoked_at, g.access_expires_at,
    CASE WHEN g.user_id IS NULL THEN TRUE
        WHEN u.disabled = FALSE THEN TRUE
        ELSE FALSE END AS user_active
FROM refresh_tokens r
JOIN grants g ON g.id = r.grant_id
LEFT JOIN users u ON u.id = g.user_id;
