DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE expires_at < $1 OR idle_expires_at < $1 LIMIT $2
)
