-- The caller passes everything now granted (what was granted before included).
INSERT INTO consents (user_id, client_id, scope, granted_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at
