SELECT kind, subject, revoked_at, until
FROM revocations
WHERE until > $1
