DELETE FROM revocations WHERE (kind, subject) IN (
    SELECT kind, subject FROM revocations WHERE until < $1 LIMIT $2
)
