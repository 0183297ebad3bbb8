-- The common refresh in one statement, so one round trip: the presented token $1 with
-- its family (the refresh_families view, as refresh_by_hash.sql reads it), rotated into
-- $3 only when client $2 may spend it as it is at $4 (RefreshRecord::spendable_by says
-- the same in Rust): current, the client's own, unexpired, its family unrevoked and its
-- user active. Every sub-statement sees the snapshot taken before the rotation, so the
-- row returned is the token as it was read, and "rotated!" says whether this statement
-- rotated it. As in rotate_refresh.sql, of concurrent rotations exactly one updates the
-- row (the update re-checks rotated_at on the newest version). The successor lives the
-- idle lifetime ($5), never past the family's absolute one ($6 after the grant), and the
-- family's last access token now expires at $7.
WITH presented AS (
    SELECT * FROM refresh_families WHERE token_hash = $1
), rotated AS (
    UPDATE refresh_tokens t SET rotated_at = $4, replaced_by = $3
    FROM presented p
    WHERE t.token_hash = p.token_hash AND t.rotated_at IS NULL
        AND p.rotated_at IS NULL AND p.client_id = $2 AND p.revoked_at IS NULL
        AND p.expires_at > $4 AND p.user_active
        AND EXISTS (SELECT 1 FROM grants g WHERE g.id = p.grant_id AND g.revoked_at IS NULL)
    RETURNING t.grant_id
), successor AS (
    INSERT INTO refresh_tokens (token_hash, grant_id, issued_at, expires_at)
    SELECT $3, p.grant_id, $4, LEAST($5, p.created_at + $6)
    FROM presented p WHERE EXISTS (SELECT 1 FROM rotated)
), access AS (
    UPDATE grants SET access_expires_at = $7
    WHERE id IN (SELECT grant_id FROM rotated)
)
SELECT p.token_hash AS "token_hash!", p.issued_at AS "issued_at!",
    p.expires_at AS "expires_at!", p.rotated_at, p.replaced_by,
    p.grant_id AS "grant_id!", p.client_id AS "client_id!", p.user_id,
    p.scope AS "scope!", p.auth_time, p.created_at AS "created_at!", p.revoked_at,
    p.access_expires_at AS "access_expires_at!", p.user_active AS "user_active!",
    (SELECT count(*) FROM rotated) AS "rotated!"
FROM presented p
