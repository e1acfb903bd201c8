-- Metering beside the task counters: tasks accepted (tasks_per_day), API requests and
-- WebSocket connection time per workspace and day.
ALTER TABLE usage ADD COLUMN submitted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN api_requests BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN ws_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agent_usage ADD COLUMN submitted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agent_usage ADD COLUMN api_requests BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agent_usage ADD COLUMN ws_ms BIGINT NOT NULL DEFAULT 0;
