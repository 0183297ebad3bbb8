UPDATE grants SET access_expires_at = $1 WHERE id = $2
