-- Housekeeping runs once across all instances: whoever moves `next_run` forward first
-- (a conditional update) does the round, and the others skip it.
CREATE TABLE housekeeping (
    name     TEXT NOT NULL PRIMARY KEY,
    next_run BIGINT NOT NULL
);
INSERT INTO housekeeping (name, next_run) VALUES ('purge', 0);

-- The purge finds expired rows by these.
CREATE INDEX auth_codes_expires ON auth_codes (expires_at);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
