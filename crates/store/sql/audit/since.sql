SELECT id, at, actor, action, subject, outcome, detail
FROM audit_events
WHERE at >= $1
ORDER BY at, id
LIMIT $2
