-- A refresh token's rotation in one statement, so one round trip and one implicit
-- transaction. Only a current token of a live family rotates, and of concurrent
-- rotations exactly one updates a row; the successor, the links to it and the grant's
-- access expiry are written only by that one. (The sub-statements touch different rows:
-- the token spent, its successor, and the token a retry came with.)
WITH rotated AS (
    UPDATE refresh_tokens SET rotated_at = $1, replaced_by = $4
    WHERE token_hash = $2 AND rotated_at IS NULL AND grant_id = $3
        AND EXISTS (SELECT 1 FROM grants g WHERE g.id = $3 AND g.revoked_at IS NULL)
    RETURNING grant_id
), successor AS (
    INSERT INTO refresh_tokens (token_hash, grant_id, issued_at, expires_at)
    SELECT $4, grant_id, $5, $6 FROM rotated
), retried AS (
    UPDATE refresh_tokens SET replaced_by = $4
    WHERE token_hash = $7 AND EXISTS (SELECT 1 FROM rotated)
), access AS (
    UPDATE grants SET access_expires_at = $8
    WHERE id = $3 AND EXISTS (SELECT 1 FROM rotated)
)
SELECT count(*) AS "rotated!" FROM rotated
