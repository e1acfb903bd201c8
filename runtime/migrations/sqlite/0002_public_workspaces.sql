-- A public workspace can be watched without credentials (the demo office).
ALTER TABLE workspaces ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
