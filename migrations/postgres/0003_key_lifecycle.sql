-- The signing-key lifecycle: pending -> active -> retired (published until its tokens
-- have expired), or revoked (gone at once). Each transition keeps its time. One key per
-- algorithm is active, and one at most is waiting to become so: these two indexes are
-- also what makes a scheduled rotation happen once across instances.
ALTER TABLE signing_keys
    ADD COLUMN activate_at  BIGINT,
    ADD COLUMN activated_at BIGINT,
    ADD COLUMN retired_at   BIGINT,
    ADD COLUMN expires_at   BIGINT,
    ADD COLUMN revoked_at   BIGINT;
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_state_check;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_state_check
    CHECK (state IN ('pending', 'active', 'retired', 'revoked'));
UPDATE signing_keys SET activated_at = created_at WHERE state = 'active';
DROP INDEX signing_keys_one_active;
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
