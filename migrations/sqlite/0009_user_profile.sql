-- What OpenID Connect's profile and email scopes release about a person: a full name,
-- and whether the operator vouched for the email address.
ALTER TABLE users ADD COLUMN name TEXT;
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
