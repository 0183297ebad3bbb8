UPDATE refresh_tokens SET replaced_by = $1 WHERE token_hash = $2
