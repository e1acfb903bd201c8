-- AgentHQ schema for PostgreSQL. Ids are UUIDs; times are Unix milliseconds.
CREATE TABLE workspaces (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    tier        TEXT NOT NULL,
    max_running BIGINT NOT NULL,
    max_queued  BIGINT NOT NULL,
    epoch       BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE agents (
    id             UUID PRIMARY KEY,
    workspace_id   UUID NOT NULL,
    name           TEXT NOT NULL,
    personality    TEXT NOT NULL,
    executor       JSONB NOT NULL,
    max_concurrent BIGINT NOT NULL,
    desk           BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX agents_by_workspace ON agents (workspace_id);

CREATE TABLE tasks (
    id              UUID PRIMARY KEY,
    workspace_id    UUID NOT NULL,
    agent_id        UUID,
    assigned_agent  UUID,
    title           TEXT NOT NULL,
    input           JSONB NOT NULL,
    priority        BIGINT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    max_attempts    BIGINT NOT NULL,
    backoff_ms      BIGINT NOT NULL,
    timeout_ms      BIGINT NOT NULL,
    idempotency_key TEXT,
    result          JSONB,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    run_after       BIGINT
);
CREATE UNIQUE INDEX tasks_idempotency ON tasks (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_by_status ON tasks (workspace_id, status, id);
CREATE INDEX tasks_by_workspace ON tasks (workspace_id, id);

CREATE TABLE usage (
    workspace_id UUID NOT NULL,
    day          BIGINT NOT NULL,
    agent_ms     BIGINT NOT NULL,
    succeeded    BIGINT NOT NULL,
    failed       BIGINT NOT NULL,
    cancelled    BIGINT NOT NULL,
    dead         BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, day)
);
