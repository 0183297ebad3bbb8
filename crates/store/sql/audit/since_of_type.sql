SELECT id, at, actor, action, subject, outcome, detail, client_id, address
FROM audit_events
WHERE at >= $1 AND (action = $2 OR action LIKE $3)
ORDER BY at, id
LIMIT $4
