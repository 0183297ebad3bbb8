-- A use of the session: its idle end moves forward (the caller caps it at the absolute
-- end), never back.
UPDATE sessions SET idle_expires_at = $2 WHERE id_hash = $1 AND idle_expires_at < $2
