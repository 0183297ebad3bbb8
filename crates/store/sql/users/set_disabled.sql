UPDATE users SET disabled = $1 WHERE username = $2
