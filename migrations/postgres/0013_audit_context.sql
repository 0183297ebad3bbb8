-- Security events name the client and the address they came from (a login, a refused
-- client, a revocation), and are listed by type.
ALTER TABLE audit_events ADD COLUMN client_id TEXT;
ALTER TABLE audit_events ADD COLUMN address TEXT;
CREATE INDEX audit_events_action_at ON audit_events (action, at);
