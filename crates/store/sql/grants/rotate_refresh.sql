-- Single use: only a current token of a live family rotates, and of concurrent
-- rotations exactly one sees a row updated. It records what it was rotated into.
UPDATE refresh_tokens SET rotated_at = $1, replaced_by = $4
WHERE token_hash = $2 AND rotated_at IS NULL AND grant_id = $3
    AND EXISTS (SELECT 1 FROM grants g WHERE g.id = $3 AND g.revoked_at IS NULL)
