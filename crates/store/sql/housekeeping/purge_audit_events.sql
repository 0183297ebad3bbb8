DELETE FROM audit_events WHERE id IN (
    SELECT id FROM audit_events WHERE at < $1 LIMIT $2
)
