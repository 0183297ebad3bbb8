-- Revoking again only ever widens a revocation: the later time, the longer life.
INSERT INTO revocations (kind, subject, revoked_at, until)
VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, subject) DO UPDATE SET
    revoked_at = CASE WHEN excluded.revoked_at > revocations.revoked_at
        THEN excluded.revoked_at ELSE revocations.revoked_at END,
    until = CASE WHEN excluded.until > revocations.until
        THEN excluded.until ELSE revocations.until END
