-- Messages between agents and people, and approval requests with their decisions.
CREATE TABLE messages (
    id           UUID PRIMARY KEY,
    workspace_id UUID NOT NULL,
    from_agent   UUID,
    to_agent     UUID,
    author       TEXT NOT NULL,
    text         TEXT NOT NULL,
    task_id      UUID,
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX messages_by_workspace ON messages (workspace_id, id);
-- An agent's unread messages, taken into its next turn.
CREATE INDEX messages_inbox ON messages (workspace_id, to_agent, id) WHERE delivered_at IS NULL;

CREATE TABLE approvals (
    id           UUID PRIMARY KEY,
    workspace_id UUID NOT NULL,
    task_id      UUID NOT NULL,
    agent_id     UUID NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    status       TEXT NOT NULL,
    decided_by   TEXT,
    comment      TEXT,
    requested_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    decided_at   BIGINT
);
CREATE INDEX approvals_by_workspace ON approvals (workspace_id, id);
CREATE INDEX approvals_by_status ON approvals (workspace_id, status, id);
