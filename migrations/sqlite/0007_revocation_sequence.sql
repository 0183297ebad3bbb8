-- The revocation record's sequence number: every write to `revocations` bumps it in the
-- same transaction. A view (Redis) stores the number it is complete up to, so one that
-- went back in time (a failover to a lagging replica, a restart from an old snapshot)
-- is told apart from one that is merely quiet, and is rebuilt.
CREATE TABLE revocation_sequence (
    id  BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO revocation_sequence (id, seq) VALUES (1, 0);
