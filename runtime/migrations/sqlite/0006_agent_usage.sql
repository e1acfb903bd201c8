-- Usage per agent and day: what each agent ran, and the model tokens it used and what they
-- cost (the workspace's usage rows are the sums).
CREATE TABLE agent_usage (
    workspace_id BLOB NOT NULL,
    agent_id     BLOB NOT NULL,
    day          INTEGER NOT NULL,
    agent_ms     INTEGER NOT NULL,
    succeeded    INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    cancelled    INTEGER NOT NULL,
    dead         INTEGER NOT NULL,
    tokens_in    INTEGER NOT NULL,
    tokens_out   INTEGER NOT NULL,
    spend_micros INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, agent_id, day)
);
