-- A grant goes once its last refresh token is gone and its last access token expired.
DELETE FROM grants WHERE id IN (
    SELECT g.id FROM grants g
    WHERE g.access_expires_at < $1
        AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = g.id)
    LIMIT $2
)
