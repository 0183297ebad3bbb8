UPDATE change_sequence SET seq = seq + 1 WHERE name = 'clients'
