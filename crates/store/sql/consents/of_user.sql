SELECT user_id, client_id, scope, granted_at
FROM consents
WHERE user_id = $1
ORDER BY client_id
