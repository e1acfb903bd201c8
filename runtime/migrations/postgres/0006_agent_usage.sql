-- Usage per agent and day: what each agent ran, and the model tokens it used and what they
-- cost (the workspace's usage rows are the sums).
CREATE TABLE agent_usage (
    workspace_id UUID NOT NULL,
    agent_id     UUID NOT NULL,
    day          BIGINT NOT NULL,
    agent_ms     BIGINT NOT NULL,
    succeeded    BIGINT NOT NULL,
    failed       BIGINT NOT NULL,
    cancelled    BIGINT NOT NULL,
    dead         BIGINT NOT NULL,
    tokens_in    BIGINT NOT NULL,
    tokens_out   BIGINT NOT NULL,
    spend_micros BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, agent_id, day)
);
