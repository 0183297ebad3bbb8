UPDATE grants SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL
