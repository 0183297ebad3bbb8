-- Single use: of concurrent redemptions, exactly one sees a row updated.
UPDATE auth_codes SET consumed_at = $1
WHERE code_hash = $2 AND consumed_at IS NULL
