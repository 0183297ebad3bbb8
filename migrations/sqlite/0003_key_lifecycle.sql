-- The signing-key lifecycle: pending -> active -> retired (published until its tokens
-- have expired), or revoked (gone at once). Each transition keeps its time. One key per
-- algorithm is active, and one at most is waiting to become so: these two indexes are
-- also what makes a scheduled rotation happen once across instances.
--
-- SQLite cannot change a CHECK constraint, so signing_keys is rebuilt (nothing refers
-- to it); the columns come out in the order Postgres's ALTER TABLE gives them.
CREATE TABLE signing_keys_new (
    kid                TEXT NOT NULL PRIMARY KEY,
    alg                TEXT NOT NULL,
    state              TEXT NOT NULL
        CHECK (state IN ('pending', 'active', 'retired', 'revoked')),
    public_key         BLOB NOT NULL,
    private_key_sealed BLOB NOT NULL,
    created_at         BIGINT NOT NULL,
    activate_at        BIGINT,
    activated_at       BIGINT,
    retired_at         BIGINT,
    expires_at         BIGINT,
    revoked_at         BIGINT
);
INSERT INTO signing_keys_new (kid, alg, state, public_key, private_key_sealed, created_at,
        activated_at)
    SELECT kid, alg, state, public_key, private_key_sealed, created_at,
        CASE WHEN state = 'active' THEN created_at END
    FROM signing_keys;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_new RENAME TO signing_keys;
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (alg) WHERE state = 'active';
CREATE UNIQUE INDEX signing_keys_one_pending ON signing_keys (alg) WHERE state = 'pending';

-- The algorithm of a client's ID tokens (OIDC Registration, id_token_signed_response_alg).
ALTER TABLE clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'ES256';

-- Security events: key operations and administration, who did them and how it went.
CREATE TABLE audit_events (
    id      TEXT NOT NULL PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    outcome TEXT NOT NULL,
    detail  TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
