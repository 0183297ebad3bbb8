-- Of instances racing for the same round, exactly one sees a row updated.
UPDATE housekeeping SET next_run = $1 WHERE name = 'purge' AND next_run <= $2
