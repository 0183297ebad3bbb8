SELECT id, username, name, email, email_verified, password_hash, disabled, created_at
FROM users
WHERE username = $1
