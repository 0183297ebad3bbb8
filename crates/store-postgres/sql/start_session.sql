-- A login's writes in one statement, so one round trip and one commit: the browser's
-- previous session ended ($1, NULL when it held none), the new session, the login's
-- audit event and, when the login leads straight to the client, its authorization code
-- (every code column NULL when it does not). All or nothing, as one statement is.
WITH ended AS (
    DELETE FROM sessions WHERE id_hash = $1
), started AS (
    INSERT INTO sessions (id_hash, user_id, auth_time, expires_at, idle_expires_at)
    VALUES ($2, $3, $4, $5, $6)
), audited AS (
    INSERT INTO audit_events (id, at, actor, action, subject, outcome, detail, client_id,
        address)
    VALUES ($7, $8, $9, $10, $11, $12, $13, $14, $15)
)
INSERT INTO auth_codes (code_hash, client_id, user_id, redirect_uri, scope,
    code_challenge, nonce, auth_time, grant_id, expires_at)
SELECT $16::bytea, $17::text, $18::text, $19::text, $20::text, $21::text, $22::text,
    $23::bigint, $24::text, $25::bigint
WHERE $16::bytea IS NOT NULL
