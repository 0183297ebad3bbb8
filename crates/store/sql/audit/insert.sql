INSERT INTO audit_events (id, at, actor, action, subject, outcome, detail, client_id, address)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
