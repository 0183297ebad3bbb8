-- no-transaction
-- SQLite lets a PRIMARY KEY column that is not an INTEGER PRIMARY KEY hold NULL (a
-- historical quirk its documentation keeps for compatibility); Postgres does not. Every
-- key column is declared NOT NULL here so both schemas say the same thing, which the
-- schema comparison test and sqlx's compile-time checks rely on.
--
-- SQLite cannot alter a column's constraints, so each table is rebuilt as its
-- documentation describes (lang_altertable.html, "other kinds of table schema changes"):
-- with foreign keys off, so that dropping a parent does not cascade into its children,
-- inside one transaction, checked before commit. Hence no-transaction above: the pragma
-- has no effect inside a transaction.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE users_new (
    id            TEXT NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    email         TEXT,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);
INSERT INTO users_new SELECT id, username, email, password_hash, disabled, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE clients_new (
    id            TEXT NOT NULL PRIMARY KEY,
    name          TEXT NOT NULL,
    secret_hash   BLOB,
    redirect_uris TEXT NOT NULL,
    grant_types   TEXT NOT NULL,
    scope         TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
INSERT INTO clients_new
    SELECT id, name, secret_hash, redirect_uris, grant_types, scope, created_at FROM clients;
DROP TABLE clients;
ALTER TABLE clients_new RENAME TO clients;

CREATE TABLE sessions_new (
    id_hash    BLOB NOT NULL PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
INSERT INTO sessions_new SELECT id_hash, user_id, auth_time, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;

CREATE TABLE auth_codes_new (
    code_hash      BLOB NOT NULL PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce          TEXT,
    auth_time      BIGINT NOT NULL,
    grant_id       TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    consumed_at    BIGINT
);
INSERT INTO auth_codes_new
    SELECT code_hash, client_id, user_id, redirect_uri, scope, code_challenge, nonce,
        auth_time, grant_id, expires_at, consumed_at
    FROM auth_codes;
DROP TABLE auth_codes;
ALTER TABLE auth_codes_new RENAME TO auth_codes;

CREATE TABLE grants_new (
    id         TEXT NOT NULL PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    auth_time  BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
INSERT INTO grants_new
    SELECT id, client_id, user_id, scope, auth_time, created_at, revoked_at FROM grants;
DROP TABLE grants;
ALTER TABLE grants_new RENAME TO grants;

CREATE TABLE refresh_tokens_new (
    token_hash BLOB NOT NULL PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT
);
INSERT INTO refresh_tokens_new
    SELECT token_hash, grant_id, issued_at, expires_at, rotated_at FROM refresh_tokens;
DROP TABLE refresh_tokens;
ALTER TABLE refresh_tokens_new RENAME TO refresh_tokens;
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);

CREATE TABLE signing_keys_new (
    kid                TEXT NOT NULL PRIMARY KEY,
    alg                TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'active', 'retired')),
    public_key         BLOB NOT NULL,
    private_key_sealed BLOB NOT NULL,
    created_at         BIGINT NOT NULL
);
INSERT INTO signing_keys_new
    SELECT kid, alg, state, public_key, private_key_sealed, created_at FROM signing_keys;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_new RENAME TO signing_keys;
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'active';

-- Fails the migration (before commit) if any row now points nowhere: the CHECK refuses
-- a non-zero count.
CREATE TEMP TABLE foreign_key_violations (n INTEGER NOT NULL CHECK (n = 0));
INSERT INTO foreign_key_violations SELECT COUNT(*) FROM pragma_foreign_key_check;
DROP TABLE foreign_key_violations;

COMMIT;
PRAGMA foreign_keys = ON;
