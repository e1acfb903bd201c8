-- Messages between agents and people, and approval requests with their decisions.
CREATE TABLE messages (
    id           BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL,
    from_agent   BLOB,
    to_agent     BLOB,
    author       TEXT NOT NULL,
    text         TEXT NOT NULL,
    task_id      BLOB,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX messages_by_workspace ON messages (workspace_id, id);
-- An agent's unread messages, taken into its next turn.
CREATE INDEX messages_inbox ON messages (workspace_id, to_agent, id) WHERE delivered_at IS NULL;

CREATE TABLE approvals (
    id           BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL,
    task_id      BLOB NOT NULL,
    agent_id     BLOB NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    status       TEXT NOT NULL,
    decided_by   TEXT,
    comment      TEXT,
    requested_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    decided_at   INTEGER
);
CREATE INDEX approvals_by_workspace ON approvals (workspace_id, id);
CREATE INDEX approvals_by_status ON approvals (workspace_id, status, id);
