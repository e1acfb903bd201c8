-- Who did what in a workspace, when, from where. Only added to; removed with the workspace.
CREATE TABLE audit_log (
    id           BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL,
    at           INTEGER NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     BLOB NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT,
    detail       TEXT NOT NULL,
    ip           TEXT
);
CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, id);
