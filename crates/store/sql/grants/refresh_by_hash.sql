-- The token with its family and its user's state (the refresh_families view): one read
-- for the whole refresh.
SELECT token_hash AS "token_hash!", issued_at AS "issued_at!", expires_at AS "expires_at!",
    rotated_at, replaced_by, grant_id AS "grant_id!", client_id AS "client_id!", user_id,
    scope AS "scope!", auth_time, created_at AS "created_at!", revoked_at,
    access_expires_at AS "access_expires_at!", user_active AS "user_active!: bool"
FROM refresh_families
WHERE token_hash = $1
