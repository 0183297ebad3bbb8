-- Where a client may send people after RP-initiated logout (a JSON array of URIs, each
-- matched exactly, like redirect_uris).
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';
