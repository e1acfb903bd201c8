-- Users, memberships, API keys and refresh tokens. Secrets are stored as hashes only.
CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE memberships (
    workspace_id BLOB NOT NULL,
    user_id      BLOB NOT NULL,
    role         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE api_keys (
    id           BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    digest       BLOB NOT NULL,
    created_by   BLOB,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, id);

CREATE TABLE refresh_tokens (
    digest     BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);
