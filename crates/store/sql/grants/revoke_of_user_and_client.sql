UPDATE grants SET revoked_at = $1
WHERE user_id = $2 AND client_id = $3 AND revoked_at IS NULL
RETURNING id
