-- A browser session also ends after a time without use: each use moves this forward,
-- never past expires_at (the absolute end). Sessions from before keep their end.
ALTER TABLE sessions ADD COLUMN idle_expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET idle_expires_at = expires_at;
