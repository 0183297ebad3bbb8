SELECT access_expires_at FROM grants WHERE id = $1
