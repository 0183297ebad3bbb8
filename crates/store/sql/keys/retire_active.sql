UPDATE signing_keys SET state = 'retired', retired_at = $1, expires_at = $2
WHERE alg = $3 AND state = 'active' AND kid <> $4
