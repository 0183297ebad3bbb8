-- The common refresh for a batch of presented tokens in one statement, so one round trip
-- and one commit for them all. Element n of the arrays is one refresh: the presented token
-- $1[n] with its family (the refresh_families view, as refresh_by_hash.sql reads it),
-- rotated into $3[n] only when client $2[n] may spend it as it is at $4[n]
-- (RefreshRecord::spendable_by says the same in Rust): current, the client's own,
-- unexpired, its family unrevoked and its user active. Every sub-statement sees the
-- snapshot taken before the rotation, so each row returned is the token as it was read,
-- and "rotated!" says whether this statement rotated it into that element's successor.
-- As in rotate_refresh.sql, of concurrent rotations exactly one updates the row (the
-- update re-checks rotated_at on the newest version); when one batch presents a token
-- twice, the row is updated once, and only the element whose successor it now names has
-- rotated it. A successor lives the idle lifetime ($5[n]), never past the family's
-- absolute one ($6[n] after the grant), and the family's last access token now expires
-- at $7[n]. Elements whose token is unknown return no row; "n!" says which element a
-- row answers.
WITH presented AS (
    SELECT i.n, i.want_client, i.successor, i.at_time, i.idle_expires_at, i.absolute_ttl,
        i.new_access_expires_at, f.*
    -- Each array behind a sub-select: its length then stays unknown to the planner, so
    -- Postgres settles on one generic plan for the prepared statement. Seen directly,
    -- a short batch always looked cheaper planned afresh, and planning (0.6 ms) cost
    -- five times the execution, on every batch.
    FROM unnest((SELECT $1::bytea[]), (SELECT $2::text[]), (SELECT $3::bytea[]),
            (SELECT $4::int8[]), (SELECT $5::int8[]), (SELECT $6::int8[]),
            (SELECT $7::int8[]))
        WITH ORDINALITY AS i(presented, want_client, successor, at_time, idle_expires_at,
            absolute_ttl, new_access_expires_at, n)
    -- One index lookup per element, whatever the table's size when the plan was made: a
    -- plain join let a plan cached while the table was small scan it whole on every batch.
    CROSS JOIN LATERAL (
        SELECT * FROM refresh_families WHERE token_hash = i.presented LIMIT 1
    ) f
), rotated AS (
    UPDATE refresh_tokens t SET rotated_at = p.at_time, replaced_by = p.successor
    FROM presented p
    WHERE t.token_hash = p.token_hash AND t.rotated_at IS NULL
        AND p.rotated_at IS NULL AND p.client_id = p.want_client AND p.revoked_at IS NULL
        AND p.expires_at > p.at_time AND p.user_active
        AND EXISTS (SELECT 1 FROM grants g WHERE g.id = p.grant_id AND g.revoked_at IS NULL)
    RETURNING t.token_hash, t.grant_id, t.replaced_by
), won AS (
    SELECT p.* FROM presented p
    JOIN rotated r ON r.token_hash = p.token_hash AND r.replaced_by = p.successor
), successor AS (
    INSERT INTO refresh_tokens (token_hash, grant_id, issued_at, expires_at)
    SELECT w.successor, w.grant_id, w.at_time,
        LEAST(w.idle_expires_at, w.created_at + w.absolute_ttl)
    FROM won w
), access AS (
    UPDATE grants g SET access_expires_at = w.new_access_expires_at
    FROM won w WHERE g.id = w.grant_id
)
SELECT p.n AS "n!", p.token_hash AS "token_hash!", p.issued_at AS "issued_at!",
    p.expires_at AS "expires_at!", p.rotated_at, p.replaced_by,
    p.grant_id AS "grant_id!", p.client_id AS "client_id!", p.user_id,
    p.scope AS "scope!", p.auth_time, p.created_at AS "created_at!", p.revoked_at,
    p.access_expires_at AS "access_expires_at!", p.user_active AS "user_active!",
    EXISTS (SELECT 1 FROM won w WHERE w.n = p.n) AS "rotated!"
FROM presented p
