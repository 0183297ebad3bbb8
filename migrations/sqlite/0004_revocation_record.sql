-- The record of every revocation (ARCHITECTURE "Revocation"): what is revoked, when, and
-- until when it matters. The shared view (Redis) and each instance's in-process view are
-- rebuilt from it, so a view that loses entries never brings a revoked token back.
-- `revoked_at` matters for a user or a client: their tokens issued at or before it are
-- dead, those issued after are not.
CREATE TABLE revocations (
    kind       TEXT NOT NULL CHECK (kind IN ('token', 'grant', 'user', 'client')),
    subject    TEXT NOT NULL,
    revoked_at BIGINT NOT NULL,
    until      BIGINT NOT NULL,
    PRIMARY KEY (kind, subject)
);
CREATE INDEX revocations_until ON revocations (until);

-- When the last access token minted under a grant expires: how long its revocation must
-- last, whatever the token lifetime setting says today.
ALTER TABLE grants ADD COLUMN access_expires_at BIGINT NOT NULL DEFAULT 0;

-- A client can be switched off without deleting it (and its audit history).
ALTER TABLE clients ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
