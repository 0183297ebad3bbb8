UPDATE clients SET disabled = $1 WHERE id = $2
