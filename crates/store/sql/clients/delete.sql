DELETE FROM clients WHERE id = $1
