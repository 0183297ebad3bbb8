INSERT INTO users (id, username, email, password_hash, disabled, created_at)
VALUES ($1, $2, $3, $4, FALSE, $5)
