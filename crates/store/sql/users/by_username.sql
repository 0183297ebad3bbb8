SELECT id, username, email, password_hash, disabled, created_at
FROM users
WHERE username = $1
