-- Numbers that move whenever a kind of record changes, in the same transaction as the
-- change: an instance that caches such records (clients, on the hot paths) polls the
-- number and drops its copies when it moved, so a change made by another process (the
-- CLI on the embedded default, or while the event bus is down) is seen within a poll.
CREATE TABLE change_sequence (
    name TEXT NOT NULL PRIMARY KEY,
    seq  BIGINT NOT NULL
);
INSERT INTO change_sequence (name, seq) VALUES ('clients', 0);
