-- AgentHQ schema for SQLite. Ids are 16-byte UUID blobs; times are Unix milliseconds.
CREATE TABLE workspaces (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    tier        TEXT NOT NULL,
    max_running INTEGER NOT NULL,
    max_queued  INTEGER NOT NULL,
    epoch       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

CREATE TABLE agents (
    id             BLOB PRIMARY KEY NOT NULL,
    workspace_id   BLOB NOT NULL,
    name           TEXT NOT NULL,
    personality    TEXT NOT NULL,
    executor       TEXT NOT NULL,
    max_concurrent INTEGER NOT NULL,
    desk           INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX agents_by_workspace ON agents (workspace_id);

CREATE TABLE tasks (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL,
    agent_id        BLOB,
    assigned_agent  BLOB,
    title           TEXT NOT NULL,
    input           TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    max_attempts    INTEGER NOT NULL,
    backoff_ms      INTEGER NOT NULL,
    timeout_ms      INTEGER NOT NULL,
    idempotency_key TEXT,
    result          TEXT,
    error           TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    run_after       INTEGER
);
CREATE UNIQUE INDEX tasks_idempotency ON tasks (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_by_status ON tasks (workspace_id, status, id);
CREATE INDEX tasks_by_workspace ON tasks (workspace_id, id);

CREATE TABLE usage (
    workspace_id BLOB NOT NULL,
    day          INTEGER NOT NULL,
    agent_ms     INTEGER NOT NULL,
    succeeded    INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    cancelled    INTEGER NOT NULL,
    dead         INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day)
);
