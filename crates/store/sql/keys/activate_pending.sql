-- Of concurrent activations of one pending key, exactly one sees a row updated.
UPDATE signing_keys SET state = 'active', activated_at = $1
WHERE kid = $2 AND state = 'pending'
