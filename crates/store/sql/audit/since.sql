SELECT id, at, actor, action, subject, outcome, detail, client_id, address
FROM audit_events
WHERE at >= $1
ORDER BY at, id
LIMIT $2
