-- Model tokens the workspace's agents used (llm executor), per day, and what they cost in
-- micro-dollars by the node's price table.
ALTER TABLE usage ADD COLUMN tokens_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN tokens_out BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN spend_micros BIGINT NOT NULL DEFAULT 0;
