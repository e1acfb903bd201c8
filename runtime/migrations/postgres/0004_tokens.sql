-- Model tokens the workspace's agents used (llm executor), per day.
ALTER TABLE usage ADD COLUMN tokens_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN tokens_out BIGINT NOT NULL DEFAULT 0;
