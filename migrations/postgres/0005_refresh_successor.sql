-- The token a refresh token was rotated into, so that a client which lost the response
-- may retry within a short window and get a working pair, as long as that successor was
-- never used (anything else is reuse, and revokes the family).
ALTER TABLE refresh_tokens ADD COLUMN replaced_by BYTEA;
