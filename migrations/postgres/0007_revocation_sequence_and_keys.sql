-- The revocation record's sequence number: every write to `revocations` bumps it in the
-- same transaction. A view (Redis) stores the number it is complete up to, so one that
-- went back in time (a failover to a lagging replica, a restart from an old snapshot)
-- is told apart from one that is merely quiet, and is rebuilt.
CREATE TABLE revocation_sequence (
    id  BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO revocation_sequence (id, seq) VALUES (1, 0);

-- A revoked signing key is recorded like any other revocation, so every view learns it
-- with the rest: its tokens are dead even where the key rows cannot be read.
ALTER TABLE revocations DROP CONSTRAINT revocations_kind_check;
ALTER TABLE revocations ADD CONSTRAINT revocations_kind_check
    CHECK (kind IN ('token', 'grant', 'user', 'client', 'kid'));
