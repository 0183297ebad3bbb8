UPDATE signing_keys SET state = 'revoked', revoked_at = $1
WHERE kid = $2 AND state <> 'revoked'
