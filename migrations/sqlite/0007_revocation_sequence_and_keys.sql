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
-- with the rest: its tokens are dead even where the key rows cannot be read. (SQLite
-- cannot change a CHECK constraint in place: the table is rebuilt.)
CREATE TABLE revocations_new (
    kind       TEXT NOT NULL CHECK (kind IN ('token', 'grant', 'user', 'client', 'kid')),
    subject    TEXT NOT NULL,
    revoked_at BIGINT NOT NULL,
    until      BIGINT NOT NULL,
    PRIMARY KEY (kind, subject)
);
INSERT INTO revocations_new (kind, subject, revoked_at, until)
    SELECT kind, subject, revoked_at, until FROM revocations;
DROP TABLE revocations;
ALTER TABLE revocations_new RENAME TO revocations;
CREATE INDEX revocations_until ON revocations (until);
