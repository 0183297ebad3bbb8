DELETE FROM auth_codes WHERE code_hash IN (
    SELECT code_hash FROM auth_codes WHERE expires_at < $1 LIMIT $2
)
