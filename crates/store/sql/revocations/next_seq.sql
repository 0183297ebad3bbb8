-- Taken inside the recording transaction: the row lock orders writers, so the sequence
-- order is the commit order.
UPDATE revocation_sequence SET seq = seq + 1 WHERE id = 1 RETURNING seq
