INSERT INTO users (id, username, name, email, email_verified, password_hash, disabled, created_at)
VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)
